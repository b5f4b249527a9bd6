//! Thumbnails as Immich makes them: the original decoded once, converted to sRGB, resized so
//! that its short side is 1440 px (the JPEG preview) and 250 px (the WebP thumbnail), EXIF
//! orientation applied, and a thumbhash of the thumbnail. Decoders: libjpeg-turbo for JPEG,
//! decoding straight at 1/2, 1/4 or 1/8 scale when that is still at least the preview's size (the
//! DCT does the first downscale for free); `image` for the JPEGs libjpeg-turbo refuses (CMYK,
//! odd chroma layouts, warnings) and for PNG, GIF, WebP, TIFF, BMP, PPM; libheif (HEIC, HEIF,
//! AVIF) and jxl-oxide (JPEG XL). The preview is encoded by libjpeg-turbo. Camera RAW files come
//! here as their embedded JPEG preview or developed by libraw (`raw`); videos as a frame from ffmpeg.
//!
//! Colour: an embedded ICC profile is converted to sRGB by lcms2. A HEIF image without one but
//! with an nclx box (CICP primaries and transfer) is converted from those: SDR through an lcms2
//! profile built from them (nothing to do for sRGB and BT.709), PQ and HLG decoded at their full
//! bit depth and tone-mapped to sRGB in linear light (`HdrToSrgb`). JPEG XL is rendered to sRGB
//! by jxl-oxide.

use std::io::{BufRead, BufReader, Cursor, Read, Seek};
use std::path::Path;

use fast_image_resize::images::{Image as FirImage, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use ferrotype_core::edits::{EditAction, MirrorAxis};
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
    pub thumbnail_quality: u8,
    pub preview_quality: u8,
    /// JPEG quality of the edited full-size image (system config `image.fullsize.quality`).
    pub fullsize_quality: u8,
    /// Largest width x height decoded.
    pub max_pixels: u64,
}

impl Default for ThumbnailSettings {
    fn default() -> Self {
        ThumbnailSettings {
            thumbnail_size: 250,
            preview_size: 1440,
            thumbnail_quality: 80,
            preview_quality: 80,
            fullsize_quality: 80,
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
    // An ICC profile wins over an nclx box (as in browsers); it is applied by `to_srgb`. libheif
    // 1.15 reports an nclx `colr` box only, not the colour description inside the AV1 or HEVC
    // stream: files with only the latter are shown as decoded.
    let conversion = match &icc {
        Some(_) => NclxConversion::None,
        None => handle
            .color_profile_nclx()
            .map_or(NclxConversion::None, |nclx| nclx_conversion(&nclx)),
    };
    // HDR is tone-mapped from all the bits the file has; 8 bits of PQ would band.
    let chroma = match conversion {
        NclxConversion::Hdr { .. } if handle.luma_bits_per_pixel() > 8 => RgbChroma::HdrRgbLe,
        _ => RgbChroma::Rgb,
    };
    let image = LibHeif::new()
        .decode(&handle, ColorSpace::Rgb(chroma), None)
        .map_err(err)?;
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| ThumbnailError::Decode("libheif gave no interleaved plane".into()))?;
    let (w, h) = (plane.width, plane.height);
    let rows = plane.data.chunks(plane.stride).take(h as usize);
    let line = w as usize * 3;
    let rgb = match conversion {
        NclxConversion::Hdr {
            chromaticities,
            transfer,
        } => {
            let bits = match chroma {
                RgbChroma::HdrRgbLe => plane.bits_per_pixel.clamp(9, 16),
                _ => 8,
            };
            let hdr = HdrToSrgb::new(transfer, &chromaticities, bits);
            let mut rgb = vec![0u8; line * h as usize];
            for (row, out) in rows.zip(rgb.chunks_exact_mut(line)) {
                let out = out.as_chunks_mut::<3>().0;
                if bits > 8 {
                    let samples = row[..w as usize * 6].as_chunks::<6>().0;
                    for (px, o) in samples.iter().zip(out) {
                        let sample = |i: usize| u16::from_le_bytes([px[i], px[i + 1]]);
                        *o = hdr.pixel([sample(0), sample(2), sample(4)]);
                    }
                } else {
                    for (px, o) in row[..line].as_chunks::<3>().0.iter().zip(out) {
                        *o = hdr.pixel(px.map(u16::from));
                    }
                }
            }
            rgb
        }
        NclxConversion::None | NclxConversion::Sdr { .. } => {
            let mut rgb = Vec::with_capacity(line * h as usize);
            for row in rows {
                rgb.extend_from_slice(&row[..line]);
            }
            rgb
        }
    };
    let mut rgb = RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| ThumbnailError::Decode("bad HEIF plane".into()))?;
    if let NclxConversion::Sdr {
        chromaticities,
        curve,
    } = conversion
    {
        match nclx_profile(&chromaticities, curve) {
            Some(profile) => transform_to_srgb(&mut rgb, &profile),
            None => tracing::debug!("cannot build a profile for the nclx box; left as decoded"),
        }
    }
    Ok(Decoded::full_size(rgb, icc))
}

/// CIE xy of the red, green and blue primaries and of the white point.
type Chromaticities = [[f64; 2]; 4];

/// BT.709, which sRGB shares.
const BT709: Chromaticities = [[0.64, 0.33], [0.30, 0.60], [0.15, 0.06], [0.3127, 0.3290]];

