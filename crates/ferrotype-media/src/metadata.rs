//! From exiftool's tags to the fields Immich keeps in `asset_exif`, with Immich's rules: which
//! date wins, how its time zone is found, which lens, description and keywords are used, and an
//! XMP sidecar's tags taking precedence over the file's.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use ferrotype_core::model::ExifInfo;
pub use ferrotype_core::time::zone_name;
use serde_json::{Map, Value};

/// Where the capture time is looked for, in order (Immich's list, then the GPS clock).
const DATE_TAGS: &[&str] = &[
    "SubSecDateTimeOriginal",
    "DateTimeOriginal",
    "SubSecCreateDate",
    "CreationDate",
    "CreateDate",
    "SubSecMediaCreateDate",
    "MediaCreateDate",
    "DateTimeCreated",
    "DateTimeUTC",
    "GPSDateTime",
];

/// A date as exiftool prints it: the wall clock, and the offset when the value carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExifDate {
    pub local: NaiveDateTime,
    pub offset: Option<FixedOffset>,
}

/// Parses `2009:08:29 13:18:08`, `2022:01:10 15:15:44.31-04:00`, `2023-09-27T14:35:33+02:00`,
/// `2019:03:21 16:04:21.01Z`. Zero dates (`0000:00:00 ...`) and dates alone are not capture times.
pub fn parse_exif_date(s: &str) -> Option<ExifDate> {
    let s = s.trim();
    if s.len() < 19 || s.starts_with("0000") {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let date = date.replace(':', "-");
    let rest = rest.trim_start_matches([' ', 'T']);
    // Split the time from a trailing zone: `Z`, `+hh:mm`, `-hh:mm`, `+hhmm`.
    let (time, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let local =
        NaiveDateTime::parse_from_str(&format!("{date}T{time}"), "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let offset = match zone {
        None => None,
        Some(z) if z.eq_ignore_ascii_case("z") => Some(FixedOffset::east_opt(0)?),
        Some(z) => Some(parse_offset(z)?),
    };
    Some(ExifDate { local, offset })
}

/// `+09:00`, `-04:00`, `+0530`, `-4`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    let (sign, digits) = match s.chars().next()? {
        '+' => (1, &s[1..]),
        '-' => (-1, &s[1..]),
        _ => (1, s),
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None if digits.len() == 4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        None => (digits.parse().ok()?, 0),
    };
    if h > 14 || m >= 60 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn string(tags: &Map<String, Value>, key: &str) -> Option<String> {
    match tags.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => items
            .first()
            .and_then(|v| v.as_str())
            .map(|s| s.trim().to_string()),
        _ => None,
    }
}

/// A finite number; lists give their first value (an ISO written as a list, say); text that is
/// not a number is no value, as in Immich.
fn number(tags: &Map<String, Value>, key: &str) -> Option<f64> {
    let v = match tags.get(key)? {
        Value::Array(items) => items.first()?,
        v => v,
    };
    v.as_f64().filter(|n| n.is_finite())
}

