//! Metadata extraction against exiftool's reference: every fixture photo is uploaded, and each
//! field `exiftool-reference.json` holds for it must come back in the asset's `exifInfo`.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::common::*;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde_json::{Value, json};

fn media_files(root: &Path) -> Vec<PathBuf> {
    let media = [
        "jpg", "jpeg", "png", "webp", "heic", "avif", "jxl", "gif", "tif", "tiff", "dng", "mp4",
        "mov",
    ];
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| media.contains(&e.to_lowercase().as_str()))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// exiftool's date: the wall clock, and the instant when it carries an offset.
fn reference_date(s: &str) -> (NaiveDateTime, Option<DateTime<Utc>>) {
    let (date, rest) = s.split_at(10);
    let rest = rest.trim_start_matches([' ', 'T']);
    let (time, zone) = match rest.find(['+', '-', 'Z']) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let local = NaiveDateTime::parse_from_str(
        &format!("{} {time}", date.replace(':', "-")),
        "%Y-%m-%d %H:%M:%S%.f",
    )
    .unwrap();
    let instant = zone.map(|z| {
        let offset = if z == "Z" {
            FixedOffset::east_opt(0).unwrap()
        } else {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (h, m) = z[1..].split_once(':').unwrap();
            FixedOffset::east_opt(
                sign * (h.parse::<i32>().unwrap() * 3600 + m.parse::<i32>().unwrap() * 60),
            )
            .unwrap()
        };
        offset
            .from_local_datetime(&local)
            .unwrap()
            .with_timezone(&Utc)
    });
    (local, instant)
}

fn api_time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6_f64.max(b.abs() * 1e-6)
}