/// SDR transfer functions (ITU-T H.273 code points), as display decoding curves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SdrCurve {
    /// 13, and what is unspecified or unknown: what an encoder most likely meant.
    Srgb,
    /// 1, 6, 11, 12, 14, 15: the inverse of the BT.709 camera curve, as H.273 defines them.
    Bt709,
    /// 7.
    Smpte240,
    /// 4 (2.2), 5 (2.8), 8 (1.0).
    Gamma(f64),
    /// 17: gamma 2.6, scaled by 52.37 / 48 (clipped at white).
    St428,
}

impl SdrCurve {
    /// As an lcms2 parametric curve: type 4 is Y = (aX + b)^g above d, cX below.
    fn tone_curve(self) -> Option<lcms2::ToneCurve> {
        match self {
            SdrCurve::Srgb => lcms2::ToneCurve::new_parametric(
                4,
                &[2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045],
            ),
            SdrCurve::Bt709 => lcms2::ToneCurve::new_parametric(
                4,
                &[1.0 / 0.45, 1.0 / 1.099, 0.099 / 1.099, 1.0 / 4.5, 0.081],
            ),
            SdrCurve::Smpte240 => lcms2::ToneCurve::new_parametric(
                4,
                &[1.0 / 0.45, 1.0 / 1.1115, 0.1115 / 1.1115, 1.0 / 4.0, 0.0913],
            ),
            SdrCurve::Gamma(g) => lcms2::ToneCurve::new_parametric(1, &[g]),
            // Type 2: Y = (aX + b)^g.
            SdrCurve::St428 => {
                lcms2::ToneCurve::new_parametric(2, &[2.6, (52.37f64 / 48.0).powf(1.0 / 2.6), 0.0])
            }
        }
        .ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HdrTransfer {
    /// SMPTE ST 2084 (16): code values are absolute luminance up to 10000 cd/m².
    Pq,
    /// ARIB STD-B67 (18): relative scene light, shown on a nominal 1000 cd/m² display.
    Hlg,
}

/// What a HEIF image's nclx box asks for to show it in sRGB.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NclxConversion {
    /// sRGB or BT.709 (or unspecified) primaries with an sRGB-like curve: used as decoded.
    None,
    /// Other primaries or another SDR curve: an lcms2 profile made from them, to sRGB.
    Sdr {
        chromaticities: Chromaticities,
        curve: SdrCurve,
    },
    /// PQ or HLG: tone-mapped in linear light (`HdrToSrgb`).
    Hdr {
        chromaticities: Chromaticities,
        transfer: HdrTransfer,
    },
}

fn nclx_conversion(nclx: &libheif_rs::ColorProfileNCLX) -> NclxConversion {
    use libheif_rs::{ColorPrimaries as P, TransferCharacteristics as T};
    // libheif fills in the xy values of the primaries it knows; sanity-checked, as lcms2 divides
    // by y (SMPTE ST 428's XYZ "primaries" have a blue at y = 0 and are not supported).
    let primaries = match nclx.color_primaries() {
        P::ITU_R_BT_709_5 | P::Unspecified | P::Unknown => None,
        _ => {
            let c = [
                [nclx.color_primary_red_x(), nclx.color_primary_red_y()],
                [nclx.color_primary_green_x(), nclx.color_primary_green_y()],
                [nclx.color_primary_blue_x(), nclx.color_primary_blue_y()],
                [nclx.color_primary_white_x(), nclx.color_primary_white_y()],
            ]
            .map(|[x, y]| [f64::from(x), f64::from(y)]);
            let usable = c
                .iter()
                .all(|[x, y]| (0.0..1.0).contains(x) && *y > 0.01 && x + y <= 1.0);
            if !usable {
                tracing::debug!(
                    "unusable nclx primaries {:?}; left as decoded",
                    nclx.color_primaries()
                );
                return NclxConversion::None;
            }
            Some(c)
        }
    };
    let chromaticities = primaries.unwrap_or(BT709);
    let curve = match nclx.transfer_characteristics() {
        T::ITU_R_BT_2100_0_PQ => {
            return NclxConversion::Hdr {
                chromaticities,
                transfer: HdrTransfer::Pq,
            };
        }
        T::ITU_R_BT_2100_0_HLG => {
            return NclxConversion::Hdr {
                chromaticities,
                transfer: HdrTransfer::Hlg,
            };
        }
        T::IEC_61966_2_1 | T::Unspecified | T::Unknown => SdrCurve::Srgb,
        T::ITU_R_BT_709_5
        | T::ITU_R_BT_601_6
        | T::IEC_61966_2_4
        | T::ITU_R_BT_1361
        | T::ITU_R_BT_2020_2_10bit
        | T::ITU_R_BT_2020_2_12bit => SdrCurve::Bt709,
        T::SMPTE_240M => SdrCurve::Smpte240,
        T::ITU_R_BT_470_6_System_M => SdrCurve::Gamma(2.2),
        T::ITU_R_BT_470_6_System_B_G => SdrCurve::Gamma(2.8),
        T::Linear => SdrCurve::Gamma(1.0),
        T::SMPTE_ST_428_1 => SdrCurve::St428,
        T::Logarithmic100 | T::Logarithmic100Sqrt10 => {
            tracing::debug!("logarithmic nclx transfer is not supported; left as decoded");
            return NclxConversion::None;
        }
    };
    match (primaries, curve) {
        // sRGB and BT.709 are shown alike, as everywhere else; the conversion, and its cost,
        // is for other primaries or curves.
        (None, SdrCurve::Srgb | SdrCurve::Bt709) => NclxConversion::None,
        _ => NclxConversion::Sdr {
            chromaticities,
            curve,
        },
    }
}

/// An lcms2 RGB profile from nclx primaries, white point and an SDR curve.
fn nclx_profile(chromaticities: &Chromaticities, curve: SdrCurve) -> Option<lcms2::Profile> {
    rgb_profile(chromaticities, &curve.tone_curve()?)
}

fn rgb_profile(c: &Chromaticities, curve: &lcms2::ToneCurve) -> Option<lcms2::Profile> {
    let xy = |[x, y]: [f64; 2]| lcms2::CIExyY { x, y, Y: 1.0 };
    lcms2::Profile::new_rgb(
        &xy(c[3]),
        &lcms2::CIExyYTRIPLE {
            Red: xy(c[0]),
            Green: xy(c[1]),
            Blue: xy(c[2]),
        },
        &[curve, curve, curve],
    )
    .ok()
}

/// The matrix from linear RGB in `source` primaries to linear BT.709 RGB, white mapped to white
/// (lcms2's relative intent, Bradford adaptation when the white points differ). lcms2 is asked
/// for the images of the three unit vectors, which are the matrix's columns.
fn linear_matrix_to_bt709(source: &Chromaticities) -> Option<[[f32; 3]; 3]> {
    if *source == BT709 {
        return Some([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
    }
    let linear = lcms2::ToneCurve::new(1.0);
    let transform = lcms2::Transform::<[f32; 3], [f32; 3]>::new(
        &rgb_profile(source, &linear)?,
        lcms2::PixelFormat::RGB_FLT,
        &rgb_profile(&BT709, &linear)?,
        lcms2::PixelFormat::RGB_FLT,
        lcms2::Intent::RelativeColorimetric,
    )
    .ok()?;
    let units = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    let mut columns = [[0f32; 3]; 3];
    transform.transform_pixels(&units, &mut columns);
    let m = [0, 1, 2].map(|row| [0, 1, 2].map(|col| columns[col][row]));
    m.iter().flatten().all(|v| v.is_finite()).then_some(m)
}

/// HDR reference white (BT.2408): the luminance shown as SDR white.
const REFERENCE_WHITE_NITS: f32 = 203.0;
/// Peak of the nominal display HLG is rendered for (BT.2100).
const HLG_PEAK_NITS: f32 = 1000.0;
/// Linear light, relative to reference white, up to which the tone map leaves pixels alone.
const TONE_MAP_KNEE: f32 = 0.75;
/// Entries of the linear-to-sRGB table: fine enough for the steep start of the sRGB curve.
const SRGB_TABLE: usize = 16384;

/// PQ or HLG pixels to 8-bit sRGB, in linear light: code values to light relative to reference
/// white (HLG through its 1000 cd/m² OOTF), the gamut matrix to BT.709, negatives (colours
/// outside BT.709) clipped, then the tone map on the largest channel, which keeps hue and
/// saturation: unchanged up to the knee, above it the excess compressed by Reinhard, x / (1 + x)
/// in units of the room left, so that the curve stays smooth at the knee and approaches SDR white
/// without reaching it (reference white comes out at 0.875, 10000 cd/m² at 0.999). Then the sRGB
/// curve. The decoding and encoding curves are tables.
struct HdrToSrgb {
    /// Code value to linear light (PQ: relative to reference white; HLG: scene light, 0 to 1).
    to_linear: Vec<f32>,
    matrix: [[f32; 3]; 3],
    /// HLG: the OOTF's gain, display over scene light relative to reference white, by scene
    /// luminance 0 to 1 in `SRGB_TABLE` steps.
    hlg_gain: Option<Vec<f32>>,
    /// Linear 0 to 1 in `SRGB_TABLE` steps to sRGB.
    to_srgb: Vec<u8>,
}

impl HdrToSrgb {
    fn new(transfer: HdrTransfer, chromaticities: &Chromaticities, bits: u8) -> HdrToSrgb {
        let max = ((1u32 << bits) - 1) as f64;
        let to_linear = (0..=max as u32)
            .map(|code| {
                let v = code as f64 / max;
                (match transfer {
                    HdrTransfer::Pq => pq_to_nits(v) / REFERENCE_WHITE_NITS as f64,
                    HdrTransfer::Hlg => hlg_to_scene_linear(v),
                }) as f32
            })
            .collect();
        let to_srgb = (0..SRGB_TABLE)
            .map(|i| {
                let l = i as f64 / (SRGB_TABLE - 1) as f64;
                let v = if l <= 0.0031308 {
                    12.92 * l
                } else {
                    1.055 * l.powf(1.0 / 2.4) - 0.055
                };
                (v * 255.0).round() as u8
            })
            .collect();
        let matrix = linear_matrix_to_bt709(chromaticities).unwrap_or_else(|| {
            tracing::debug!("lcms2 cannot convert the nclx primaries; taken as BT.709");
            linear_matrix_to_bt709(&BT709).expect("the identity")
        });
        HdrToSrgb {
            to_linear,
            matrix,
            hlg_gain: (transfer == HdrTransfer::Hlg).then(|| {
                (0..SRGB_TABLE)
                    .map(|i| {
                        let y = i as f32 / (SRGB_TABLE - 1) as f32;
                        HLG_PEAK_NITS / REFERENCE_WHITE_NITS * y.powf(0.2)
                    })
                    .collect()
            }),
            to_srgb,
        }
    }

    // Written out channel by channel: `array::map` was not inlined and took 40% of the time.
    #[inline]
    fn pixel(&self, [r, g, b]: [u16; 3]) -> [u8; 3] {
        let top = self.to_linear.len() - 1;
        let lin = |c: u16| self.to_linear[(c as usize).min(top)];
        let (r, g, b) = (lin(r), lin(g), lin(b));
        let m = &self.matrix;
        let mut r2 = m[0][0] * r + m[0][1] * g + m[0][2] * b;
        let mut g2 = m[1][0] * r + m[1][1] * g + m[1][2] * b;
        let mut b2 = m[2][0] * r + m[2][1] * g + m[2][2] * b;
        if let Some(gain) = &self.hlg_gain {
            // The OOTF, gamma 1.2 on luminance (the same in any primaries with this white).
            let gain = gain[table_index(0.2126 * r2 + 0.7152 * g2 + 0.0722 * b2, gain.len())];
            (r2, g2, b2) = (r2 * gain, g2 * gain, b2 * gain);
        }
        let (r2, g2, b2) = (r2.max(0.0), g2.max(0.0), b2.max(0.0));
        let peak = r2.max(g2).max(b2);
        let scale = if peak > TONE_MAP_KNEE {
            tone_map(peak) / peak
        } else {
            1.0
        };
        let encode = |c: f32| self.to_srgb[table_index(c * scale, SRGB_TABLE)];
        [encode(r2), encode(g2), encode(b2)]
    }
}

/// The nearest entry for `v` (0 to 1) of a table over 0 to 1. Not `round()`, which is a libm
/// call on baseline x86-64.
#[inline]
fn table_index(v: f32, len: usize) -> usize {
    (v.clamp(0.0, 1.0) * (len - 1) as f32 + 0.5) as i32 as usize
}

/// The highlight roll-off above `TONE_MAP_KNEE`: slope 1 at the knee, below 1 everywhere.
fn tone_map(x: f32) -> f32 {
    if x <= TONE_MAP_KNEE {
        return x;
    }
    let room = 1.0 - TONE_MAP_KNEE;
    let t = (x - TONE_MAP_KNEE) / room;
    TONE_MAP_KNEE + room * t / (1.0 + t)
}

/// SMPTE ST 2084 EOTF: signal 0 to 1 to cd/m².
fn pq_to_nits(v: f64) -> f64 {
    const M1: f64 = 2610.0 / 16384.0;
    const M2: f64 = 2523.0 / 4096.0 * 128.0;
    const C1: f64 = 3424.0 / 4096.0;
    const C2: f64 = 2413.0 / 4096.0 * 32.0;
    const C3: f64 = 2392.0 / 4096.0 * 32.0;
    let p = v.clamp(0.0, 1.0).powf(1.0 / M2);
    10000.0 * ((p - C1).max(0.0) / (C2 - C3 * p)).powf(1.0 / M1)
}

/// BT.2100 HLG inverse OETF: signal 0 to 1 to scene light 0 to 1.
fn hlg_to_scene_linear(v: f64) -> f64 {
    const A: f64 = 0.17883277;
    const B: f64 = 1.0 - 4.0 * A;
    const C: f64 = 0.559_910_73;
    let v = v.clamp(0.0, 1.0);
    if v <= 0.5 {
        v * v / 3.0
    } else {
        (((v - C) / A).exp() + B) / 12.0
    }
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
    transform_to_srgb(&mut decoded.rgb, &source);
}

/// Converts pixels in `source` to sRGB (perceptual intent); left as they are if lcms2 cannot.
fn transform_to_srgb(rgb: &mut RgbImage, source: &lcms2::Profile) {
    let srgb = lcms2::Profile::new_srgb();
    let Ok(transform) = lcms2::Transform::<[u8; 3], [u8; 3]>::new(
        source,
        lcms2::PixelFormat::RGB_8,
        &srgb,
        lcms2::PixelFormat::RGB_8,
        lcms2::Intent::Perceptual,
    ) else {
        return;
    };
    let pixels: &mut [[u8; 3]] = bytemuck_rgb(rgb.as_mut());
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

/// A person's face thumbnail (Immich's `PersonGenerateThumbnail`): the face's square
/// (`ferrotype_core::faces::face_crop`) cut from the asset's preview (a JPEG Ferrotype made,
/// sRGB and upright), at most `FACE_THUMBNAIL_SIZE` a side, as a baseline JPEG of `quality`.
/// Answers the JPEG and its side.
pub fn face_thumbnail(
    preview: &[u8],
    face: &ferrotype_core::catalog::FaceBox,
    quality: u8,
) -> Result<(Vec<u8>, u32), ThumbnailError> {
    use ferrotype_core::faces::{face_crop, face_thumbnail_side};
    let picture = image::load_from_memory_with_format(preview, image::ImageFormat::Jpeg)
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?
        .into_rgb8();
    let crop = face_crop(face, picture.dimensions());
    if crop.side == 0 {
        return Err(ThumbnailError::Decode(
            "the face is empty once kept inside the picture".into(),
        ));
    }
    let square =
        image::imageops::crop_imm(&picture, crop.x, crop.y, crop.side, crop.side).to_image();
    let side = face_thumbnail_side(&crop);
    let mut resizer = Resizer::new();
    let square = resize(square, side, side, &mut resizer)?;
    Ok((encode_jpeg(&square, quality)?, side))
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
    // Made from the preview: never larger than it.
    let (tw, th) = fit_short_side(w, h, settings.thumbnail_size.min(settings.preview_size));
    let thumbnail = resize_ref(&preview, tw, th, &mut resizer)?;
    let preview = orient(preview, orientation);
    let thumbnail = orient(thumbnail, orientation);
    let (sw, sh) = if (5..=8).contains(&orientation) {
        (h, w)
    } else {
        (w, h)
    };
    Ok(Thumbnails {
        preview_jpeg: encode_jpeg(&preview, settings.preview_quality)?,
        thumbnail_webp: encode_webp(&thumbnail, settings.thumbnail_quality),
        thumbhash: thumbhash_of(&thumbnail, &mut resizer)?,
        width: sw,
        height: sh,
    })
}

/// The files of an edited asset: the whole edited picture, and the preview, thumbnail and
/// thumbhash made from it.
pub struct EditedImages {
    pub fullsize_jpeg: Vec<u8>,
    pub preview_jpeg: Vec<u8>,
    pub thumbnail_webp: Vec<u8>,
    pub thumbhash: Vec<u8>,
    /// The edited picture's size.
    pub width: u32,
    pub height: u32,
}

/// `edits` applied to `image`, in order (Immich's `applyEdits`: the crop, which it requires to
/// come first, then each rotation and mirror). A crop is in `edit_space` (the displayed size
/// the client saw); it is scaled to the image when that differs (a RAW's preview) and kept
/// inside it.
pub fn apply_edits(
    mut image: RgbImage,
    edits: &[EditAction],
    edit_space: Option<(u64, u64)>,
) -> RgbImage {
    use image::imageops::{
        crop_imm, flip_horizontal, flip_vertical, rotate90, rotate180, rotate270,
    };
    for edit in edits {
        image = match *edit {
            EditAction::Crop {
                x,
                y,
                width,
                height,
            } => {
                let (w, h) = image.dimensions();
                let (ew, eh) = edit_space
                    .filter(|(ew, eh)| *ew > 0 && *eh > 0)
                    .unwrap_or((u64::from(w), u64::from(h)));
                let scale = |v: u64, from: u64, to: u32| -> u32 {
                    ((v as f64 * f64::from(to) / from as f64).round() as u64).min(u64::from(to))
                        as u32
                };
                let (cx, cy) = (scale(x, ew, w), scale(y, eh, h));
                let cw = scale(width, ew, w).clamp(1, w.saturating_sub(cx).max(1));
                let ch = scale(height, eh, h).clamp(1, h.saturating_sub(cy).max(1));
                let (cx, cy) = (cx.min(w - cw), cy.min(h - ch));
                crop_imm(&image, cx, cy, cw, ch).to_image()
            }
            EditAction::Rotate { angle: 90 } => rotate90(&image),
            EditAction::Rotate { angle: 180 } => rotate180(&image),
            EditAction::Rotate { angle: 270 } => rotate270(&image),
            EditAction::Rotate { .. } => image,
            EditAction::Mirror {
                axis: MirrorAxis::Horizontal,
            } => flip_horizontal(&image),
            EditAction::Mirror {
                axis: MirrorAxis::Vertical,
            } => flip_vertical(&image),
        };
    }
    image
}

/// Decodes `path` whole, turns it upright (`orientation`, as `generate`), applies `edits`
/// (`apply_edits`) and makes the edited full-size JPEG, preview, thumbnail and thumbhash.
pub fn generate_edited(
    path: &Path,
    kind: SourceKind,
    orientation: Option<u8>,
    edits: &[EditAction],
    edit_space: Option<(u64, u64)>,
    settings: &ThumbnailSettings,
) -> Result<EditedImages, ThumbnailError> {
    let mut decoded = match kind {
        SourceKind::Common => decode_common(path, settings.max_pixels, u32::MAX)?,
        SourceKind::Heif => decode_heif(path, settings.max_pixels)?,
        SourceKind::Jxl => decode_jxl(path, settings.max_pixels)?,
    };
    to_srgb(&mut decoded);
    let orientation = match kind {
        SourceKind::Common => orientation.unwrap_or(1),
        SourceKind::Heif | SourceKind::Jxl => 1,
    };
    let upright = orient(decoded.rgb, orientation);
    let edited = apply_edits(upright, edits, edit_space);
    let (w, h) = edited.dimensions();
    let mut resizer = Resizer::new();
    let (pw, ph) = fit_short_side(w, h, settings.preview_size);
    let preview = resize_ref(&edited, pw, ph, &mut resizer)?;
    let (tw, th) = fit_short_side(w, h, settings.thumbnail_size.min(settings.preview_size));
    let thumbnail = resize_ref(&preview, tw, th, &mut resizer)?;
    Ok(EditedImages {
        fullsize_jpeg: encode_jpeg(&edited, settings.fullsize_quality)?,
        preview_jpeg: encode_jpeg(&preview, settings.preview_quality)?,
        thumbnail_webp: encode_webp(&thumbnail, settings.thumbnail_quality),
        thumbhash: thumbhash_of(&thumbnail, &mut resizer)?,
        width: w,
        height: h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order() {
        // 4 x 2, the top-left pixel red, the rest black.
        let mut image = RgbImage::new(4, 2);
        image.put_pixel(0, 0, image::Rgb([255, 0, 0]));
        let rotated = apply_edits(image.clone(), &[EditAction::Rotate { angle: 90 }], None);
        // Clockwise: the top-left corner goes to the top-right.
        assert_eq!(rotated.dimensions(), (2, 4));
        assert_eq!(rotated.get_pixel(1, 0).0, [255, 0, 0]);
        let mirrored = apply_edits(
            image.clone(),
            &[EditAction::Mirror {
                axis: MirrorAxis::Horizontal,
            }],
            None,
        );
        assert_eq!(mirrored.get_pixel(3, 0).0, [255, 0, 0]);
        let flipped = apply_edits(
            image.clone(),
            &[EditAction::Mirror {
                axis: MirrorAxis::Vertical,
            }],
            None,
        );
        assert_eq!(flipped.get_pixel(0, 1).0, [255, 0, 0]);
        // A crop in a space twice as large, then a mirror: the red pixel ends top-right.
        let cropped = apply_edits(
            image,
            &[
                EditAction::Crop {
                    x: 0,
                    y: 0,
                    width: 4,
                    height: 2,
                },
                EditAction::Mirror {
                    axis: MirrorAxis::Horizontal,
                },
            ],
            Some((8, 4)),
        );
        assert_eq!(cropped.dimensions(), (2, 1));
        assert_eq!(cropped.get_pixel(1, 0).0, [255, 0, 0]);
    }

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

    /// Lossless AV1 in an AVIF written by ffmpeg (libaom-av1), stored as RGB (matrix
    /// coefficients 0, so the values read back are the ones written) with the given nclx
    /// primaries and transfer (ffmpeg's names). The picture is a row of 16 x 16 patches, one per
    /// colour; `ten_bit` samples go up to 1023, else to 255.
    fn nclx_avif(path: &Path, patches: &[[u16; 3]], ten_bit: bool, primaries: &str, trc: &str) {
        let (w, h) = (16 * patches.len(), 16);
        // ffmpeg's planar RGB formats store the G, B and R planes in that order.
        let mut raw = Vec::new();
        for channel in [1, 2, 0] {
            for _ in 0..h {
                for x in 0..w {
                    let v = patches[x / 16][channel];
                    if ten_bit {
                        raw.extend_from_slice(&v.to_le_bytes());
                    } else {
                        raw.push(u8::try_from(v).unwrap());
                    }
                }
            }
        }
        let raw_path = path.with_extension("raw");
        std::fs::write(&raw_path, &raw).unwrap();
        let format = if ten_bit { "gbrp10le" } else { "gbrp" };
        let size = format!("{w}x{h}");
        let output = std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y"])
            .args([
                "-f",
                "rawvideo",
                "-pixel_format",
                format,
                "-video_size",
                &size,
            ])
            .arg("-i")
            .arg(&raw_path)
            .args([
                "-frames:v",
                "1",
                "-c:v",
                "libaom-av1",
                "-aom-params",
                "lossless=1",
            ])
            .args([
                "-pix_fmt",
                format,
                "-colorspace",
                "rgb",
                "-color_range",
                "pc",
            ])
            .args(["-color_primaries", primaries, "-color_trc", trc])
            .arg(path)
            .output()
            .expect("ffmpeg is installed (scripts/install-deps)");
        assert!(
            output.status.success(),
            "ffmpeg: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::remove_file(&raw_path).unwrap();
    }

    /// The nclx box libheif reads from the file (primaries, transfer as H.273 code points), and
    /// that there is no ICC profile.
    fn nclx_of(path: &Path) -> (u32, u32) {
        let ctx = libheif_rs::HeifContext::read_from_file(path.to_str().unwrap()).unwrap();
        let handle = ctx.primary_image_handle().unwrap();
        assert!(handle.color_profile_raw().is_none(), "no ICC profile");
        let nclx = handle.color_profile_nclx().expect("an nclx colr box");
        (
            nclx.color_primaries() as u32,
            nclx.transfer_characteristics() as u32,
        )
    }

    /// The pixels libheif decodes to 8-bit RGB, as they were shown before nclx was read.
    fn as_decoded(path: &Path) -> RgbImage {
        use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};
        let ctx = HeifContext::read_from_file(path.to_str().unwrap()).unwrap();
        let handle = ctx.primary_image_handle().unwrap();
        let image = LibHeif::new()
            .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None)
            .unwrap();
        let plane = image.planes().interleaved.unwrap();
        let (w, h) = (plane.width, plane.height);
        let rows = plane.data.chunks(plane.stride).take(h as usize);
        let rgb = rows.flat_map(|r| &r[..w as usize * 3]).copied().collect();
        RgbImage::from_raw(w, h, rgb).unwrap()
    }

    fn patch(image: &RgbImage, i: u32) -> [u8; 3] {
        image.get_pixel(16 * i + 8, 8).0
    }

    // Reference colour maths for the tests, written out from the standards and independent of
    // lcms2: RGB-to-XYZ matrices from the primaries (white points are D65 in all of them).

    const P3: Chromaticities = [[0.68, 0.32], [0.265, 0.69], [0.15, 0.06], [0.3127, 0.3290]];
    const BT2020: Chromaticities = [
        [0.708, 0.292],
        [0.170, 0.797],
        [0.131, 0.046],
        [0.3127, 0.3290],
    ];

    fn invert(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
        let c = |r: usize, k: usize| {
            let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
            let (k1, k2) = ((k + 1) % 3, (k + 2) % 3);
            m[r1][k1] * m[r2][k2] - m[r1][k2] * m[r2][k1]
        };
        let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
        [0, 1, 2].map(|r| [0, 1, 2].map(|k| c(k, r) / det))
    }

    fn multiply(a: [[f64; 3]; 3], b: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
        [0, 1, 2].map(|r| [0, 1, 2].map(|k| (0..3).map(|i| a[r][i] * b[i][k]).sum()))
    }

    fn rgb_to_xyz(c: &Chromaticities) -> [[f64; 3]; 3] {
        let xyz = |[x, y]: [f64; 2]| [x / y, 1.0, (1.0 - x - y) / y];
        let (r, g, b, w) = (xyz(c[0]), xyz(c[1]), xyz(c[2]), xyz(c[3]));
        let p = [0, 1, 2].map(|i| [r[i], g[i], b[i]]);
        let s = invert(p);
        let s = [0, 1, 2].map(|i| s[i][0] * w[0] + s[i][1] * w[1] + s[i][2] * w[2]);
        [0, 1, 2].map(|i| [0, 1, 2].map(|k| p[i][k] * s[k]))
    }

    /// Linear RGB in `source` primaries to linear BT.709 (clipped to 0 to 1) to 8-bit sRGB.
    fn reference_srgb(source: &Chromaticities, linear: [f64; 3]) -> [f64; 3] {
        let m = multiply(invert(rgb_to_xyz(&BT709)), rgb_to_xyz(source));
        [0, 1, 2].map(|r| {
            let l = (0..3)
                .map(|k| m[r][k] * linear[k])
                .sum::<f64>()
                .clamp(0.0, 1.0);
            255.0 * srgb_encode(l)
        })
    }

    fn srgb_encode(l: f64) -> f64 {
        if l <= 0.0031308 {
            12.92 * l
        } else {
            1.055 * l.powf(1.0 / 2.4) - 0.055
        }
    }

    fn srgb_decode(v: f64) -> f64 {
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    }

    fn assert_near(got: [u8; 3], want: [f64; 3], tolerance: f64, what: &str) {
        for c in 0..3 {
            assert!(
                (got[c] as f64 - want[c]).abs() <= tolerance,
                "{what}: got {got:?}, want {want:.1?}"
            );
        }
    }

    #[test]
    fn linear_gamut_matrix_from_lcms2() {
        // BT.2020 to BT.709 as published in ITU-R BT.2087.
        let m = linear_matrix_to_bt709(&BT2020).unwrap();
        let published = [
            [1.6605, -0.5876, -0.0728],
            [-0.1246, 1.1329, -0.0083],
            [-0.0182, -0.1006, 1.1187],
        ];
        for r in 0..3 {
            for k in 0..3 {
                assert!((m[r][k] as f64 - published[r][k]).abs() < 2e-3, "{m:?}");
            }
        }
        // DCI-P3's white is not D65: relative intent still maps white to white.
        let dci = [[0.68, 0.32], [0.265, 0.69], [0.15, 0.06], [0.314, 0.351]];
        let m = linear_matrix_to_bt709(&dci).unwrap();
        for row in m {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 2e-3, "{m:?}");
        }
    }

    #[test]
    fn nclx_wide_gamut_sdr_is_converted_to_srgb() {
        let dir = std::env::temp_dir().join(format!("ferrotype-nclx-sdr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let patches = [[200, 150, 100], [60, 180, 90], [128, 128, 128], [0, 255, 0]];
        let to_linear = |p: [u16; 3]| p.map(|v| srgb_decode(v as f64 / 255.0));

        // Display P3, the sRGB curve (how phones tag wide-gamut photos without ICC).
        let p3 = dir.join("p3.avif");
        nclx_avif(&p3, &patches, false, "smpte432", "iec61966-2-1");
        assert_eq!(nclx_of(&p3), (12, 13));
        let before = as_decoded(&p3);
        let after = decode_heif(&p3, 250_000_000).unwrap().rgb;
        for (i, p) in patches.iter().enumerate() {
            assert_eq!(patch(&before, i as u32), p.map(|v| v as u8), "lossless");
            let want = reference_srgb(&P3, to_linear(*p));
            eprintln!(
                "P3 {p:?}: as decoded {:?}, converted {:?}, reference {want:.1?}",
                patch(&before, i as u32),
                patch(&after, i as u32)
            );
            assert_near(patch(&after, i as u32), want, 2.0, "P3");
        }
        // The warm mid-tone moves visibly; grey stays grey.
        let warm = patch(&after, 0);
        assert!(warm[0] >= 206 && warm[2] <= 94, "{warm:?}");
        assert_near(patch(&after, 2), [128.0; 3], 1.0, "P3 grey");

        // BT.2020 primaries with the BT.2020 (BT.709) curve, 8 bits.
        let bt2020 = dir.join("bt2020.avif");
        nclx_avif(&bt2020, &patches, false, "bt2020", "bt2020-10");
        assert_eq!(nclx_of(&bt2020), (9, 14));
        let after = decode_heif(&bt2020, 250_000_000).unwrap().rgb;
        let bt709_decode = |v: f64| {
            if v < 0.081 {
                v / 4.5
            } else {
                ((v + 0.099) / 1.099).powf(1.0 / 0.45)
            }
        };
        for (i, p) in patches.iter().enumerate() {
            let want = reference_srgb(&BT2020, p.map(|v| bt709_decode(v as f64 / 255.0)));
            eprintln!(
                "BT.2020 {p:?}: converted {:?}, reference {want:.1?}",
                patch(&after, i as u32)
            );
            assert_near(patch(&after, i as u32), want, 2.0, "BT.2020");
        }

        // BT.709 primaries, linear light: only the curve changes.
        let linear = dir.join("linear.avif");
        nclx_avif(&linear, &patches, false, "bt709", "linear");
        assert_eq!(nclx_of(&linear), (1, 8));
        let after = decode_heif(&linear, 250_000_000).unwrap().rgb;
        for (i, p) in patches.iter().enumerate() {
            let want = p.map(|v| 255.0 * srgb_encode(v as f64 / 255.0));
            assert_near(patch(&after, i as u32), want, 2.0, "linear");
        }

        // sRGB itself: the pixels as decoded, untouched.
        let srgb = dir.join("srgb.avif");
        nclx_avif(&srgb, &patches, false, "bt709", "iec61966-2-1");
        assert_eq!(nclx_of(&srgb), (1, 13));
        let decoded = decode_heif(&srgb, 250_000_000).unwrap();
        assert_eq!(decoded.rgb, as_decoded(&srgb));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// PQ signal (0 to 1) of a luminance in cd/m²: the inverse of the ST 2084 EOTF.
    fn pq_signal(nits: f64) -> f64 {
        let (m1, m2) = (0.1593017578125, 78.84375);
        let (c1, c2, c3) = (0.8359375, 18.8515625, 18.6875);
        let y = (nits / 10000.0).powf(m1);
        ((c1 + c2 * y) / (1.0 + c3 * y)).powf(m2)
    }

    /// sRGB of reference white: 0.875 of SDR white in linear light, by the tone map.
    const WHITE_203: f64 = 240.4;

    #[test]
    fn nclx_pq_is_tone_mapped() {
        let dir = std::env::temp_dir().join(format!("ferrotype-nclx-pq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let code = |nits: f64| (pq_signal(nits) * 1023.0).round() as u16;
        let grey = |nits: f64| [code(nits); 3];
        let colour = [code(80.0), code(30.0), code(10.0)];
        let patches = [
            [0; 3],
            grey(50.0),
            grey(203.0),
            grey(1000.0),
            grey(10000.0),
            colour,
        ];
        let path = dir.join("pq.avif");
        nclx_avif(&path, &patches, true, "bt2020", "smpte2084");
        assert_eq!(nclx_of(&path), (9, 16));
        let before = as_decoded(&path);
        let after = decode_heif(&path, 250_000_000).unwrap().rgb;
        for (i, p) in patches.iter().enumerate() {
            eprintln!(
                "PQ {p:?}: as decoded {:?}, tone-mapped {:?}",
                patch(&before, i as u32),
                patch(&after, i as u32)
            );
        }
        assert_eq!(patch(&after, 0), [0; 3]);
        // Below the knee, light is kept: 50 cd/m² is a quarter of SDR white.
        assert_near(
            patch(&after, 1),
            [255.0 * srgb_encode(50.0 / 203.0); 3],
            1.0,
            "50",
        );
        assert_near(patch(&after, 2), [WHITE_203; 3], 1.0, "203");
        // Highlights roll off towards white without wrapping.
        let (white, bright, peak) = (
            patch(&after, 2)[0],
            patch(&after, 3)[0],
            patch(&after, 4)[0],
        );
        assert!(
            white < bright && bright <= peak && peak >= 254,
            "{white} {bright} {peak}"
        );
        // A saturated BT.2020 colour below the knee: the gamut conversion alone.
        let linear = [80.0, 30.0, 10.0].map(|nits| {
            let signal = code(nits) as f64 / 1023.0;
            pq_to_nits(signal) / 203.0
        });
        assert_near(
            patch(&after, 5),
            reference_srgb(&BT2020, linear),
            1.5,
            "colour",
        );

        // The whole pipeline takes this path, and the budget is still checked first.
        let settings = ThumbnailSettings::default();
        let thumbs = generate(&path, SourceKind::Heif, None, &settings).unwrap();
        assert_eq!((thumbs.width, thumbs.height), (96, 16));
        let preview = image::load_from_memory(&thumbs.preview_jpeg)
            .unwrap()
            .into_rgb8();
        assert_near(
            preview.get_pixel(16 * 2 + 8, 8).0,
            [WHITE_203; 3],
            4.0,
            "preview",
        );
        assert!(matches!(
            decode_heif(&path, 1000),
            Err(ThumbnailError::TooManyPixels { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nclx_hlg_is_tone_mapped() {
        let dir = std::env::temp_dir().join(format!("ferrotype-nclx-hlg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let code = |signal: f64| (signal * 1023.0).round() as u16;
        // HLG 0.5 is scene light 1/12, 50.6 cd/m² on a 1000 cd/m² display; 0.75 is reference
        // white (BT.2408).
        let patches = [[0; 3], [code(0.5); 3], [code(0.75); 3], [1023; 3]];
        let path = dir.join("hlg.avif");
        nclx_avif(&path, &patches, true, "bt2020", "arib-std-b67");
        assert_eq!(nclx_of(&path), (9, 18));
        let before = as_decoded(&path);
        let after = decode_heif(&path, 250_000_000).unwrap().rgb;
        for (i, p) in patches.iter().enumerate() {
            eprintln!(
                "HLG {p:?}: as decoded {:?}, tone-mapped {:?}",
                patch(&before, i as u32),
                patch(&after, i as u32)
            );
        }
        assert_eq!(patch(&after, 0), [0; 3]);
        let scene = hlg_to_scene_linear(code(0.5) as f64 / 1023.0);
        let display = 1000.0 * scene.powf(1.2) / 203.0;
        assert_near(
            patch(&after, 1),
            [255.0 * srgb_encode(display); 3],
            1.0,
            "HLG 0.5",
        );
        assert_near(patch(&after, 2), [WHITE_203; 3], 1.5, "HLG 0.75");
        assert!(patch(&after, 3)[0] >= 253);
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
