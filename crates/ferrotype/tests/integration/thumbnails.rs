//! Thumbnails, previews, thumbhashes and video posters from real files; media endpoints with
//! ranges; and hostile files that must fail their job without taking anything down.

use std::path::Path;

use crate::common::*;
use reqwest::Method;

fn decoded_size(bytes: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory(bytes).expect("a decodable image");
    (image.width(), image.height())
}

/// A real video made by ffmpeg: 3 s, 320 x 240, then marked by exiftool to be shown turned a
/// quarter (the QuickTime display matrix, as phones write it).
fn make_video(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("clip.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=3:size=320x240:rate=25",
        ])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&out)
        .status()
        .expect("ffmpeg (installed by scripts/test)");
    assert!(status.success());
    let status = std::process::Command::new("exiftool")
        .args(["-q", "-overwrite_original", "-Rotation=90"])
        .arg(&out)
        .status()
        .expect("exiftool (installed by scripts/test)");
    assert!(status.success());
    out
}

#[tokio::test]
async fn every_fixture_gets_its_thumbnails() {
    let server = Server::start();
    let admin = admin(&server).await;
    let root = fixtures();
    let mut uploaded = Vec::new();
    for dir in ["nature", "formats", "metadata"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_none_or(|e| e != "xmp") {
                    uploaded.push((p.clone(), upload_path(&admin, &p).await));
                }
            }
        }
    }
    let temp = tempfile::tempdir().unwrap();
    let video = upload_path(&admin, &make_video(temp.path())).await;
    let (metadata, thumbnails) = wait_for_media_jobs(&admin).await;
    assert_eq!(metadata["failed"], 0, "{metadata}");
    assert_eq!(
        thumbnails["failed"],
        0,
        "{thumbnails}: {}",
        admin
            .get("/api/queues/thumbnailGeneration/jobs?status=failed")
            .await
            .json()
    );

    for (path, id) in &uploaded {
        let asset = admin.get(&format!("/api/assets/{id}")).await.json();
        assert!(
            asset["thumbhash"].is_string(),
            "{}: no thumbhash",
            path.display()
        );
        let (w, h) = (
            asset["width"].as_u64().unwrap() as u32,
            asset["height"].as_u64().unwrap() as u32,
        );
        let t = admin
            .get(&format!("/api/assets/{id}/thumbnail?size=thumbnail"))
            .await;
        assert_eq!(t.status, 200, "{}", path.display());
        assert_eq!(t.headers["content-type"], "image/webp");
        assert!(
            t.headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age=86400")
        );
        let (tw, th) = decoded_size(&t.body);
        assert_eq!(
            tw.min(th),
            250.min(w.min(h)),
            "{}: thumbnail {tw}x{th} of {w}x{h}",
            path.display()
        );
        let p = admin
            .get(&format!("/api/assets/{id}/thumbnail?size=preview"))
            .await;
        assert_eq!(p.headers["content-type"], "image/jpeg");
        let (pw, ph) = decoded_size(&p.body);
        assert_eq!(
            pw.min(ph),
            1440.min(w.min(h)),
            "{}: preview {pw}x{ph} of {w}x{h}",
            path.display()
        );
        // The same shape as the picture, turned as it is shown.
        assert_eq!(
            pw >= ph,
            w >= h,
            "{}: preview {pw}x{ph} of {w}x{h}",
            path.display()
        );
    }

    // The same portrait stored upright and stored sideways with EXIF orientation 6: once turned,
    // the previews show the same picture.
    let preview_of = |name: &str| {
        let id = uploaded
            .iter()
            .find(|(p, _)| p.ends_with(name))
            .unwrap()
            .1
            .clone();
        let admin = admin.clone();
        async move {
            admin
                .get(&format!("/api/assets/{id}/thumbnail?size=preview"))
                .await
                .body
        }
    };
    let upright = image::load_from_memory(&preview_of("faces/portrait.jpg").await)
        .unwrap()
        .into_rgb8();
    let turned = image::load_from_memory(&preview_of("faces/portrait-orientation-6.jpg").await)
        .unwrap()
        .into_rgb8();
    assert_eq!(upright.dimensions(), turned.dimensions());
    let difference = |a: &image::RgbImage, b: &image::RgbImage| {
        a.as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| (*x as i64 - *y as i64).abs())
            .sum::<i64>() as f64
            / a.as_raw().len() as f64
    };
    let same = difference(&upright, &turned);
    let wrong_way = difference(&upright, &image::imageops::rotate180(&turned));
    assert!(
        same < 8.0 && same * 3.0 < wrong_way,
        "turned preview differs: {same} (the wrong way: {wrong_way})"
    );

    // The video's poster frame, turned by its rotation.
    let asset = admin.get(&format!("/api/assets/{video}")).await.json();
    assert_eq!(asset["type"], "VIDEO");
    assert_eq!(asset["duration"], 3000);
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(240), Some(320))
    );
    let t = admin.get(&format!("/api/assets/{video}/thumbnail")).await;
    let (tw, th) = decoded_size(&t.body);
    // Portrait, as shown; smaller than 250 px, so not enlarged.
    assert_eq!((tw, th), (240, 320));
    // Full size of a web-friendly original is the original itself.
    let jpeg = &uploaded
        .iter()
        .find(|(p, _)| p.ends_with("nature/tanners_ridge.jpg"))
        .unwrap()
        .1;
    let r = Reply::from(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(admin.base.clone() + &format!("/api/assets/{jpeg}/thumbnail?size=fullsize"))
            .header("x-api-key", api_key_secret(&admin).await)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 303, "{:?}", r.headers);
    assert_eq!(
        r.headers["location"],
        format!("/api/assets/{jpeg}/original")
    );
}

