//! Thumbnails as Immich makes them: the original decoded once, converted to sRGB, resized so
//! that its short side is 1440 px (the JPEG preview) and 250 px (the WebP thumbnail), EXIF
//! orientation applied, and a thumbhash of the thumbnail. Decoders: `image` (JPEG, PNG, GIF,
//! WebP, TIFF, BMP, PPM), libheif (HEIC, HEIF, AVIF) and jxl-oxide (JPEG XL). Camera RAW files
//! come here as their embedded JPEG preview; videos as a frame from ffmpeg.

use std::io::BufReader;
use std::path::Path;

use fast_image_resize::images::Image as FirImage;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage, RgbaImage};

#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    /// Refused before decoding: more pixels than the configured budget (a decompression bomb).
    #[error("image too large: {width} x {height} is over the limit of {limit} pixels")]
    TooManyPixels { width: u64, height: u64, limit: u64 },
    #[error("cannot decode the image: {0}")]
    Decode(String),
    #[error("cannot encode the thumbnail: {0}")]
    Encode(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone, Copy)]
pub struct ThumbnailSettings {
    /// Short side of the WebP thumbnail.
    pub thumbnail_size: u32,
    /// Short side of the JPEG preview.
    pub preview_size: u32,
    pub quality: u8,
    /// Largest width x height decoded.
    pub max_pixels: u64,
}

impl Default for ThumbnailSettings {
    fn default() -> Self {
        ThumbnailSettings {
            thumbnail_size: 250,
            preview_size: 1440,
            quality: 80,
            max_pixels: 250_000_000,
        }
    }
}

/// The file formats, as far as decoding is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Decoded by `image`; EXIF orientation must be applied.
    Common,
    /// HEIC, HEIF, AVIF: libheif applies the container's rotation itself.
    Heif,
    /// JPEG XL: jxl-oxide applies the codestream's orientation itself.
    Jxl,
}

impl SourceKind {
    pub fn for_extension(ext: &str) -> SourceKind {
        match ext {
            ".heic" | ".heif" | ".hif" | ".avif" => SourceKind::Heif,
            ".jxl" => SourceKind::Jxl,
            _ => SourceKind::Common,
        }
    }
}

pub struct Thumbnails {
    pub preview_jpeg: Vec<u8>,
    pub thumbnail_webp: Vec<u8>,
    pub thumbhash: Vec<u8>,
    /// The original's size as shown (orientation applied).
    pub width: u32,
    pub height: u32,
}

/// Decoded pixels (8-bit RGB) and the colour profile they are in.
struct Decoded {
    rgb: RgbImage,
    icc: Option<Vec<u8>>,
}

fn check_budget(width: u64, height: u64, limit: u64) -> Result<(), ThumbnailError> {
    if width == 0 || height == 0 {
        return Err(ThumbnailError::Decode("the image has no pixels".into()));
    }
    if width.saturating_mul(height) > limit {
        return Err(ThumbnailError::TooManyPixels {
            width,
            height,
            limit,
        });
    }
    Ok(())
}

/// Whether a JPEG stream reaches its end-of-image marker. Decoders fill a truncated JPEG with
/// grey and call it a success; a thumbnail of half a photo is not one.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    if bytes.get(..2) != Some(&[0xFF, 0xD8]) {
        return false;
    }
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        match marker {
            0xD9 => return true,
            0xFF => i += 1, // fill byte
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(len) = bytes
                    .get(i + 2..i + 4)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
                else {
                    return false;
                };
                i += 2 + len;
                if marker == 0xDA {
                    // Entropy-coded data: skip to the next marker that is not a stuffed zero or
                    // a restart marker.
                    while i + 1 < bytes.len() {
                        if bytes[i] == 0xFF
                            && bytes[i + 1] != 0x00
                            && !(0xD0..=0xD7).contains(&bytes[i + 1])
                        {
                            break;
                        }
                        i += 1;
                    }
                }
            }
        }
    }
    false
}

