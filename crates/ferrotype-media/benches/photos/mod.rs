//! Camera-sized test photos made by our own code from the repository's fixture photos, so that
//! the benchmarks need no download: a mosaic of the nature fixtures scaled up to 12-24 MP, with
//! sensor-like grain so that the JPEG carries as much detail as a camera's (a plain upscale of a
//! 512 px photo is too smooth and decodes unrealistically fast), encoded at quality 90 with 4:2:0
//! chroma like most cameras. Shared by the media and the server benchmarks.

#![allow(dead_code)]

use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{ExtendedColorType, ImageEncoder, RgbImage};

/// The fixture photos, decoded, in a stable order.
pub fn fixture_photos(fixtures: &Path) -> Vec<RgbImage> {
    let dir = fixtures.join("nature");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            image::open(p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .into_rgb8()
        })
        .collect()
}

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// `source` scaled to cover `w` x `h` and cropped to it, centred.
fn cover(source: &RgbImage, w: u32, h: u32) -> RgbImage {
    let (sw, sh) = source.dimensions();
    let scale = (w as f64 / sw as f64).max(h as f64 / sh as f64);
    let rw = ((sw as f64 * scale).ceil() as u32).max(w);
    let rh = ((sh as f64 * scale).ceil() as u32).max(h);
    let scaled = imageops::resize(source, rw, rh, FilterType::Triangle);
    imageops::crop_imm(&scaled, (rw - w) / 2, (rh - h) / 2, w, h).to_image()
}

/// A `width` x `height` photo: a 2 x 2 mosaic of fixture photos (chosen by `seed`) with grain.
pub fn camera_like(sources: &[RgbImage], width: u32, height: u32, seed: u64) -> RgbImage {
    let mut rng = Rng::new(seed);
    let mut canvas = RgbImage::new(width, height);
    let (cw, ch) = (width / 2, height / 2);
    let columns = [(0, cw), (cw, width - cw)];
    let rows = [(0, ch), (ch, height - ch)];
    for (i, ((y, th), (x, tw))) in rows
        .iter()
        .flat_map(|r| columns.iter().map(move |c| (*r, *c)))
        .enumerate()
    {
        let source = &sources[(seed as usize + i * 2) % sources.len()];
        imageops::replace(&mut canvas, &cover(source, tw, th), x as i64, y as i64);
    }
    // Grain: luminance noise of about +-6 levels, a little chroma noise, as a camera at a
    // moderate ISO leaves.
    for pixel in canvas.pixels_mut() {
        let r = rng.next();
        let luma = ((r & 0xF) as i32 + ((r >> 4) & 0xF) as i32) / 2 - 7;
        for (c, v) in pixel.0.iter_mut().enumerate() {
            let chroma = ((r >> (8 + c * 4)) & 0x3) as i32 - 1;
            *v = (*v as i32 + luma + chroma).clamp(0, 255) as u8;
        }
    }
    canvas
}

/// Baseline JPEG at `quality`, 4:2:0.
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encode JPEG");
    out
}

/// The same JPEG with a comment (COM segment) after its start marker: other bytes, other
/// SHA-1, same pixels.
pub fn with_comment(jpeg: &[u8], comment: &str) -> Vec<u8> {
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "not a JPEG");
    let text = comment.as_bytes();
    let mut out = Vec::with_capacity(jpeg.len() + text.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((text.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(text);
    out.extend_from_slice(&jpeg[2..]);
    out
}
