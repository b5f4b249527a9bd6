//! Thumbnails as Immich makes them: the original decoded once, converted to sRGB, resized so
//! that its short side is 1440 px (the JPEG preview) and 250 px (the WebP thumbnail), EXIF
//! orientation applied, and a thumbhash of the thumbnail. Decoders: libjpeg-turbo for JPEG,
//! decoding straight at 1/2, 1/4 or 1/8 scale when that is still at least the preview's size (the
//! DCT does the first downscale for free); `image` for the JPEGs libjpeg-turbo refuses (CMYK,
//! odd chroma layouts, warnings) and for PNG, GIF, WebP, TIFF, BMP, PPM; libheif (HEIC, HEIF,
//! AVIF) and jxl-oxide (JPEG XL). The preview is encoded by libjpeg-turbo. Camera RAW files come
//! here as their embedded JPEG preview or developed by libraw (`raw`); videos as a frame from ffmpeg.

use std::io::{BufRead, BufReader, Cursor, Read, Seek};
use std::path::Path;

use fast_image_resize::images::{Image as FirImage, ImageRef};
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
    /// The stored image's size; `rgb` is smaller when the decoder scaled it down.
    full: (u32, u32),
}

impl Decoded {
    fn full_size(rgb: RgbImage, icc: Option<Vec<u8>>) -> Decoded {
        let full = rgb.dimensions();
        Decoded { rgb, icc, full }
    }
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

/// The ICC profile of a JPEG: the payloads of its `ICC_PROFILE` APP2 segments, in their
/// sequence order. Only the segments before the first scan are read.
fn jpeg_icc(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut i = 2; // after SOI
    while i + 1 < bytes.len() && bytes[i] == 0xFF {
        let marker = bytes[i + 1];
        match marker {
            0xFF => i += 1,
            0x01 | 0xD0..=0xD8 => i += 2,
            0xD9 | 0xDA => break,
            _ => {
                let Some(len) = bytes
                    .get(i + 2..i + 4)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
                else {
                    break;
                };
                let Some(segment) = bytes.get(i + 4..i + 2 + len.max(2)) else {
                    break;
                };
                if marker == 0xE2 && segment.len() >= 14 && segment.starts_with(b"ICC_PROFILE\0") {
                    chunks.push((segment[12], &segment[14..]));
                }
                i += 2 + len.max(2);
            }
        }
    }
    if chunks.is_empty() {
        return None;
    }
    chunks.sort_by_key(|(sequence, _)| *sequence);
    Some(
        chunks
            .iter()
            .flat_map(|(_, data)| data.iter().copied())
            .collect(),
    )
}

/// The largest DCT scale (1/8, 1/4, 1/2, else 1) at which the short side of a `w` x `h` JPEG
/// is still at least `min_short`: returns the denominator.
fn dct_scale(w: u32, h: u32, min_short: u32) -> u32 {
    [8, 4, 2]
        .into_iter()
        .find(|d| w.min(h).div_ceil(*d) >= min_short)
        .unwrap_or(1)
}

/// A libjpeg-turbo decompressor, destroyed when dropped.
struct TurboDecompressor(turbojpeg_sys::tjhandle);

impl TurboDecompressor {
    fn new() -> Option<TurboDecompressor> {
        // SAFETY: no preconditions; a null handle is checked.
        let handle = unsafe { turbojpeg_sys::tjInitDecompress() };
        (!handle.is_null()).then_some(TurboDecompressor(handle))
    }

    fn error(&self) -> String {
        // SAFETY: the handle is live; the message is a NUL-terminated string owned by it,
        // copied before the handle is used again.
        unsafe { std::ffi::CStr::from_ptr(turbojpeg_sys::tjGetErrorStr2(self.0)) }
            .to_string_lossy()
            .into_owned()
    }