fn decode_common(path: &Path, limit: u64) -> Result<Decoded, ThumbnailError> {
    let reader = ImageReader::new(BufReader::new(std::fs::File::open(path)?))
        .with_guessed_format()
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?;
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_is_complete(&std::fs::read(path)?)
    {
        return Err(ThumbnailError::Decode(
            "the JPEG is truncated (no end-of-image marker)".into(),
        ));
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?;
    // The header's size is checked before a single pixel is allocated.
    let (w, h) = decoder.dimensions();
    check_budget(w as u64, h as u64, limit)?;
    let icc = decoder.icc_profile().ok().flatten();
    let mut limits = image::Limits::default();
    // Room for the decoded image in its widest sample type, and nothing beyond.
    limits.max_alloc = Some(limit.saturating_mul(8).max(64 << 20));
    decoder
        .set_limits(limits)
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?;
    let image =
        DynamicImage::from_decoder(decoder).map_err(|e| ThumbnailError::Decode(e.to_string()))?;
    Ok(Decoded {
        rgb: image.into_rgb8(),
        icc,
    })
}

fn decode_heif(path: &Path, limit: u64) -> Result<Decoded, ThumbnailError> {
    use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};
    let path = path
        .to_str()
        .ok_or_else(|| ThumbnailError::Decode("path is not UTF-8".into()))?;
    let err = |e: libheif_rs::HeifError| ThumbnailError::Decode(e.to_string());
    let ctx = HeifContext::read_from_file(path).map_err(err)?;
    let handle = ctx.primary_image_handle().map_err(err)?;
    check_budget(handle.width() as u64, handle.height() as u64, limit)?;
    let icc = handle.color_profile_raw().map(|p| p.data);
    let image = LibHeif::new()
        .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None)
        .map_err(err)?;
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| ThumbnailError::Decode("libheif gave no interleaved plane".into()))?;
    let (w, h) = (plane.width, plane.height);
    let mut rgb = Vec::with_capacity(w as usize * h as usize * 3);
    for row in plane.data.chunks(plane.stride).take(h as usize) {
        rgb.extend_from_slice(&row[..w as usize * 3]);
    }
    let rgb = RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| ThumbnailError::Decode("bad HEIF plane".into()))?;
    Ok(Decoded { rgb, icc })
}

fn decode_jxl(path: &Path, limit: u64) -> Result<Decoded, ThumbnailError> {
    use jxl_oxide::{EnumColourEncoding, JxlImage, Lcms2, RenderingIntent};
    let err = |e: Box<dyn std::error::Error + Send + Sync>| ThumbnailError::Decode(e.to_string());
    let mut image = JxlImage::builder().open(path).map_err(err)?;
    check_budget(image.width() as u64, image.height() as u64, limit)?;
    // Rendered straight into sRGB (HDR and wide-gamut sources are mapped by lcms2).
    image.set_cms(Lcms2);
    image.request_color_encoding(EnumColourEncoding::srgb(RenderingIntent::Relative));
    let render = image.render_frame(0).map_err(err)?;
    let mut stream = render.stream_no_alpha();
    let (w, h, channels) = (stream.width(), stream.height(), stream.channels() as usize);
    let mut samples = vec![0u8; w as usize * h as usize * channels];
    stream.write_to_buffer(&mut samples);
    let rgb: Vec<u8> = match channels {
        3 => samples,
        1 => samples.iter().flat_map(|g| [*g, *g, *g]).collect(),
        n => samples.chunks(n).flat_map(|p| [p[0], p[1], p[2]]).collect(),
    };
    let rgb = RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| ThumbnailError::Decode("bad JPEG XL frame".into()))?;
    Ok(Decoded { rgb, icc: None })
}

