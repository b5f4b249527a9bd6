//! Motion photos: the short video a phone stores inside the photo itself (Samsung's, Google's
//! Pixel "Motion Photos" and "MicroVideo"). Immich extracts it as the still's hidden motion part
//! (a live photo), and so do we, with the same rules for finding it: exiftool's binary tags for
//! Samsung's (`MotionPhotoVideo` in a HEIC, `EmbeddedVideoFile` in a JPEG's trailer), otherwise
//! the length at the end of the file that Google's XMP gives.

use serde_json::{Map, Value};

/// Where a motion photo keeps its video.
#[derive(Debug, Clone, PartialEq)]
pub enum EmbeddedVideo {
    /// A binary tag exiftool extracts (`-b`).
    Tag(&'static str),
    /// The `length` bytes before the last `padding` bytes of the file.
    Tail { length: u64, padding: u64 },
}

fn number(tags: &Map<String, Value>, key: &str) -> Option<u64> {
    match tags.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn is_set(tags: &Map<String, Value>, key: &str) -> bool {
    number(tags, key).is_some_and(|n| n != 0)
}

/// Where the video of a photo is, if it is a motion photo (Immich's order: Samsung's HEIC tag,
/// then Samsung's JPEG trailer, then Google's container directory or MicroVideo offset).
pub fn embedded_video(tags: &Map<String, Value>) -> Option<EmbeddedVideo> {
    if tags.contains_key("MotionPhotoVideo") {
        return Some(EmbeddedVideo::Tag("MotionPhotoVideo"));
    }
    if tags.get("EmbeddedVideoType").and_then(Value::as_str) == Some("MotionPhoto_Data")
        && tags.contains_key("EmbeddedVideoFile")
    {
        return Some(EmbeddedVideo::Tag("EmbeddedVideoFile"));
    }
    let mut tail = None;
    // Google's container: the video is the directory's `MotionPhoto` item, at the end.
    // exiftool (`-struct`) names the XMP `Container:Directory` list `Directory` (or
    // `ContainerDirectory`, with group names).
    if is_set(tags, "MotionPhoto") {
        let directory = tags
            .get("ContainerDirectory")
            .or_else(|| tags.get("Directory"))
            .and_then(Value::as_array);
        tail = directory.into_iter().flatten().find_map(|entry| {
            let item = entry.get("Item")?.as_object()?;
            (item.get("Semantic")?.as_str()? == "MotionPhoto").then(|| EmbeddedVideo::Tail {
                length: number(item, "Length").unwrap_or(0),
                padding: number(item, "Padding").unwrap_or(0),
            })
        });
    }
    // The older MicroVideo: its offset from the end is its length.
    if is_set(tags, "MicroVideo")
        && let Some(offset) = number(tags, "MicroVideoOffset")
    {
        tail = Some(EmbeddedVideo::Tail {
            length: offset,
            padding: 0,
        });
    }
    tail.filter(|t| matches!(t, EmbeddedVideo::Tail { length, .. } if *length > 0))
}

/// The bytes of a `Tail` video of a file of `file_size` bytes: the range to read, if it lies
/// inside the file.
pub fn tail_range(file_size: u64, length: u64, padding: u64) -> Option<std::ops::Range<u64>> {
    let end = file_size.checked_sub(padding)?;
    let start = end.checked_sub(length)?;
    (length > 0).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tags(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn where_each_kind_keeps_its_video() {
        // A Samsung HEIC (as exiftool reads samsung-one-ui-6.heic): its own tag wins over the
        // trailer's and the directory's.
        let heic = tags(json!({
            "MotionPhoto": 1, "MotionPhotoVideo": "(Binary data 3226469 bytes)",
            "EmbeddedVideoType": "MotionPhoto_Data", "EmbeddedVideoFile": "(Binary data 12 bytes)",
            "Directory": [{"Item": {"Length": 452276, "Padding": 8, "Semantic": "Primary"}},
                          {"Item": {"Length": 3226469, "Padding": 0, "Semantic": "MotionPhoto"}}],
        }));
        assert_eq!(
            embedded_video(&heic),
            Some(EmbeddedVideo::Tag("MotionPhotoVideo"))
        );
        // A Samsung JPEG: the trailer's video.
        let jpeg = tags(json!({
            "EmbeddedVideoType": "MotionPhoto_Data", "EmbeddedVideoFile": "(Binary data 9 bytes)",
        }));
        assert_eq!(
            embedded_video(&jpeg),
            Some(EmbeddedVideo::Tag("EmbeddedVideoFile"))
        );
        // A Pixel: the directory's MotionPhoto item.
        let pixel = tags(json!({
            "MotionPhoto": 1,
            "Directory": [{"Item": {"Mime": "image/jpeg", "Semantic": "Primary"}},
                          {"Item": {"Length": 4000, "Padding": 0, "Semantic": "MotionPhoto"}}],
        }));
        assert_eq!(
            embedded_video(&pixel),
            Some(EmbeddedVideo::Tail {
                length: 4000,
                padding: 0
            })
        );
        // MicroVideo.
        let micro = tags(json!({"MicroVideo": 1, "MicroVideoOffset": 1234}));
        assert_eq!(
            embedded_video(&micro),
            Some(EmbeddedVideo::Tail {
                length: 1234,
                padding: 0
            })
        );
        // Not motion photos: a flag without a length, a trailer of another kind, nothing.
        for still in [
            json!({"MotionPhoto": 1}),
            json!({"MotionPhoto": 0, "Directory": [{"Item": {"Length": 5, "Semantic": "MotionPhoto"}}]}),
            json!({"MicroVideo": 1, "MicroVideoOffset": 0}),
            json!({"EmbeddedVideoType": "Other", "EmbeddedVideoFile": "x"}),
            json!({"Directory": "/photos"}),
            json!({}),
        ] {
            assert_eq!(embedded_video(&tags(still.clone())), None, "{still}");
        }
    }

    #[test]
    fn tail_ranges_stay_inside_the_file() {
        assert_eq!(tail_range(100, 30, 0), Some(70..100));
        assert_eq!(tail_range(100, 30, 8), Some(62..92));
        assert_eq!(tail_range(100, 101, 0), None);
        assert_eq!(tail_range(100, 95, 10), None);
        assert_eq!(tail_range(100, 0, 0), None);
    }
}