fn string_list(tags: &Map<String, Value>, key: &str) -> Vec<String> {
    let raw: Vec<String> = match tags.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    };
    raw.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The zone a capture time was in: its offset then, and its name (`UTC+2` for an offset alone,
/// else the IANA zone of where it was taken).
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureZone {
    pub offset: FixedOffset,
    pub name: String,
}

impl From<FixedOffset> for CaptureZone {
    fn from(offset: FixedOffset) -> Self {
        CaptureZone {
            offset,
            name: zone_name(offset),
        }
    }
}

/// The zone the wall clock was in, when the value itself does not say, in exiftool-vendored's
/// order (what Immich reads with): explicit offset tags, the camera's time-zone tag, then the
/// zone of where it was taken (`gps_zone`, from the GPS position), then the difference to the
/// GPS clock (which is UTC).
fn infer_zone(
    tags: &Map<String, Value>,
    local: NaiveDateTime,
    gps_zone: Option<Tz>,
) -> Option<CaptureZone> {
    for key in ["OffsetTimeOriginal", "OffsetTime", "OffsetTimeDigitized"] {
        if let Some(offset) = string(tags, key).and_then(|s| parse_offset(&s)) {
            return Some(offset.into());
        }
    }
    // Canon and others: minutes east of UTC.
    if let Some(minutes) = number(tags, "TimeZone").filter(|m| m.abs() <= 14.0 * 60.0) {
        return FixedOffset::east_opt((minutes * 60.0) as i32).map(CaptureZone::from);
    }
    if let Some(tz) = gps_zone
        && let Some(offset) = tz.offset_from_local_datetime(&local).earliest()
    {
        return Some(CaptureZone {
            offset: offset.fix(),
            name: tz.name().to_string(),
        });
    }
    let gps = string(tags, "GPSDateTime").and_then(|s| parse_exif_date(&s))?;
    let gps_utc =
        gps.local - Duration::seconds(gps.offset.map_or(0, |o| o.local_minus_utc() as i64));
    let delta = (local - gps_utc).num_seconds();
    // Rounded to the quarter hour; clocks and GPS fixes drift by seconds to minutes.
    let quarters = (delta as f64 / 900.0).round() as i32;
    if quarters.abs() > 14 * 4 || (delta - quarters as i64 * 900).abs() > 600 {
        return None;
    }
    FixedOffset::east_opt(quarters * 900).map(CaptureZone::from)
}

/// The capture time: `(instant, wall clock, zone)`. `gps_zone` is the time zone of where it
/// was taken, if known (see `infer_zone`).
pub fn capture_time(
    tags: &Map<String, Value>,
    gps_zone: Option<Tz>,
) -> Option<(DateTime<Utc>, NaiveDateTime, Option<CaptureZone>)> {
    let (tag, date) = DATE_TAGS.iter().find_map(|tag| {
        string(tags, tag)
            .and_then(|s| parse_exif_date(&s))
            .map(|d| (*tag, d))
    })?;
    let zone = match date.offset {
        Some(offset) => Some(CaptureZone::from(offset)),
        // The GPS clock cannot tell its own offset from itself.
        None if tag == "GPSDateTime" => None,
        None => infer_zone(tags, date.local, gps_zone),
    };
    let instant = match &zone {
        Some(z) => z
            .offset
            .from_local_datetime(&date.local)
            .single()?
            .with_timezone(&Utc),
        // No zone known: the wall clock is taken as UTC, as Immich does.
        None => date.local.and_utc(),
    };
    // A GPS-only time is UTC: show it as such.
    let local = if tag == "GPSDateTime" {
        instant.naive_utc()
    } else {
        date.local
    };
    let zone = zone.or_else(|| {
        (tag == "GPSDateTime")
            .then(|| FixedOffset::east_opt(0).map(CaptureZone::from))
            .flatten()
    });
    Some((instant, local, zone))
}

fn modify_date(tags: &Map<String, Value>) -> Option<DateTime<Utc>> {
    let d = string(tags, "ModifyDate").and_then(|s| parse_exif_date(&s))?;
    let offset = d
        .offset
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    offset
        .from_local_datetime(&d.local)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// `1/250` below a second, seconds above: how Immich shows exposure times.
pub fn format_exposure(seconds: f64) -> Option<String> {
    if !(seconds > 0.0 && seconds.is_finite()) {
        return None;
    }
    if seconds >= 1.0 {
        let s = format!("{seconds:.1}");
        return Some(s.trim_end_matches(".0").to_string());
    }
    Some(format!("1/{}", (1.0 / seconds).round() as i64))
}

/// Keywords, as Immich turns them into tags: `TagsList`, else `HierarchicalSubject` (with `|`
/// as the level separator, and a `/` inside a level kept as `|`), else `Keywords`.
fn keywords(tags: &Map<String, Value>) -> Vec<String> {
    let list = string_list(tags, "TagsList");
    if !list.is_empty() {
        return list;
    }
    let hierarchical = string_list(tags, "HierarchicalSubject");
    if !hierarchical.is_empty() {
        return hierarchical
            .into_iter()
            .map(|s| {
                s.split('|')
                    .map(|level| level.replace('/', "|"))
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
    }
    string_list(tags, "Keywords")
}

/// The GPS position, unless missing, out of range or 0,0.
pub fn gps(tags: &Map<String, Value>) -> (Option<f64>, Option<f64>) {
    let lat = number(tags, "GPSLatitude").filter(|v| (-90.0..=90.0).contains(v));
    let lon = number(tags, "GPSLongitude").filter(|v| (-180.0..=180.0).contains(v));
    match (lat, lon) {
        // 0,0 is what broken writers put where they have nothing.
        (Some(a), Some(b)) if a == 0.0 && b == 0.0 => (None, None),
        (Some(a), Some(b)) => (Some(a), Some(b)),
        _ => (None, None),
    }
}

/// Tags that say the same thing; a sidecar that has one of a group replaces the whole group.
const TAG_GROUPS: &[&[&str]] = &[
    &["ImageDescription", "Description", "Caption-Abstract"],
    &["TagsList", "HierarchicalSubject", "Keywords", "Subject"],
    &["LensModel", "LensID", "Lens"],
    &["GPSLatitude", "GPSLongitude", "GPSPosition"],
];
const OFFSET_TAGS: &[&str] = &[
    "OffsetTimeOriginal",
    "OffsetTime",
    "OffsetTimeDigitized",
    "TimeZone",
];

/// Merges a sidecar's tags over the file's: the sidecar wins wherever it has a value. Where a
/// field can come from several tags, the sidecar's replaces all of the file's, so that a file
/// tag higher in priority cannot outrank the correction the sidecar carries (a capture time
/// replaces every date tag and offset of the file).
pub fn merge_sidecar(
    mut file: Map<String, Value>,
    sidecar: Map<String, Value>,
) -> Map<String, Value> {
    if capture_time(&sidecar, None).is_some() {
        for tag in DATE_TAGS.iter().chain(OFFSET_TAGS) {
            file.remove(*tag);
        }
    }
    for group in TAG_GROUPS {
        if group
            .iter()
            .any(|t| sidecar.get(*t).is_some_and(|v| !v.is_null()))
        {
            for tag in *group {
                file.remove(*tag);
            }
        }
    }
    const FILE_ONLY: &[&str] = &[
        "SourceFile",
        "FileName",
        "Directory",
        "FileSize",
        "FileType",
        "FileTypeExtension",
        "MIMEType",
        "ImageWidth",
        "ImageHeight",
    ];
    for (k, v) in sidecar {
        if !FILE_ONLY.contains(&k.as_str()) && !v.is_null() {
            file.insert(k, v);
        }
    }
    file
}

/// Everything Immich keeps from a file's tags; `gps_zone` is the time zone at the file's GPS
/// position (`gps`), if known.
pub fn exif_info(tags: &Map<String, Value>, file_size: i64, gps_zone: Option<Tz>) -> ExifInfo {
    let (latitude, longitude) = gps(tags);
    let capture = capture_time(tags, gps_zone);
    let orientation = number(tags, "Orientation")
        .map(|o| o as i64)
        .filter(|o| (1..=8).contains(o));
    let width = number(tags, "ImageWidth")
        .map(|v| v as i64)
        .filter(|v| *v > 0);
    let height = number(tags, "ImageHeight")
        .map(|v| v as i64)
        .filter(|v| *v > 0);
    // Immich keeps "" when a file has no description (null means not extracted yet).
    let description = string(tags, "ImageDescription")
        .or_else(|| string(tags, "Description"))
        .or_else(|| string(tags, "Caption-Abstract"))
        .or_else(|| Some(String::new()));
    ExifInfo {
        make: string(tags, "Make"),
        model: string(tags, "Model"),
        lens_model: string(tags, "LensModel")
            .or_else(|| string(tags, "LensID"))
            .or_else(|| string(tags, "Lens"))
            .filter(|l| l != "----" && !l.starts_with("Unknown")),
        exif_image_width: width,
        exif_image_height: height,
        orientation,
        date_time_original: capture.as_ref().map(|(instant, _, _)| *instant),
        local_date_time: capture.as_ref().map(|(_, local, _)| local.and_utc()),
        time_zone: capture.and_then(|(_, _, zone)| zone).map(|z| z.name),
        modify_date: modify_date(tags),
        f_number: number(tags, "FNumber"),
        focal_length: number(tags, "FocalLength"),
        iso: number(tags, "ISO").map(|v| v.round() as i64),
        exposure_time: number(tags, "ExposureTime").and_then(format_exposure),
        latitude,
        longitude,
        city: None,
        state: None,
        country: None,
        description,
        rating: number(tags, "Rating")
            .map(|v| v as i64)
            .filter(|r| (-1..=5).contains(r)),
        keywords: keywords(tags),
        file_size_in_byte: Some(file_size),
        projection_type: string(tags, "ProjectionType").map(|p| p.to_uppercase()),
        profile_description: string(tags, "ProfileDescription"),
        colorspace: string(tags, "ColorSpaceData").or_else(|| string(tags, "ColorSpace")),
        bits_per_sample: number(tags, "BitsPerSample").map(|v| v as i64),
        fps: number(tags, "VideoFrameRate"),
        duration_ms: number(tags, "Duration").map(|s| (s * 1000.0).round() as i64),
        live_photo_cid: string(tags, "ContentIdentifier")
            .or_else(|| string(tags, "MediaGroupUUID")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tags(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn parses_exiftool_dates() {
        let d = parse_exif_date("2009:08:29 13:18:08").unwrap();
        assert_eq!(d.local.to_string(), "2009-08-29 13:18:08");
        assert_eq!(d.offset, None);
        let d = parse_exif_date("2022:01:10 15:15:44.31-04:00").unwrap();
        assert_eq!(d.local.to_string(), "2022-01-10 15:15:44.310");
        assert_eq!(d.offset, FixedOffset::west_opt(4 * 3600));
        let d = parse_exif_date("2023-09-27T14:35:33+02:00").unwrap();
        assert_eq!(d.offset, FixedOffset::east_opt(2 * 3600));
        let d = parse_exif_date("2019:03:21 16:04:21.01Z").unwrap();
        assert_eq!(d.offset, FixedOffset::east_opt(0));
        assert!(parse_exif_date("0000:00:00 00:00:00").is_none());
        assert!(parse_exif_date("2007:12:06").is_none());
        assert!(parse_exif_date("garbage").is_none());
    }

    #[test]
    fn date_priority_and_zones() {
        // DateTimeOriginal beats CreateDate and the rest.
        let t = tags(
            json!({"DateTimeOriginal": "2023:02:02 02:00:00", "CreateDate": "2023:04:04 04:00:00", "CreationDate": "2023:05:05 05:00:00"}),
        );
        let (instant, local, zone) = capture_time(&t, None).unwrap();
        assert_eq!(local.to_string(), "2023-02-02 02:00:00");
        assert_eq!(instant.to_rfc3339(), "2023-02-02T02:00:00+00:00");
        assert_eq!(zone, None);
        // An offset in the value.
        let t = tags(json!({"DateTimeOriginal": "2022:01:10 15:15:44-04:00"}));
        let (instant, local, zone) = capture_time(&t, None).unwrap();
        assert_eq!(instant.to_rfc3339(), "2022-01-10T19:15:44+00:00");
        assert_eq!(local.to_string(), "2022-01-10 15:15:44");
        assert_eq!(zone.map(|z| z.name).as_deref(), Some("UTC-4"));
        // An offset tag.
        let t = tags(
            json!({"DateTimeOriginal": "2020:06:01 12:00:00", "OffsetTimeOriginal": "+05:30"}),
        );
        assert_eq!(
            capture_time(&t, None).unwrap().2.map(|z| z.name).as_deref(),
            Some("UTC+5:30")
        );
        // Inferred from the GPS clock (an iPhone in Omaha in March: UTC-5).
        let t = tags(
            json!({"SubSecDateTimeOriginal": "2019:03:21 11:04:22.348", "GPSDateTime": "2019:03:21 16:04:21.01Z"}),
        );
        let (instant, local, zone) = capture_time(&t, None).unwrap();
        assert_eq!(local.to_string(), "2019-03-21 11:04:22.348");
        assert_eq!(instant.to_rfc3339(), "2019-03-21T16:04:22.348+00:00");
        assert_eq!(zone.map(|z| z.name).as_deref(), Some("UTC-5"));
        // Where it was taken, when no tag names the offset: that place's zone at that date,
        // before the GPS clock (summer and winter time in Chicago).
        let (instant, local, zone) = capture_time(&t, Some(Tz::America__Chicago)).unwrap();
        assert_eq!(local.to_string(), "2019-03-21 11:04:22.348");
        assert_eq!(instant.to_rfc3339(), "2019-03-21T16:04:22.348+00:00");
        assert_eq!(zone.map(|z| z.name).as_deref(), Some("America/Chicago"));
        let winter = tags(json!({"DateTimeOriginal": "2019:01:21 11:04:22"}));
        let (instant, _, _) = capture_time(&winter, Some(Tz::America__Chicago)).unwrap();
        assert_eq!(instant.to_rfc3339(), "2019-01-21T17:04:22+00:00");
        // An offset tag still wins over the place.
        let tagged = tags(
            json!({"DateTimeOriginal": "2020:06:01 12:00:00", "OffsetTimeOriginal": "+05:30"}),
        );
        let (_, _, zone) = capture_time(&tagged, Some(Tz::America__Chicago)).unwrap();
        assert_eq!(zone.map(|z| z.name).as_deref(), Some("UTC+5:30"));
        // Only the GPS clock.
        let t = tags(json!({"GPSDateTime": "2023:11:15 12:30:00Z"}));
        let (instant, _, zone) = capture_time(&t, None).unwrap();
        assert_eq!(instant.to_rfc3339(), "2023-11-15T12:30:00+00:00");
        assert_eq!(zone.map(|z| z.name).as_deref(), Some("UTC"));
        assert!(capture_time(&tags(json!({"TimeCreated": "14:30:00+00:00"})), None).is_none());
    }

    #[test]
    fn exposure_lens_keywords_and_gps() {
        assert_eq!(format_exposure(0.004).as_deref(), Some("1/250"));
        assert_eq!(format_exposure(0.03333333333).as_deref(), Some("1/30"));
        assert_eq!(format_exposure(2.0).as_deref(), Some("2"));
        assert_eq!(format_exposure(1.5).as_deref(), Some("1.5"));
        assert_eq!(format_exposure(0.0), None);
        let info = exif_info(
            &tags(json!({
                "ISO": [200, 400], "LensID": "OLYMPUS M.7-14mm F2.8", "HierarchicalSubject": ["a|b", "c", "d|1/2"],
                "Keywords": ["x"], "GPSLatitude": 0, "GPSLongitude": 0, "Rating": 9, "FNumber": "n/a",
                "ImageDescription": "  ", "Description": "A lake",
            })),
            10,
            None,
        );
        assert_eq!(info.iso, Some(200));
        assert_eq!(info.lens_model.as_deref(), Some("OLYMPUS M.7-14mm F2.8"));
        // A `/` inside a level is not a level of its own (Immich keeps it as `|`).
        assert_eq!(info.keywords, vec!["a/b", "c", "d/1|2"]);
        assert_eq!((info.latitude, info.longitude), (None, None));
        assert_eq!(info.rating, None);
        assert_eq!(info.f_number, None);
        assert_eq!(info.description.as_deref(), Some("A lake"));
    }

    #[test]
    fn sidecars_win() {
        let file = tags(
            json!({"SubSecDateTimeOriginal": "2001:01:01 00:00:00.5", "DateTimeOriginal": "2001:01:01 00:00:00",
            "OffsetTimeOriginal": "+02:00", "ImageWidth": 10, "Rating": 1}),
        );
        let side = tags(json!({"DateTimeOriginal": "2020:01:01 00:00:00", "ImageWidth": 99}));
        let merged = merge_sidecar(file, side);
        assert_eq!(merged["DateTimeOriginal"], "2020:01:01 00:00:00");
        assert!(merged.get("SubSecDateTimeOriginal").is_none());
        assert!(merged.get("OffsetTimeOriginal").is_none());
        assert_eq!(merged["ImageWidth"], 10);
        assert_eq!(merged["Rating"], 1);
    }
}