/// Converts pixels in an embedded colour profile to sRGB; unusable profiles leave them as they are.
fn to_srgb(decoded: &mut Decoded) {
    let Some(icc) = decoded.icc.as_deref() else {
        return;
    };
    let Ok(source) = lcms2::Profile::new_icc(icc) else {
        return;
    };
    // Already sRGB (by name): nothing to do.
    let description = source
        .info(lcms2::InfoType::Description, lcms2::Locale::none())
        .unwrap_or_default();
    if description.to_ascii_lowercase().contains("srgb") {
        return;
    }
    let srgb = lcms2::Profile::new_srgb();
    let Ok(transform) = lcms2::Transform::<[u8; 3], [u8; 3]>::new(
        &source,
        lcms2::PixelFormat::RGB_8,
        &srgb,
        lcms2::PixelFormat::RGB_8,
        lcms2::Intent::Perceptual,
    ) else {
        return;
    };
    let pixels: &mut [[u8; 3]] = bytemuck_rgb(decoded.rgb.as_mut());
    transform.transform_in_place(pixels);
}

/// Views RGB bytes as pixels.
fn bytemuck_rgb(bytes: &mut [u8]) -> &mut [[u8; 3]] {
    let (pixels, _) = bytes.as_chunks_mut::<3>();
    pixels
}

/// Size whose short side is `short` (never larger than the source).
fn fit_short_side(w: u32, h: u32, short: u32) -> (u32, u32) {
    let current = w.min(h);
    if current <= short {
        return (w, h);
    }
    let scale = short as f64 / current as f64;
    let sw = ((w as f64 * scale).round() as u32).max(1);
    let sh = ((h as f64 * scale).round() as u32).max(1);
    if w <= h { (short, sh) } else { (sw, short) }
}

