//! Videos through Debian's `ffprobe`, run as a subprocess: a hostile file can crash or hang it
//! without touching the server, and a timeout ends it.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("ffprobe could not be started ({0}); install ffmpeg")]
    Spawn(std::io::Error),
    #[error("ffprobe took longer than {0:?}")]
    Timeout(Duration),
    #[error("ffprobe cannot read the file: {0}")]
    Unreadable(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoProbe {
    pub duration_ms: Option<i64>,
    /// Displayed size: rotation applied.
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub codec: Option<String>,
    pub fps: Option<f64>,
    /// `creation_time` of the container, as written (UTC by the QuickTime convention).
    pub creation_time: Option<String>,
    /// ISO 6709 location, e.g. `+37.7749-122.4194+010.000/`.
    pub location: Option<(f64, f64)>,
}

const TIMEOUT: Duration = Duration::from_secs(60);

pub async fn probe(path: &Path) -> Result<VideoProbe, ProbeError> {
    let run = crate::priority::background_command("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(TIMEOUT, run)
        .await
        .map_err(|_| ProbeError::Timeout(TIMEOUT))?
        .map_err(ProbeError::Spawn)?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(ProbeError::Unreadable(
            err.trim().chars().take(300).collect(),
        ));
    }
    let json: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| ProbeError::Unreadable(format!("unreadable ffprobe output: {e}")))?;
    Ok(parse(&json))
}

/// Writes one frame of the video (ffmpeg applies its rotation) to `out` as PPM: the frame a
/// second in, or the first frame of a shorter video.
pub async fn poster_frame(path: &Path, out: &Path) -> Result<(), ProbeError> {
    let mut last_error = String::new();
    for seek in ["1", "0"] {
        let run = crate::priority::background_command("ffmpeg")
            .args(["-v", "error", "-nostdin", "-y", "-ss", seek, "-i"])
            .arg(path)
            .args(["-frames:v", "1", "-f", "image2", "-c:v", "ppm"])
            .arg(out)
            .kill_on_drop(true)
            .output();
        let result = tokio::time::timeout(TIMEOUT, run)
            .await
            .map_err(|_| ProbeError::Timeout(TIMEOUT))?
            .map_err(ProbeError::Spawn)?;
        let written = tokio::fs::metadata(out)
            .await
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        if result.status.success() && written {
            return Ok(());
        }
        last_error = String::from_utf8_lossy(&result.stderr)
            .trim()
            .chars()
            .take(300)
            .collect();
    }
    Err(ProbeError::Unreadable(if last_error.is_empty() {
        "no video frame could be decoded".to_string()
    } else {
        last_error
    }))
}

fn rate(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/')?;
    let (n, d) = (n.parse::<f64>().ok()?, d.parse::<f64>().ok()?);
    (d > 0.0 && n > 0.0).then(|| n / d)
}

/// `+37.7749-122.4194+010.000/` -> (37.7749, -122.4194).
pub fn parse_iso6709(s: &str) -> Option<(f64, f64)> {
    let s = s.trim().trim_end_matches('/');
    let bytes = s.as_bytes();
    let mut starts = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'+' || *b == b'-' {
            starts.push(i);
        }
    }
    if starts.len() < 2 || starts[0] != 0 {
        return None;
    }
    let end = starts.get(2).copied().unwrap_or(s.len());
    let lat: f64 = s[starts[0]..starts[1]].parse().ok()?;
    let lon: f64 = s[starts[1]..end].parse().ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

fn parse(json: &Value) -> VideoProbe {
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let video = streams.iter().find(|s| s["codec_type"] == "video");
    let format = &json["format"];
    let seconds = format["duration"]
        .as_str()
        .and_then(|d| d.parse::<f64>().ok())
        .or_else(|| {
            video
                .and_then(|v| v["duration"].as_str())
                .and_then(|d| d.parse().ok())
        });
    let rotation = video
        .and_then(|v| v["side_data_list"].as_array())
        .and_then(|list| list.iter().find_map(|d| d["rotation"].as_i64()))
        .or_else(|| {
            video
                .and_then(|v| v["tags"]["rotate"].as_str())
                .and_then(|r| r.parse().ok())
        })
        .unwrap_or(0);
    let (mut width, mut height) = (
        video.and_then(|v| v["width"].as_i64()),
        video.and_then(|v| v["height"].as_i64()),
    );
    if rotation.rem_euclid(180) == 90 {
        std::mem::swap(&mut width, &mut height);
    }
    let tags = &format["tags"];
    let location = ["com.apple.quicktime.location.ISO6709", "location"]
        .iter()
        .find_map(|k| tags[*k].as_str())
        .and_then(parse_iso6709);
    VideoProbe {
        duration_ms: seconds
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| (s * 1000.0).round() as i64),
        width,
        height,
        codec: video
            .and_then(|v| v["codec_name"].as_str())
            .map(str::to_string),
        fps: video.and_then(|v| {
            v["avg_frame_rate"]
                .as_str()
                .and_then(rate)
                .or_else(|| v["r_frame_rate"].as_str().and_then(rate))
        }),
        creation_time: tags["creation_time"].as_str().map(str::to_string),
        location,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iso6709() {
        assert_eq!(
            parse_iso6709("+37.7749-122.4194+010.000/"),
            Some((37.7749, -122.4194))
        );
        assert_eq!(
            parse_iso6709("-33.8688+151.2093/"),
            Some((-33.8688, 151.2093))
        );
        assert_eq!(parse_iso6709("nonsense"), None);
    }

    #[test]
    fn parses_ffprobe_json() {
        let p = parse(&json!({
            "streams": [
                {"codec_type": "audio", "codec_name": "aac"},
                {"codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
                 "avg_frame_rate": "30000/1001", "side_data_list": [{"rotation": -90}]}
            ],
            "format": {"duration": "3.504000", "tags": {"creation_time": "2024-01-02T03:04:05.000000Z",
                       "location": "+48.8584+002.2945/"}}
        }));
        assert_eq!(p.duration_ms, Some(3504));
        assert_eq!((p.width, p.height), (Some(1080), Some(1920)));
        assert_eq!(p.codec.as_deref(), Some("h264"));
        assert!((p.fps.unwrap() - 29.97).abs() < 0.01);
        assert_eq!(p.location, Some((48.8584, 2.2945)));
    }
}