    /// Width, height and colour space (`TJCS_*`) from the headers.
    fn header(&self, jpeg: &[u8]) -> Result<(u32, u32, u32), String> {
        let (mut w, mut h, mut subsamp, mut colorspace) = (0, 0, 0, 0);
        // SAFETY: the handle is live, the buffer and its length match, and the four outputs
        // point to live integers.
        let rc = unsafe {
            turbojpeg_sys::tjDecompressHeader3(
                self.0,
                jpeg.as_ptr(),
                jpeg.len() as _,
                &mut w,
                &mut h,
                &mut subsamp,
                &mut colorspace,
            )
        };
        if rc != 0 {
            return Err(self.error());
        }
        match (
            u32::try_from(w),
            u32::try_from(h),
            u32::try_from(colorspace),
        ) {
            (Ok(w), Ok(h), Ok(cs)) => Ok((w, h, cs)),
            _ => Err("bad JPEG header".into()),
        }
    }

    /// Decodes to RGB at `w` x `h`, which must be the stored size scaled by one of the
    /// decoder's factors. Warnings (corrupt data the decoder would paper over) are errors.
    fn decode_rgb(&self, jpeg: &[u8], w: u32, h: u32) -> Result<RgbImage, String> {
        let pitch = w as usize * 3;
        let mut rgb = vec![0u8; pitch * h as usize];
        let (Ok(wi), Ok(hi), Ok(pi)) = (i32::try_from(w), i32::try_from(h), i32::try_from(pitch))
        else {
            return Err("image too wide".into());
        };
        // SAFETY: the handle is live; the output holds `pitch * h` bytes, enough for `h` rows
        // of `w` RGB pixels; the input buffer and its length match.
        let rc = unsafe {
            turbojpeg_sys::tjDecompress2(
                self.0,
                jpeg.as_ptr(),
                jpeg.len() as _,
                rgb.as_mut_ptr(),
                wi,
                pi,
                hi,
                turbojpeg_sys::TJPF_TJPF_RGB as _,
                turbojpeg_sys::TJFLAG_STOPONWARNING as _,
            )
        };
        if rc != 0 {
            return Err(self.error());
        }
        RgbImage::from_raw(w, h, rgb).ok_or_else(|| "bad buffer".into())
    }
}

impl Drop for TurboDecompressor {
    fn drop(&mut self) {
        // SAFETY: the handle is live and not used after this.
        unsafe {
            turbojpeg_sys::tjDestroy(self.0);
        }
    }
}

/// A JPEG through libjpeg-turbo, scaled down by the DCT as far as `min_short` allows.
/// `Ok(None)`: libjpeg-turbo cannot do it (CMYK, chroma layouts it does not know, corrupt data
/// it warns about); the caller falls back to `image`. Errors: over the pixel budget.
fn decode_jpeg_turbo(
    jpeg: &[u8],
    limit: u64,
    min_short: u32,
) -> Result<Option<Decoded>, ThumbnailError> {
    let Some(tj) = TurboDecompressor::new() else {
        return Ok(None);
    };
    let (w, h, colorspace) = match tj.header(jpeg) {
        Ok(header) => header,
        Err(e) => {
            tracing::debug!("libjpeg-turbo cannot read the header ({e}); trying image");
            return Ok(None);
        }
    };
    // The header's size is checked before a single pixel is allocated.
    check_budget(w as u64, h as u64, limit)?;
    if !matches!(
        colorspace,
        turbojpeg_sys::TJCS_TJCS_YCbCr
            | turbojpeg_sys::TJCS_TJCS_GRAY
            | turbojpeg_sys::TJCS_TJCS_RGB
    ) {
        return Ok(None);
    }
    let d = dct_scale(w, h, min_short);
    match tj.decode_rgb(jpeg, w.div_ceil(d), h.div_ceil(d)) {
        Ok(rgb) => Ok(Some(Decoded {
            rgb,
            icc: jpeg_icc(jpeg),
            full: (w, h),
        })),
        Err(e) => {
            tracing::debug!("libjpeg-turbo cannot decode ({e}); trying image");
            Ok(None)
        }
    }
}

/// Formats other than HEIF and JPEG XL. JPEGs go to libjpeg-turbo first, scaled so that the
/// short side stays at least `min_short`; the rest, and what libjpeg-turbo gives up on, to
/// `image` at full size.
fn decode_common(path: &Path, limit: u64, min_short: u32) -> Result<Decoded, ThumbnailError> {
    let mut file = BufReader::new(std::fs::File::open(path)?);
    let mut magic = [0u8; 3];
    let mut got = 0;
    while got < magic.len() {
        match file.read(&mut magic[got..])? {
            0 => break,
            n => got += n,
        }
    }
    file.rewind()?;
    if magic[..got] != [0xFF, 0xD8, 0xFF] {
        return decode_image(file, limit);
    }
    let mut jpeg = Vec::new();
    file.read_to_end(&mut jpeg)?;
    drop(file);
    if !jpeg_is_complete(&jpeg) {
        return Err(ThumbnailError::Decode(
            "the JPEG is truncated (no end-of-image marker)".into(),
        ));
    }
    if let Some(decoded) = decode_jpeg_turbo(&jpeg, limit, min_short)? {
        return Ok(decoded);
    }
    decode_image(Cursor::new(jpeg), limit)
}

/// Any format `image` knows, at full size.
fn decode_image(source: impl BufRead + Seek, limit: u64) -> Result<Decoded, ThumbnailError> {
    let reader = ImageReader::new(source)
        .with_guessed_format()
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?;
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
    Ok(Decoded::full_size(image.into_rgb8(), icc))
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
    Ok(Decoded::full_size(rgb, icc))
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
    Ok(Decoded::full_size(rgb, None))
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

/// `src` resized to `w` x `h` (Lanczos3); `src` itself when it already has that size.
fn resize(
    src: RgbImage,
    w: u32,
    h: u32,
    resizer: &mut Resizer,
) -> Result<RgbImage, ThumbnailError> {
    if src.dimensions() == (w, h) {
        return Ok(src);
    }
    resize_ref(&src, w, h, resizer)
}

/// A resized copy of `src`.
fn resize_ref(
    src: &RgbImage,
    w: u32,
    h: u32,
    resizer: &mut Resizer,
) -> Result<RgbImage, ThumbnailError> {
    let src_view = ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3)
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

/// Baseline JPEG by libjpeg-turbo, 4:4:4 (as Immich, through sharp, does at quality 80 and
/// above).
fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ThumbnailError> {
    let err = |e: turbojpeg::Error| ThumbnailError::Encode(e.to_string());
    let mut compressor = turbojpeg::Compressor::new().map_err(err)?;
    compressor.set_quality(quality.clamp(1, 100) as i32);
    compressor.set_subsamp(turbojpeg::Subsamp::None);
    let (w, h) = (image.width() as usize, image.height() as usize);
    compressor
        .compress_to_vec(turbojpeg::Image {
            pixels: image.as_raw().as_slice(),
            width: w,
            pitch: w * 3,
            height: h,
            format: turbojpeg::PixelFormat::RGB,
        })
        .map_err(err)
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
    let small = resize_ref(thumbnail, tw, th, resizer)?;
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
        SourceKind::Common => decode_common(path, settings.max_pixels, settings.preview_size)?,
        SourceKind::Heif => decode_heif(path, settings.max_pixels)?,
        SourceKind::Jxl => decode_jxl(path, settings.max_pixels)?,
    };
    to_srgb(&mut decoded);
    let orientation = match kind {
        SourceKind::Common => orientation.unwrap_or(1),
        SourceKind::Heif | SourceKind::Jxl => 1,
    };
    // Sizes from the stored image, whatever scale it was decoded at.
    let (w, h) = decoded.full;
    let mut resizer = Resizer::new();
    let (pw, ph) = fit_short_side(w, h, settings.preview_size);
    let preview = resize(decoded.rgb, pw, ph, &mut resizer)?;
    let (tw, th) = fit_short_side(w, h, settings.thumbnail_size);
    let thumbnail = resize_ref(&preview, tw, th, &mut resizer)?;
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

    /// A `w` x `h` picture with detail in both directions and in colour.
    fn pattern(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let wave = ((x as f32 * 0.11).sin() * (y as f32 * 0.07).cos() * 60.0) as i32;
            image::Rgb([
                (fx * 200.0) as u8,
                (128 + wave).clamp(0, 255) as u8,
                (fy * 220.0) as u8,
            ])
        })
    }

    fn jpeg_of(image: &RgbImage, icc: Option<&[u8]>) -> Vec<u8> {
        let mut jpeg = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 92);
        if let Some(icc) = icc {
            encoder.add_icc_profile(icc).unwrap();
        }
        encoder
            .encode(
                image.as_raw(),
                image.width() as u16,
                image.height() as u16,
                jpeg_encoder::ColorType::Rgb,
            )
            .unwrap();
        jpeg
    }

    /// A wide-gamut RGB profile (Adobe RGB's primaries, gamma 2.2) whose description does not
    /// say sRGB.
    fn wide_gamut_icc() -> Vec<u8> {
        let xy = |x, y| lcms2::CIExyY { x, y, Y: 1.0 };
        let gamma = lcms2::ToneCurve::new_parametric(1, &[2.2]).unwrap();
        lcms2::Profile::new_rgb(
            &xy(0.3127, 0.3290),
            &lcms2::CIExyYTRIPLE {
                Red: xy(0.64, 0.33),
                Green: xy(0.21, 0.71),
                Blue: xy(0.15, 0.06),
            },
            &[&gamma, &gamma, &gamma],
        )
        .unwrap()
        .icc()
        .unwrap()
    }

    fn mean_difference(a: &RgbImage, b: &RgbImage) -> f64 {
        assert_eq!(a.dimensions(), b.dimensions());
        a.as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| (*x as f64 - *y as f64).abs())
            .sum::<f64>()
            / a.as_raw().len() as f64
    }

    #[test]
    fn dct_scale_keeps_the_preview_size() {
        assert_eq!(dct_scale(4000, 3000, 1440), 2);
        assert_eq!(dct_scale(3000, 4000, 1440), 2);
        assert_eq!(dct_scale(6000, 4000, 1440), 2);
        assert_eq!(dct_scale(12000, 9000, 1440), 4);
        assert_eq!(dct_scale(11520, 11520, 1440), 8);
        assert_eq!(dct_scale(2879, 2000, 1440), 1);
        assert_eq!(dct_scale(800, 600, 1440), 1);
        // Odd sizes round up, as libjpeg-turbo does.
        assert_eq!(dct_scale(5759, 2878, 1440), 1);
        assert_eq!(dct_scale(5759, 2879, 1440), 2);
    }

    #[test]
    fn icc_profiles_are_put_back_together() {
        let profile: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let app2 = |seq: u8, data: &[u8]| {
            let mut s = vec![0xFF, 0xE2];
            s.extend_from_slice(&((data.len() + 16) as u16).to_be_bytes());
            s.extend_from_slice(b"ICC_PROFILE\0");
            s.extend_from_slice(&[seq, 2]);
            s.extend_from_slice(data);
            s
        };
        let plain = jpeg_of(&RgbImage::new(8, 8), None);
        assert_eq!(jpeg_icc(&plain), None);
        // Chunks stored out of order come back in sequence order.
        let mut jpeg = plain[..2].to_vec();
        jpeg.extend(app2(2, &profile[600..]));
        jpeg.extend(app2(1, &profile[..600]));
        jpeg.extend_from_slice(&plain[2..]);
        assert_eq!(jpeg_icc(&jpeg).as_deref(), Some(&profile[..]));
        // The same as the profile `image` reads, on a real encoder's output.
        let icc = wide_gamut_icc();
        let jpeg = jpeg_of(&RgbImage::new(8, 8), Some(&icc));
        assert_eq!(jpeg_icc(&jpeg).as_deref(), Some(&icc[..]));
    }

    /// libjpeg-turbo's scaled decode and `image`'s full decode give the same preview, profile
    /// conversion included.
    #[test]
    fn scaled_decode_matches_the_full_decode() {
        let source = pattern(900, 600);
        let icc = wide_gamut_icc();
        for profile in [None, Some(&icc[..])] {
            let jpeg = jpeg_of(&source, profile);
            let mut scaled = decode_jpeg_turbo(&jpeg, 250_000_000, 200)
                .unwrap()
                .expect("libjpeg-turbo decodes it");
            assert_eq!(scaled.rgb.dimensions(), (450, 300), "decoded at half size");
            assert_eq!(scaled.full, (900, 600));
            let mut full = decode_image(Cursor::new(&jpeg), 250_000_000).unwrap();
            assert_eq!(full.rgb.dimensions(), (900, 600));
            assert_eq!(scaled.icc, full.icc);
            let unconverted = scaled.rgb.clone();
            to_srgb(&mut scaled);
            to_srgb(&mut full);
            if profile.is_some() {
                // The profile was applied: wide-gamut values move.
                assert!(mean_difference(&unconverted, &scaled.rgb) > 3.0);
            }
            let mut resizer = Resizer::new();
            let a = resize(scaled.rgb, 300, 200, &mut resizer).unwrap();
            let b = resize(full.rgb, 300, 200, &mut resizer).unwrap();
            let diff = mean_difference(&a, &b);
            assert!(diff < 2.0, "previews differ by {diff}");
        }
    }

    #[test]
    fn what_libjpeg_turbo_cannot_decode_goes_to_image() {
        // CMYK: libjpeg-turbo gives CMYK pixels only; `image` converts them.
        let cmyk: Vec<u8> = (0..64 * 48)
            .flat_map(|i| [(i % 200) as u8, 40, 90, 10])
            .collect();
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 90)
            .encode(&cmyk, 64, 48, jpeg_encoder::ColorType::Cmyk)
            .unwrap();
        assert!(
            decode_jpeg_turbo(&jpeg, 250_000_000, 1440)
                .unwrap()
                .is_none()
        );
        let dir = std::env::temp_dir().join(format!("ferrotype-thumb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cmyk.jpg");
        std::fs::write(&path, &jpeg).unwrap();
        let decoded = decode_common(&path, 250_000_000, 1440).unwrap();
        assert_eq!(decoded.rgb.dimensions(), (64, 48));
        // Truncated: refused before any decoder sees it.
        let half = jpeg_of(&pattern(64, 48), None);
        std::fs::write(&path, &half[..half.len() / 2]).unwrap();
        assert!(matches!(
            decode_common(&path, 250_000_000, 1440),
            Err(ThumbnailError::Decode(_))
        ));
        // Over the budget: refused from the header.
        std::fs::write(&path, &half).unwrap();
        assert!(matches!(
            decode_common(&path, 1000, 1440),
            Err(ThumbnailError::TooManyPixels { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_scaled_jpeg_keeps_its_sizes_and_orientation() {
        let dir = std::env::temp_dir().join(format!("ferrotype-orient-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wide.jpg");
        std::fs::write(&path, jpeg_of(&pattern(900, 601), None)).unwrap();
        let settings = ThumbnailSettings {
            preview_size: 200,
            thumbnail_size: 50,
            ..ThumbnailSettings::default()
        };
        let upright = generate(&path, SourceKind::Common, Some(1), &settings).unwrap();
        assert_eq!((upright.width, upright.height), (900, 601));
        let preview = image::load_from_memory(&upright.preview_jpeg).unwrap();
        assert_eq!((preview.width(), preview.height()), (300, 200));
        let thumb = image::load_from_memory(&upright.thumbnail_webp).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (75, 50));
        let turned = generate(&path, SourceKind::Common, Some(6), &settings).unwrap();
        assert_eq!((turned.width, turned.height), (601, 900));
        let preview = image::load_from_memory(&turned.preview_jpeg).unwrap();
        assert_eq!((preview.width(), preview.height()), (200, 300));
        std::fs::remove_dir_all(&dir).unwrap();
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