fn resize(
    src: &RgbImage,
    w: u32,
    h: u32,
    resizer: &mut Resizer,
) -> Result<RgbImage, ThumbnailError> {
    if src.dimensions() == (w, h) {
        return Ok(src.clone());
    }
    let src_view = FirImage::from_vec_u8(
        src.width(),
        src.height(),
        src.as_raw().clone(),
        PixelType::U8x3,
    )
    .map_err(|e| ThumbnailError::Encode(e.to_string()))?;
    let mut dst = FirImage::new(w, h, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer
        .resize(&src_view, &mut dst, &options)
        .map_err(|e| ThumbnailError::Encode(e.to_string()))?;
    RgbImage::from_raw(w, h, dst.into_vec())
        .ok_or_else(|| ThumbnailError::Encode("resize produced a bad buffer".into()))
}

/// Applies EXIF orientation (1 to 8) to pixels.
fn orient(image: RgbImage, orientation: u8) -> RgbImage {
    use image::imageops::{flip_horizontal, flip_vertical, rotate90, rotate180, rotate270};
    match orientation {
        2 => flip_horizontal(&image),
        3 => rotate180(&image),
        4 => flip_vertical(&image),
        5 => flip_horizontal(&rotate90(&image)),
        6 => rotate90(&image),
        7 => flip_horizontal(&rotate270(&image)),
        8 => rotate270(&image),
        _ => image,
    }
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ThumbnailError> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    // 4:4:4 at quality 80 and above, as Immich (sharp) does.
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_4_4);
    encoder
        .encode(
            image.as_raw(),
            image.width() as u16,
            image.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .map_err(|e| ThumbnailError::Encode(e.to_string()))?;
    Ok(out)
}

fn encode_webp(image: &RgbImage, quality: u8) -> Vec<u8> {
    webp::Encoder::from_rgb(image.as_raw(), image.width(), image.height())
        .encode(quality as f32)
        .to_vec()
}

fn thumbhash_of(thumbnail: &RgbImage, resizer: &mut Resizer) -> Result<Vec<u8>, ThumbnailError> {
    let (w, h) = thumbnail.dimensions();
    let scale = 100.0 / w.max(h) as f64;
    let (tw, th) = if scale < 1.0 {
        (
            ((w as f64 * scale).round() as u32).max(1),
            ((h as f64 * scale).round() as u32).max(1),
        )
    } else {
        (w, h)
    };
    let small = resize(thumbnail, tw, th, resizer)?;
    let rgba: RgbaImage = DynamicImage::ImageRgb8(small).into_rgba8();
    Ok(thumbhash::rgba_to_thumb_hash(
        tw as usize,
        th as usize,
        rgba.as_raw(),
    ))
}

/// Decodes `path` once and makes the preview, the thumbnail and the thumbhash. `orientation`
/// is the EXIF orientation, applied to formats whose decoder does not apply it itself.
pub fn generate(
    path: &Path,
    kind: SourceKind,
    orientation: Option<u8>,
    settings: &ThumbnailSettings,
) -> Result<Thumbnails, ThumbnailError> {
    let mut decoded = match kind {
        SourceKind::Common => decode_common(path, settings.max_pixels)?,
        SourceKind::Heif => decode_heif(path, settings.max_pixels)?,
        SourceKind::Jxl => decode_jxl(path, settings.max_pixels)?,
    };
    to_srgb(&mut decoded);
    let orientation = match kind {
        SourceKind::Common => orientation.unwrap_or(1),
        SourceKind::Heif | SourceKind::Jxl => 1,
    };
    let (w, h) = decoded.rgb.dimensions();
    let mut resizer = Resizer::new();
    let (pw, ph) = fit_short_side(w, h, settings.preview_size);
    let preview = resize(&decoded.rgb, pw, ph, &mut resizer)?;
    drop(decoded);
    let (tw, th) = fit_short_side(pw, ph, settings.thumbnail_size);
    let thumbnail = resize(&preview, tw, th, &mut resizer)?;
    let preview = orient(preview, orientation);
    let thumbnail = orient(thumbnail, orientation);
    let (sw, sh) = if (5..=8).contains(&orientation) {
        (h, w)
    } else {
        (w, h)
    };
    Ok(Thumbnails {
        preview_jpeg: encode_jpeg(&preview, settings.quality)?,
        thumbnail_webp: encode_webp(&thumbnail, settings.quality),
        thumbhash: thumbhash_of(&thumbnail, &mut resizer)?,
        width: sw,
        height: sh,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_side_fits() {
        assert_eq!(fit_short_side(4000, 3000, 1440), (1920, 1440));
        assert_eq!(fit_short_side(3000, 4000, 250), (250, 333));
        assert_eq!(fit_short_side(800, 600, 1440), (800, 600));
    }

    #[test]
    fn orientation_turns_the_picture() {
        let image = RgbImage::new(4, 2);
        assert_eq!(orient(image.clone(), 6).dimensions(), (2, 4));
        assert_eq!(orient(image.clone(), 8).dimensions(), (2, 4));
        assert_eq!(orient(image, 3).dimensions(), (4, 2));
    }

    #[test]
    fn truncated_jpegs_are_noticed() {
        let mut jpeg = Vec::new();
        let image = RgbImage::from_pixel(64, 48, image::Rgb([10, 200, 30]));
        jpeg_encoder::Encoder::new(&mut jpeg, 80)
            .encode(image.as_raw(), 64, 48, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        assert!(jpeg_is_complete(&jpeg));
        assert!(!jpeg_is_complete(&jpeg[..jpeg.len() / 2]));
        assert!(!jpeg_is_complete(&jpeg[..jpeg.len() - 2]));
        assert!(!jpeg_is_complete(b"not a jpeg"));
        // Trailing data after the end is fine.
        let mut trailed = jpeg.clone();
        trailed.extend_from_slice(b"SAMSUNG TRAILER");
        assert!(jpeg_is_complete(&trailed));
    }

    #[test]
    fn bombs_are_refused_before_decoding() {
        assert!(matches!(
            check_budget(50_000, 50_000, 250_000_000),
            Err(ThumbnailError::TooManyPixels { .. })
        ));
        assert!(check_budget(6000, 4000, 250_000_000).is_ok());
        assert!(check_budget(0, 10, 250_000_000).is_err());
    }
}
