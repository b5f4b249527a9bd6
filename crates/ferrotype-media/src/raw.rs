//! Developing camera RAW sensor data, for the files whose embedded previews are too small to make
//! a preview from. libraw's `dcraw_emu` (Debian `libraw-bin`) does the work in its own process, so
//! a hostile file can crash or bloat only that process, and the server's memory stays bounded.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DevelopError {
    #[error("cannot run dcraw_emu (install libraw-bin): {0}")]
    Spawn(std::io::Error),
    #[error("dcraw_emu took longer than {0:?}")]
    Timeout(Duration),
    #[error("libraw cannot develop the file: {0}")]
    Unreadable(String),
}

const TIMEOUT: Duration = Duration::from_secs(120);

/// Writes the RAW file's sensor data, demosaiced at half size (each 2 x 2 Bayer block becomes one
/// pixel: no interpolation cost, and still over 1440 px for any camera of 12 MP or more), with
/// the camera's white balance, in sRGB and already turned upright, to `out` as PPM.
pub async fn develop(path: &Path, out: &Path) -> Result<(), DevelopError> {
    let file = std::fs::File::create(out).map_err(DevelopError::Spawn)?;
    let run = crate::priority::background_command("dcraw_emu")
        .args(["-h", "-w", "-o", "1", "-Z", "-"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Spawned rather than `output()`, which would capture stdout instead of writing the file.
        .spawn()
        .map_err(DevelopError::Spawn)?
        .wait_with_output();
    let result = tokio::time::timeout(TIMEOUT, run)
        .await
        .map_err(|_| DevelopError::Timeout(TIMEOUT))?
        .map_err(DevelopError::Spawn)?;
    // dcraw_emu exits 0 even when it gives up or reads corrupt data; it says so on stderr.
    let complaint = String::from_utf8_lossy(&result.stderr).trim().to_string();
    let mut magic = [0u8; 2];
    let is_ppm = std::fs::File::open(out)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .map(|_| &magic == b"P6")
        .unwrap_or(false);
    if result.status.success() && complaint.is_empty() && is_ppm {
        return Ok(());
    }
    Err(DevelopError::Unreadable(if complaint.is_empty() {
        "no image came out".to_string()
    } else {
        complaint.chars().take(300).collect()
    }))
}

/// The pixel size in an image file's header, without decoding it.
pub fn header_size(path: &Path) -> Option<(u32, u32)> {
    image::image_dimensions(path).ok()
}

/// Whether the file's content is a JPEG, PNG, WebP or GIF whatever its name says. Only formats
/// whose signature no RAW format shares: most RAW files are TIFF inside, and a TIFF decoder would
/// read their first, tiny, image.
pub fn is_ordinary_image(path: &Path) -> bool {
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| std::io::Read::read(&mut f, &mut head));
    matches!(
        read.ok().and_then(|n| image::guess_format(&head[..n]).ok()),
        Some(
            image::ImageFormat::Jpeg
                | image::ImageFormat::Png
                | image::ImageFormat::WebP
                | image::ImageFormat::Gif
        )
    )
}