async fn api_key_secret(client: &Client) -> String {
    let key = api_key(client, &["all"]).await;
    match key.cred {
        Cred::ApiKey(k) => k,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn playback_and_originals_serve_ranges() {
    let server = Server::start();
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();
    let path = make_video(temp.path());
    let bytes = std::fs::read(&path).unwrap();
    let id = upload_path(&admin, &path).await;
    let len = bytes.len();

    let whole = admin.get(&format!("/api/assets/{id}/video/playback")).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, bytes);
    assert_eq!(whole.headers["accept-ranges"], "bytes");
    assert_eq!(whole.headers["content-type"], "video/mp4");
    let etag = whole.headers["etag"].to_str().unwrap().to_string();

    let ranged = |range: &str, if_range: Option<&str>| {
        let mut rb = admin
            .request(Method::GET, &format!("/api/assets/{id}/video/playback"))
            .header("range", range);
        if let Some(v) = if_range {
            rb = rb.header("if-range", v);
        }
        admin.send(rb)
    };
    let r = ranged("bytes=100-199", None).await;
    assert_eq!(r.status, 206);
    assert_eq!(r.headers["content-range"], format!("bytes 100-199/{len}"));
    assert_eq!(r.body, bytes[100..200]);
    let r = ranged("bytes=-50", None).await;
    assert_eq!(r.body, bytes[len - 50..]);
    let r = ranged(&format!("bytes={}-", len - 10), Some(&etag)).await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, bytes[len - 10..]);
    // A stale If-Range gets the whole, current file.
    let r = ranged("bytes=0-9", Some("\"something-else\"")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), len);
    let r = ranged(&format!("bytes={}-", len + 5), None).await;
    assert_eq!(r.status, 416);
    assert_eq!(r.headers["content-range"], format!("bytes */{len}"));
    r.json();
    // Originals take ranges too.
    let r = admin
        .send(
            admin
                .request(Method::GET, &format!("/api/assets/{id}/original"))
                .header("range", "bytes=0-3"),
        )
        .await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, bytes[..4]);

    // Images are not played back; others' videos are not reachable.
    let photo = upload_path(&admin, &fixtures().join("nature/silver_fir.jpg")).await;
    admin
        .get(&format!("/api/assets/{photo}/video/playback"))
        .await
        .assert_error(400, "Asset is not a video");
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    eve.get(&format!("/api/assets/{id}/video/playback"))
        .await
        .assert_error(400, "Not found or no asset.view access");
    eve.get(&format!("/api/assets/{photo}/thumbnail"))
        .await
        .assert_error(400, "Not found or no asset.view access");
}

/// A PNG whose header claims 50,000 x 50,000 pixels (2.5 gigapixels) over a tiny body.
fn png_bomb() -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc = 0xFFFF_FFFFu32;
        for b in kind.iter().chain(data) {
            crc ^= *b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        c.extend_from_slice(&(!crc).to_be_bytes());
        c
    }
    let mut ihdr = 50_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

