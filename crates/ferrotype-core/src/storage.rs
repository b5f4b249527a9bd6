//! Where files go (Immich's layout) and how untrusted file names are made safe.

use uuid::Uuid;

/// `upload/<user>/<ab>/<cd>/<asset><ext>`: Immich's layout for originals, nested by the first
/// characters of the file name so that no folder grows huge.
pub fn original_key(owner_id: Uuid, asset_id: Uuid, extension: &str) -> String {
    let name = asset_id.to_string();
    format!(
        "upload/{owner_id}/{}/{}/{name}{extension}",
        &name[0..2],
        &name[2..4]
    )
}

/// The generated files of an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    /// WebP, 250 px short side: the grids.
    Thumbnail,
    /// JPEG, 1440 px short side: the viewer.
    Preview,
    /// The thumbnail with the asset's edits applied (`crate::edits`).
    EditedThumbnail,
    /// The preview with the asset's edits applied.
    EditedPreview,
    /// JPEG, the whole picture with the edits applied: the edited "original".
    EditedFullsize,
}

impl Generated {
    /// The edited files, made while an asset has edits and deleted when it has none.
    pub const EDITED: [Generated; 3] = [
        Generated::EditedThumbnail,
        Generated::EditedPreview,
        Generated::EditedFullsize,
    ];
}

/// `thumbs/<user>/<ab>/<cd>/<asset>_<thumbnail.webp|preview.jpeg>`: Immich's layout, with
/// `_edited` before the extension for the edited files.
pub fn generated_key(owner_id: Uuid, asset_id: Uuid, kind: Generated) -> String {
    let name = asset_id.to_string();
    let suffix = match kind {
        Generated::Thumbnail => "thumbnail.webp",
        Generated::Preview => "preview.jpeg",
        Generated::EditedThumbnail => "thumbnail_edited.webp",
        Generated::EditedPreview => "preview_edited.jpeg",
        Generated::EditedFullsize => "fullsize_edited.jpeg",
    };
    format!(
        "thumbs/{owner_id}/{}/{}/{name}_{suffix}",
        &name[0..2],
        &name[2..4]
    )
}

/// `thumbs/<user>/<ab>/<cd>/<person>.jpeg`: a person's face thumbnail (Immich's layout).
pub fn person_thumbnail_key(owner_id: Uuid, person_id: Uuid) -> String {
    let name = person_id.to_string();
    format!(
        "thumbs/{owner_id}/{}/{}/{name}.jpeg",
        &name[0..2],
        &name[2..4]
    )
}

/// `profile/<user>/<id><ext>`: a profile picture, a new name for each so caches never mix them.
pub fn profile_image_key(user_id: Uuid, image_id: Uuid, extension: &str) -> String {
    format!("profile/{user_id}/{image_id}{extension}")
}

/// The sidecar sits beside its original: `<original key>.xmp`.
pub fn sidecar_key(original_key: &str) -> String {
    format!("{original_key}.xmp")
}

/// The last path component of an untrusted file name, without control characters (NUL among
/// them). Never empty, never `.` or `..`: such names become `unnamed`.
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "unnamed".to_string()
    } else {
        cleaned.to_string()
    }
}

/// The lower-cased extension with its dot (`.jpg`), if the name has one.
pub fn extension_of(file_name: &str) -> Option<String> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    // Like Node's `extname`: a leading dot alone (`.bashrc`) is not an extension.
    if stem.is_empty() || ext.is_empty() {
        return None;
    }
    if ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        Some(format!(".{}", ext.to_ascii_lowercase()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_paths_and_control_characters() {
        assert_eq!(sanitize_file_name("../../x.jpg"), "x.jpg");
        assert_eq!(sanitize_file_name("/etc/passwd.jpg"), "passwd.jpg");
        assert_eq!(sanitize_file_name("C:\\Users\\a\\b.png"), "b.png");
        assert_eq!(sanitize_file_name("a\0b.jpg"), "ab.jpg");
        assert_eq!(sanitize_file_name(".."), "unnamed");
        assert_eq!(sanitize_file_name("dir/"), "unnamed");
        assert_eq!(sanitize_file_name("IMG_0001.HEIC"), "IMG_0001.HEIC");
    }

    #[test]
    fn extensions() {
        assert_eq!(extension_of("a.JPG").as_deref(), Some(".jpg"));
        assert_eq!(extension_of("a.tar.gz").as_deref(), Some(".gz"));
        assert_eq!(extension_of("noext"), None);
        assert_eq!(extension_of("a."), None);
        assert_eq!(extension_of(".jpg"), None);
        assert_eq!(extension_of("a.j/g"), None);
    }

    #[test]
    fn original_keys_nest_by_name() {
        let owner = Uuid::parse_str("11111111-2222-4333-8444-555555555555").unwrap();
        let asset = Uuid::parse_str("abcdef01-2222-4333-8444-555555555555").unwrap();
        assert_eq!(
            original_key(owner, asset, ".jpg"),
            "upload/11111111-2222-4333-8444-555555555555/ab/cd/abcdef01-2222-4333-8444-555555555555.jpg"
        );
    }
}