#[tokio::test]
async fn every_reference_field_comes_back() {
    let server = Server::start();
    let admin = admin(&server).await;
    let root = fixtures();
    let mut ids = HashMap::new();
    for path in media_files(&root) {
        let relative = format!("./{}", path.strip_prefix(&root).unwrap().display());
        ids.insert(relative, upload_path(&admin, &path).await);
    }
    let stats = wait_for_queue(&admin, "metadataExtraction").await;
    assert_eq!(
        stats["failed"], 0,
        "some fixture failed extraction: {stats}"
    );

    let reference: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(root.join("exiftool-reference.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    let mut problems = Vec::new();
    for expected in &reference {
        let file = expected["SourceFile"].as_str().unwrap();
        let Some(id) = ids.get(file) else {
            continue; // sidecars and the reference itself
        };
        let asset = admin.get(&format!("/api/assets/{id}")).await.json();
        let exif = &asset["exifInfo"];
        let mut check = |field: &str, ok: bool, got: &Value| {
            checked += 1;
            if !ok {
                problems.push(format!(
                    "{file}: {field}: expected {}, got {got}",
                    expected[field]
                ));
            }
        };
        assert_eq!(asset["hasMetadata"], true, "{file}");
        for (field, ours) in [
            ("Make", "make"),
            ("Model", "model"),
            ("LensModel", "lensModel"),
        ] {
            if let Some(want) = expected[field].as_str() {
                check(field, exif[ours].as_str() == Some(want.trim()), &exif[ours]);
            }
        }
        for (field, ours) in [
            ("FNumber", "fNumber"),
            ("FocalLength", "focalLength"),
            ("GPSLatitude", "latitude"),
            ("GPSLongitude", "longitude"),
        ] {
            match &expected[field] {
                Value::Number(n) => check(
                    field,
                    exif[ours]
                        .as_f64()
                        .is_some_and(|v| close(v, n.as_f64().unwrap())),
                    &exif[ours],
                ),
                Value::String(s) if s.is_empty() => check(field, exif[ours].is_null(), &exif[ours]),
                _ => {}
            }
        }
        for (field, ours) in [
            ("ISO", "iso"),
            ("Rating", "rating"),
            ("ImageWidth", "exifImageWidth"),
            ("ImageHeight", "exifImageHeight"),
        ] {
            if let Some(n) = expected[field].as_i64() {
                check(field, exif[ours].as_i64() == Some(n), &exif[ours]);
            }
        }
        if let Some(n) = expected["Orientation"].as_i64() {
            check(
                "Orientation",
                exif["orientation"] == json!(n.to_string()),
                &exif["orientation"],
            );
        }
        if let Some(seconds) = expected["ExposureTime"].as_f64() {
            let ours = exif["exposureTime"].as_str().unwrap_or("");
            let value = match ours.split_once('/') {
                Some((n, d)) => n.parse::<f64>().unwrap_or(0.0) / d.parse::<f64>().unwrap_or(1.0),
                None => ours.parse().unwrap_or(0.0),
            };
            check(
                "ExposureTime",
                (value - seconds).abs() <= seconds * 0.02,
                &exif["exposureTime"],
            );
        }
        let description = expected["ImageDescription"]
            .as_str()
            .or(expected["Description"].as_str());
        // None in the file: "" once extracted, as Immich keeps it (null means not yet).
        check(
            "Description",
            exif["description"].as_str() == Some(description.unwrap_or_default().trim()),
            &exif["description"],
        );
        let keywords: Option<BTreeSet<String>> =
            match (&expected["HierarchicalSubject"], &expected["Keywords"]) {
                (Value::Array(h), _) => Some(
                    h.iter()
                        .map(|v| v.as_str().unwrap().replace('|', "/"))
                        .collect(),
                ),
                (Value::String(h), _) => Some([h.replace('|', "/")].into()),
                (_, Value::Array(k)) => {
                    Some(k.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                }
                (_, Value::String(k)) => Some([k.clone()].into()),
                _ => None,
            };
        if let Some(want) = keywords {
            let got: BTreeSet<String> = asset["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["value"].as_str().unwrap().to_string())
                .collect();
            check("Keywords", got == want, &asset["tags"]);
        }
        if let Some(s) = expected["DateTimeOriginal"].as_str() {
            let (local, instant) = reference_date(s);
            // The wall clock is what the timeline shows (to the second: sub-seconds may add ms).
            let shown = api_time(&asset["localDateTime"]).naive_utc();
            check(
                "DateTimeOriginal",
                (shown - local).num_seconds() == 0,
                &asset["localDateTime"],
            );
            let taken = api_time(&exif["dateTimeOriginal"]);
            if let Some(instant) = instant {
                check(
                    "DateTimeOriginal",
                    (taken - instant).num_seconds() == 0,
                    &exif["dateTimeOriginal"],
                );
            }
            // The upload's file date gives way to the capture time.
            check(
                "DateTimeOriginal",
                api_time(&asset["fileCreatedAt"]) == taken,
                &asset["fileCreatedAt"],
            );
        }
        if let Some(s) = expected["ModifyDate"].as_str() {
            let (local, instant) = reference_date(s);
            let want = instant.unwrap_or_else(|| local.and_utc());
            check(
                "ModifyDate",
                (api_time(&exif["modifyDate"]) - want).num_seconds() == 0,
                &exif["modifyDate"],
            );
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {checked} checks failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(checked > 200, "only {checked} fields checked");
}

#[tokio::test]
async fn orientation_and_date_priority() {
    let server = Server::start();
    let admin = admin(&server).await;
    let root = fixtures();
    let rotated = upload_path(
        &admin,
        &root.join("metadata/faces/portrait-orientation-6.jpg"),
    )
    .await;
    let priority = upload_path(&admin, &root.join("metadata/dates/date-priority-test.jpg")).await;
    let gps_only = upload_path(&admin, &root.join("metadata/dates/gps-datetime.jpg")).await;
    let heic = upload_path(&admin, &root.join("formats/heic/IMG_2682.heic")).await;
    wait_for_queue(&admin, "metadataExtraction").await;

    // Orientation 6 turns the 700 x 840 picture on its side: shown 840 x 700.
    let asset = admin.get(&format!("/api/assets/{rotated}")).await.json();
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(840), Some(700))
    );
    assert_eq!(asset["exifInfo"]["orientation"], "6");

    // DateTimeOriginal wins over CreateDate, PDF CreationDate and GPS time.
    let asset = admin.get(&format!("/api/assets/{priority}")).await.json();
    assert_eq!(asset["localDateTime"], "2023-02-02T02:00:00.000Z");

    // Only a GPS time: that is UTC.
    let asset = admin.get(&format!("/api/assets/{gps_only}")).await.json();
    assert_eq!(
        asset["exifInfo"]["dateTimeOriginal"],
        "2023-11-15T12:30:00+00:00"
    );
    assert_eq!(asset["exifInfo"]["timeZone"], "UTC");

    // The iPhone's wall clock, its sub-seconds, and the zone told by its GPS clock.
    let asset = admin.get(&format!("/api/assets/{heic}")).await.json();
    assert_eq!(asset["localDateTime"], "2019-03-21T11:04:22.348Z");
    assert_eq!(
        asset["exifInfo"]["dateTimeOriginal"],
        "2019-03-21T16:04:22.348+00:00"
    );
    assert_eq!(asset["exifInfo"]["timeZone"], "UTC-5");
    assert_eq!(asset["exifInfo"]["make"], "Apple");
}

#[tokio::test]
async fn a_sidecar_takes_precedence() {
    let server = Server::start();
    let admin = admin(&server).await;
    let photo = std::fs::read(fixtures().join("nature/tanners_ridge.jpg")).unwrap();
    let sidecar = br#"<?xml version="1.0"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exif:DateTimeOriginal="2001-02-03T04:05:06" xmp:Rating="4">
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">From the sidecar</rdf:li></rdf:Alt></dc:description>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-05-01T10:00:00.000Z")
        .part(
            "assetData",
            reqwest::multipart::Part::bytes(photo).file_name("tanners_ridge.jpg"),
        )
        .part(
            "sidecarData",
            reqwest::multipart::Part::bytes(sidecar.to_vec()).file_name("tanners_ridge.jpg.xmp"),
        );
    let r = admin.upload_form(form).await;
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_str().unwrap().to_string();
    wait_for_queue(&admin, "metadataExtraction").await;
    let asset = admin.get(&format!("/api/assets/{id}")).await.json();
    assert_eq!(asset["localDateTime"], "2001-02-03T04:05:06.000Z");
    assert_eq!(asset["exifInfo"]["rating"], 4);
    assert_eq!(asset["exifInfo"]["description"], "From the sidecar");
    // What the sidecar does not say still comes from the file.
    assert_eq!(asset["exifInfo"]["exifImageWidth"], 800);
    // The sidecar is stored beside the original.
    let files = server.stored_files();
    assert!(
        files.iter().any(|f| f.ends_with(&format!("{id}.jpg.xmp"))),
        "{files:?}"
    );
}