/// A JPEG whose EXIF block points its IFD entries far outside the file.
fn lying_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\x00".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    // Make (0x010F), ASCII, 64 bytes at offset 0x7FFF0000; ExifIFD pointer to 0x7FFFFFF0.
    for (tag, kind, count, value) in [
        (0x010Fu16, 2u16, 64u32, 0x7FFF_0000u32),
        (0x8769, 4, 1, 0x7FFF_FFF0),
    ] {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value.to_le_bytes());
    }
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[tokio::test]
async fn hostile_files_fail_their_job_and_nothing_else() {
    let server = Server::start_with(&[("FERROTYPE_MEDIA_MAX_PIXELS", "100000000")]);
    let admin = admin(&server).await;
    let good = std::fs::read(fixtures().join("nature/prairie_falcon.jpg")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bomb.png", png_bomb()),
        ("half.jpg", good[..good.len() / 2].to_vec()),
        ("empty.jpg", Vec::new()),
        ("noise.png", fake_jpeg(77, 5000)),
        (
            "lying-exif.jpg",
            lying_exif(&std::fs::read(fixtures().join("nature/silver_fir.jpg")).unwrap()),
        ),
    ];
    let mut ids = Vec::new();
    for (name, bytes) in &cases {
        let r = admin.upload(name, bytes.clone()).await;
        assert_eq!(r.status, 201, "{name}");
        ids.push((*name, r.json()["id"].as_str().unwrap().to_string()));
    }
    // A good file after the bad ones is still processed.
    let fine = admin.upload("fine.jpg", good.clone()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (metadata, thumbnails) = wait_for_media_jobs(&admin).await;

    let mut failures: Vec<String> = Vec::new();
    for queue in ["metadataExtraction", "thumbnailGeneration"] {
        for job in admin
            .get(&format!("/api/queues/{queue}/jobs?status=failed"))
            .await
            .json()
            .as_array()
            .unwrap()
        {
            failures.push(format!(
                "{} {}",
                job["data"]["id"].as_str().unwrap(),
                job["data"]["error"].as_str().unwrap()
            ));
        }
    }
    let reason = |name: &str| {
        let id = &ids.iter().find(|(n, _)| *n == name).unwrap().1;
        failures
            .iter()
            .find(|f| f.starts_with(id.as_str()))
            .cloned()
    };
    let bomb = reason("bomb.png").expect("the bomb failed");
    assert!(
        bomb.contains("over the limit of 100000000 pixels"),
        "{bomb}"
    );
    let empty = reason("empty.jpg").expect("the empty file failed");
    assert!(empty.contains("empty"), "{empty}");
    assert!(
        reason("noise.png").is_some(),
        "noise was accepted: {failures:?}"
    );
    assert!(
        reason("half.jpg").is_some(),
        "a JPEG cut in half made thumbnails: {failures:?}"
    );
    // Lying offsets: the metadata reader copes; whatever it can read is kept, nothing crashes.
    let lying = &ids.iter().find(|(n, _)| *n == "lying-exif.jpg").unwrap().1;
    assert_eq!(admin.get(&format!("/api/assets/{lying}")).await.status, 200);
    assert!(
        metadata["failed"].as_i64().unwrap() + thumbnails["failed"].as_i64().unwrap() >= 4,
        "{metadata} {thumbnails}"
    );

    // Every asset stays listed, and the good one got its thumbnails.
    for (_, id) in &ids {
        assert_eq!(admin.get(&format!("/api/assets/{id}")).await.status, 200);
    }
    assert_eq!(admin.get("/api/assets/statistics").await.json()["total"], 6);
    assert_eq!(
        admin
            .get(&format!("/api/assets/{fine}/thumbnail"))
            .await
            .status,
        200
    );
    // Missing thumbnails answer 404, not an error page.
    let bomb_id = &ids[0].1;
    admin
        .get(&format!("/api/assets/{bomb_id}/thumbnail"))
        .await
        .assert_error(404, "Asset media not found");
}

#[tokio::test]
async fn gif_tiff_and_video_metadata() {
    let server = Server::start();
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();
    // A GIF and a TIFF made here, 600 x 400, with a gradient.
    let picture = image::RgbImage::from_fn(600, 400, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 2) as u8, 90])
    });
    let mut ids = Vec::new();
    for name in ["made.gif", "made.tif"] {
        let path = temp.path().join(name);
        image::DynamicImage::ImageRgb8(picture.clone())
            .save(&path)
            .unwrap();
        ids.push(upload_path(&admin, &path).await);
    }
    // A video carrying a capture time and a place, as a phone writes them.
    let video = make_video(temp.path());
    let status = std::process::Command::new("exiftool")
        .args([
            "-q",
            "-overwrite_original",
            "-CreateDate=2024:01:02 03:04:05",
            "-Keys:GPSCoordinates=48.8584, 2.2945",
        ])
        .arg(&video)
        .status()
        .unwrap();
    assert!(status.success());
    let video_id = upload_path(&admin, &video).await;
    let (metadata, thumbnails) = wait_for_media_jobs(&admin).await;
    assert_eq!(
        (metadata["failed"].as_i64(), thumbnails["failed"].as_i64()),
        (Some(0), Some(0))
    );

    for id in &ids {
        let t = admin.get(&format!("/api/assets/{id}/thumbnail")).await;
        assert_eq!(decoded_size(&t.body), (375, 250));
        let asset = admin.get(&format!("/api/assets/{id}")).await.json();
        assert_eq!(
            (asset["width"].as_i64(), asset["height"].as_i64()),
            (Some(600), Some(400))
        );
    }
    let asset = admin.get(&format!("/api/assets/{video_id}")).await.json();
    assert_eq!(
        asset["exifInfo"]["dateTimeOriginal"],
        "2024-01-02T03:04:05+00:00"
    );
    assert_eq!(asset["localDateTime"], "2024-01-02T03:04:05.000Z");
    let (lat, lon) = (
        asset["exifInfo"]["latitude"].as_f64().unwrap(),
        asset["exifInfo"]["longitude"].as_f64().unwrap(),
    );
    assert!(
        (lat - 48.8584).abs() < 1e-3 && (lon - 2.2945).abs() < 1e-3,
        "{lat},{lon}"
    );
}
