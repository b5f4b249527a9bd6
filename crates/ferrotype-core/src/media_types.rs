//! The file types Ferrotype accepts, by extension, as `GET /api/server/media-types` reports them
//! (Immich's lists: camera RAW formats, common stills, and videos).

use crate::model::AssetType;

pub const IMAGE_EXTENSIONS: &[&str] = &[
    ".3fr", ".ari", ".arw", ".avif", ".bmp", ".cap", ".cin", ".cr2", ".cr3", ".crw", ".dcr",
    ".dng", ".erf", ".fff", ".gif", ".heic", ".heif", ".hif", ".iiq", ".insp", ".jp2", ".jpe",
    ".jpeg", ".jpg", ".jxl", ".k25", ".kdc", ".mrw", ".nef", ".nrw", ".orf", ".ori", ".pef",
    ".png", ".psd", ".raf", ".raw", ".rw2", ".rwl", ".sr2", ".srf", ".srw", ".svg", ".tif",
    ".tiff", ".webp", ".x3f",
];

pub const VIDEO_EXTENSIONS: &[&str] = &[
    ".3gp", ".3gpp", ".avi", ".flv", ".insv", ".m2t", ".m2ts", ".m4v", ".mkv", ".mov", ".mp4",
    ".mpe", ".mpeg", ".mpg", ".mts", ".vob", ".webm", ".wmv",
];

pub const SIDECAR_EXTENSIONS: &[&str] = &[".xmp"];

/// The asset type for a lower-cased extension with its dot, or `None` if it is not accepted.
pub fn asset_type_for(extension: &str) -> Option<AssetType> {
    if IMAGE_EXTENSIONS.contains(&extension) {
        Some(AssetType::Image)
    } else if VIDEO_EXTENSIONS.contains(&extension) {
        Some(AssetType::Video)
    } else {
        None
    }
}

/// The MIME type to serve an original with.
pub fn mime_type_for(extension: &str) -> &'static str {
    match extension {
        ".jpg" | ".jpeg" | ".jpe" => "image/jpeg",
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".avif" => "image/avif",
        ".heic" => "image/heic",
        ".heif" | ".hif" => "image/heif",
        ".jxl" => "image/jxl",
        ".tif" | ".tiff" => "image/tiff",
        ".bmp" => "image/bmp",
        ".svg" => "image/svg+xml",
        ".jp2" => "image/jp2",
        ".psd" => "image/vnd.adobe.photoshop",
        ".dng" => "image/x-adobe-dng",
        ".cr2" => "image/x-canon-cr2",
        ".cr3" => "image/x-canon-cr3",
        ".nef" => "image/x-nikon-nef",
        ".arw" => "image/x-sony-arw",
        ".raf" => "image/x-fuji-raf",
        ".rw2" => "image/x-panasonic-rw2",
        ".orf" => "image/x-olympus-orf",
        ".mp4" | ".m4v" | ".insv" => "video/mp4",
        ".mov" => "video/quicktime",
        ".webm" => "video/webm",
        ".mkv" => "video/x-matroska",
        ".avi" => "video/x-msvideo",
        ".3gp" | ".3gpp" => "video/3gpp",
        ".mpg" | ".mpeg" | ".mpe" | ".vob" => "video/mpeg",
        ".mts" | ".m2ts" | ".m2t" => "video/mp2t",
        ".wmv" => "video/x-ms-wmv",
        ".flv" => "video/x-flv",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(asset_type_for(".jpg"), Some(AssetType::Image));
        assert_eq!(asset_type_for(".mov"), Some(AssetType::Video));
        assert_eq!(asset_type_for(".txt"), None);
        assert_eq!(asset_type_for(".xmp"), None);
    }
}
