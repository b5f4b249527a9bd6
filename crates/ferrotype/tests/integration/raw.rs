//! Camera RAW files: metadata from six real formats (ExifTool's own samples), thumbnails from a
//! large embedded preview, sensor data developed by libraw when there is none, and the pixel
//! budget applied before libraw allocates anything.

use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;

fn raw_fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/raw").join(name)
}

/// A DNG written here: one IFD of uncompressed 16-bit RGGB sensor data whose left half saw
/// red light and right half blue, camera RGB = linear sRGB, no embedded preview.
fn make_dng(width: u32, height: u32, orientation: u16, strip: bool) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ASCII: u16 = 2;
    const BYTE: u16 = 1;
    const RATIONAL: u16 = 5;
    const SRATIONAL: u16 = 10;
    let shorts = |v: &[u16]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let long = |v: u32| v.to_le_bytes().to_vec();
    let ascii = |s: &str| {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        b
    };
    let rationals = |v: &[(i32, i32)]| {
        v.iter()
            .flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
            .collect::<Vec<u8>>()
    };
    let pixels: Vec<u8> = if strip {
        (0..height)
            .flat_map(|y| {
                (0..width).flat_map(move |x| {
                    // RGGB: which colour this photosite sees.
                    let channel = [0, 1, 1, 2][((y % 2) * 2 + x % 2) as usize];
                    let light = if x < width / 2 {
                        [0.8, 0.05, 0.05]
                    } else {
                        [0.05, 0.05, 0.8]
                    };
                    ((light[channel] * 60000.0) as u16).to_le_bytes()
                })
            })
            .collect()
    } else {
        vec![0; 64]
    };
    // XYZ (D65) to linear sRGB, in 1/10000.
    let color_matrix: Vec<(i32, i32)> =
        [32406, -15372, -4986, -9689, 18758, 415, 557, -2040, 10570]
            .iter()
            .map(|v| (*v, 10000))
            .collect();
    let strip_len = pixels.len() as u32;
    let mut entries: Vec<(u16, u16, u32, Vec<u8>)> = vec![
        (254, LONG, 1, long(0)),
        (256, LONG, 1, long(width)),
        (257, LONG, 1, long(height)),
        (258, SHORT, 1, shorts(&[16])),
        (259, SHORT, 1, shorts(&[1])),
        (262, SHORT, 1, shorts(&[32803])),
        (271, ASCII, 10, ascii("Ferrotype")),
        (272, ASCII, 12, ascii("Test Sensor")),
        (273, LONG, 1, long(0)), // the strip's offset, filled in below
        (274, SHORT, 1, shorts(&[orientation])),
        (277, SHORT, 1, shorts(&[1])),
        (278, LONG, 1, long(height)),
        (279, LONG, 1, long(strip_len)),
        (284, SHORT, 1, shorts(&[1])),
        (33421, SHORT, 2, shorts(&[2, 2])),
        (33422, BYTE, 4, vec![0, 1, 1, 2]),
        (50706, BYTE, 4, vec![1, 4, 0, 0]),
        (50708, ASCII, 22, ascii("Ferrotype Test Sensor")),
        (50717, LONG, 1, long(65535)),
        (50721, SRATIONAL, 9, rationals(&color_matrix)),
        (50728, RATIONAL, 3, rationals(&[(1, 1), (1, 1), (1, 1)])),
        (50778, SHORT, 1, shorts(&[21])),
    ];
    let ifd_len = 2 + 12 * entries.len() + 4;
    let mut data_offset = 8 + ifd_len;
    let overflow_len: usize = entries
        .iter()
        .filter(|e| e.3.len() > 4)
        .map(|e| e.3.len())
        .sum();
    let strip_offset = (data_offset + overflow_len) as u32;
    entries.iter_mut().find(|e| e.0 == 273).unwrap().3 = long(strip_offset);
    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    let mut overflow: Vec<u8> = Vec::new();
    for (tag, kind, count, value) in &entries {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(count.to_le_bytes());
        if value.len() > 4 {
            out.extend((data_offset as u32).to_le_bytes());
            data_offset += value.len();
            overflow.extend(value);
        } else {
            let mut inline = value.clone();
            inline.resize(4, 0);
            out.extend(inline);
        }
    }
    out.extend(0u32.to_le_bytes());
    out.extend(overflow);
    assert_eq!(out.len() as u32, strip_offset);
    out.extend(pixels);
    out
}

/// Mean colour of a region of a decoded image, as fractions of its size.
fn mean_rgb(image: &image::RgbImage, x0: f64, y0: f64, x1: f64, y1: f64) -> [f64; 3] {
    let (w, h) = (image.width() as f64, image.height() as f64);
    let mut sum = [0.0; 3];
    let mut n = 0.0;
    for y in (y0 * h) as u32..(y1 * h) as u32 {
        for x in (x0 * w) as u32..(x1 * w) as u32 {
            let p = image.get_pixel(x, y);
            for c in 0..3 {
                sum[c] += p[c] as f64;
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

async fn thumbnail(client: &Client, id: &str, size: &str) -> image::RgbImage {
    let r = client
        .get(&format!("/api/assets/{id}/thumbnail?size={size}"))
        .await;
    assert_eq!(
        r.status,
        200,
        "{size} of {id}: {:?}",
        failure_reason(client, id).await
    );
    image::load_from_memory(&r.body).unwrap().into_rgb8()
}

async fn failure_reason(client: &Client, id: &str) -> Option<String> {
    let jobs = client
        .get("/api/queues/thumbnailGeneration/jobs?status=failed")
        .await
        .json();
    jobs.as_array()?
        .iter()
        .find(|j| j["data"]["id"] == id)
        .map(|j| j["data"]["error"].as_str().unwrap().to_string())
}

fn exiftool(args: &[&str], file: &Path) {
    let status = std::process::Command::new("exiftool")
        .args(args)
        .arg(file)
        .status()
        .expect("exiftool (installed by scripts/test)");
    assert!(status.success());
}

/// What exiftool 12.57 reads from a sample (`exiftool -s`), as `exifInfo` should show it.
struct Expected {
    file: &'static str,
    make: &'static str,
    model: &'static str,
    lens: Option<&'static str>,
    f_number: f64,
    focal_length: f64,
    iso: i64,
    exposure: &'static str,
    size: (i64, i64),
    local: &'static str,
}

#[tokio::test]
async fn raw_metadata_from_six_formats() {
    let server = Server::start();
    let admin = admin(&server).await;
    let cases = [
        Expected {
            file: "CanonRaw.cr2",
            make: "Canon",
            model: "Canon EOS 350D DIGITAL",
            lens: None,
            f_number: 8.0,
            focal_length: 55.0,
            iso: 400,
            exposure: "1/15",
            size: (1536, 1024),
            local: "2005-08-03T18:59:18",
        },
        Expected {
            file: "CanonRaw.cr3",
            make: "Canon",
            model: "Canon EOS M50",
            lens: Some("EF-M15-45mm f/3.5-6.3 IS STM"),
            f_number: 3.5,
            focal_length: 15.0,
            iso: 12800,
            exposure: "1/80",
            size: (6000, 4000),
            local: "2018-02-21T12:08:56",
        },
        Expected {
            file: "DNG.dng",
            make: "Canon",
            model: "Canon EOS 350D DIGITAL",
            lens: None,
            f_number: 8.0,
            focal_length: 55.0,
            iso: 400,
            exposure: "1/15",
            size: (3516, 2328),
            local: "2005-08-03T18:59:18",
        },
        Expected {
            file: "FujiFilm.raf",
            make: "FUJIFILM",
            model: "FinePix S5Pro",
            lens: None,
            f_number: 8.0,
            focal_length: 70.0,
            iso: 100,
            exposure: "1/250",
            size: (8, 8),
            local: "2007-05-22T13:58:30",
        },
        Expected {
            file: "Nikon.nef",
            make: "NIKON CORPORATION",
            model: "NIKON D70",
            lens: None,
            f_number: 3.5,
            focal_length: 18.0,
            iso: 200,
            exposure: "1/20",
            size: (3040, 2014),
            local: "2004-06-09T16:02:35",
        },
        Expected {
            file: "Panasonic.rw2",
            make: "Panasonic",
            model: "DMC-LX3",
            lens: None,
            f_number: 4.0,
            focal_length: 5.1,
            iso: 80,
            exposure: "1/250",
            size: (3648, 2736),
            local: "2008-08-06T15:21:56",
        },
    ];
    let mut ids = Vec::new();
    for case in &cases {
        ids.push(upload_path(&admin, &raw_fixture(case.file)).await);
    }
    wait_for_media_jobs(&admin).await;
    for (case, id) in cases.iter().zip(&ids) {
        let asset = admin.get(&format!("/api/assets/{id}")).await.json();
        let exif = &asset["exifInfo"];
        let name = case.file;
        assert_eq!(asset["type"], "IMAGE", "{name}");
        assert_eq!(exif["make"], case.make, "{name}");
        assert_eq!(exif["model"], case.model, "{name}");
        if let Some(lens) = case.lens {
            assert_eq!(exif["lensModel"], lens, "{name}");
        }
        assert_eq!(exif["fNumber"].as_f64(), Some(case.f_number), "{name}");
        assert_eq!(
            exif["focalLength"].as_f64(),
            Some(case.focal_length),
            "{name}"
        );
        assert_eq!(exif["iso"].as_i64(), Some(case.iso), "{name}");
        assert_eq!(exif["exposureTime"], case.exposure, "{name}");
        assert_eq!(exif["exifImageWidth"].as_i64(), Some(case.size.0), "{name}");
        assert_eq!(
            exif["exifImageHeight"].as_i64(),
            Some(case.size.1),
            "{name}"
        );
        let local = asset["localDateTime"].as_str().unwrap();
        assert!(local.starts_with(case.local), "{name}: {local}");
        assert!(
            exif["dateTimeOriginal"].is_string(),
            "{name}: {}",
            exif["dateTimeOriginal"]
        );
    }
    // The CR3 says its offset: the instant is exact.
    let cr3 = admin.get(&format!("/api/assets/{}", ids[1])).await.json();
    assert_eq!(
        cr3["exifInfo"]["dateTimeOriginal"]
            .as_str()
            .unwrap()
            .get(..19),
        Some("2018-02-21T12:08:56")
    );
}

#[tokio::test]
async fn raw_thumbnails_from_preview_or_sensor() {
    let server = Server::start_with(&[("FERROTYPE_MEDIA_MAX_PIXELS", "100000000")]);
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();

    // A large embedded preview (1600 x 2400: left red, right blue) written into real RW2 and CR2
    // files: used as it is, turned by the file's orientation.
    let picture = image::RgbImage::from_fn(1600, 2400, |x, _| {
        if x < 800 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let jpeg = temp.path().join("preview.jpg");
    picture.save(&jpeg).unwrap();
    let rw2 = temp.path().join("big-preview.rw2");
    std::fs::copy(raw_fixture("Panasonic.rw2"), &rw2).unwrap();
    exiftool(
        &[
            "-q",
            "-overwrite_original",
            &format!("-JpgFromRaw<={}", jpeg.display()),
        ],
        &rw2,
    );
    let cr2 = temp.path().join("turned.cr2");
    std::fs::copy(raw_fixture("CanonRaw.cr2"), &cr2).unwrap();
    exiftool(
        &[
            "-q",
            "-overwrite_original",
            &format!("-PreviewImage<={}", jpeg.display()),
            "-Orientation#=6",
        ],
        &cr2,
    );
    let rw2_id = upload_path(&admin, &rw2).await;
    let cr2_id = upload_path(&admin, &cr2).await;

    // No preview at all: libraw develops the sensor data (800 x 600 at half size: 400 x 300),
    // and turns it by the DNG's orientation 6.
    let dng_id = admin
        .upload("sensor.dng", make_dng(800, 600, 6, true))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A DNG that claims 60,000 x 60,000 pixels: refused before libraw allocates them.
    let huge_id = admin
        .upload("huge.dng", make_dng(60_000, 60_000, 1, false))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Only a tiny preview and sensor data libraw calls corrupt: the tiny preview is better than
    // nothing.
    let raf_id = upload_path(&admin, &raw_fixture("FujiFilm.raf")).await;
    // A JPEG under a RAW name (no preview to extract, nothing for libraw): made from its content.
    let disguised_jpeg = std::fs::read(fixtures().join("nature/tanners_ridge.jpg")).unwrap();
    let disguised = admin.upload("disguised.nef", disguised_jpeg).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for_media_jobs(&admin).await;

    let preview = thumbnail(&admin, &rw2_id, "preview").await;
    assert_eq!((preview.width(), preview.height()), (1440, 2160));
    let small = thumbnail(&admin, &rw2_id, "thumbnail").await;
    assert_eq!((small.width(), small.height()), (250, 375));
    let left = mean_rgb(&small, 0.1, 0.1, 0.4, 0.9);
    let right = mean_rgb(&small, 0.6, 0.1, 0.9, 0.9);
    assert!(left[0] > 180.0 && left[2] < 60.0, "{left:?}");
    assert!(right[2] > 180.0 && right[0] < 60.0, "{right:?}");

    // Orientation 6: the preview's left (red) half is now on top.
    let turned = thumbnail(&admin, &cr2_id, "thumbnail").await;
    assert_eq!((turned.width(), turned.height()), (375, 250));
    let top = mean_rgb(&turned, 0.1, 0.1, 0.9, 0.4);
    let bottom = mean_rgb(&turned, 0.1, 0.6, 0.9, 0.9);
    assert!(top[0] > 180.0 && top[2] < 60.0, "{top:?}");
    assert!(bottom[2] > 180.0 && bottom[0] < 60.0, "{bottom:?}");

    let developed = thumbnail(&admin, &dng_id, "preview").await;
    assert_eq!((developed.width(), developed.height()), (300, 400));
    let top = mean_rgb(&developed, 0.1, 0.1, 0.9, 0.4);
    let bottom = mean_rgb(&developed, 0.1, 0.6, 0.9, 0.9);
    assert!(top[0] > 2.0 * top[2] && top[0] > 2.0 * top[1], "{top:?}");
    assert!(
        bottom[2] > 2.0 * bottom[0] && bottom[2] > 2.0 * bottom[1],
        "{bottom:?}"
    );

    assert_eq!(failure_reason(&admin, &disguised).await, None);
    let from_content = thumbnail(&admin, &disguised, "thumbnail").await;
    assert_eq!(from_content.width().min(from_content.height()), 250);

    let tiny = thumbnail(&admin, &raf_id, "thumbnail").await;
    assert_eq!((tiny.width(), tiny.height()), (8, 8));

    let reason = failure_reason(&admin, &huge_id)
        .await
        .expect("the huge DNG failed its job");
    assert!(
        reason.contains("60000 x 60000 is over the limit of 100000000 pixels"),
        "{reason}"
    );
    let huge: Value = admin.get(&format!("/api/assets/{huge_id}")).await.json();
    assert_eq!(huge["exifInfo"]["exifImageWidth"], 60000);
}

/// No Olympus ORF or Sony ARW file is in any package this project may use; these are made
/// here: the sensor DNG above without its DNG tags (ORF with Olympus' `IIRO` magic), and camera
/// tags written by exiftool, which then reads them as ORF and ARW.
#[tokio::test]
async fn orf_and_arw_containers_made_here() {
    let server = Server::start();
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();
    let mut ids = Vec::new();
    for (name, make, model) in [
        ("made.arw", "SONY", "ILCE-7M3"),
        ("made.orf", "OLYMPUS IMAGING CORP.", "E-M10MarkII"),
    ] {
        let mut bytes = make_dng(400, 300, 1, true);
        if name.ends_with(".orf") {
            bytes[2..4].copy_from_slice(b"RO");
        }
        let path = temp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        exiftool(
            &[
                "-q",
                "-overwrite_original",
                "-DNGVersion=",
                "-UniqueCameraModel=",
                &format!("-Make={make}"),
                &format!("-Model={model}"),
                "-DateTimeOriginal=2021:06:05 10:11:12",
                "-OffsetTimeOriginal=+02:00",
                "-FNumber=2.8",
                "-ISO=400",
                "-ExposureTime=0.004",
                "-FocalLength=35",
                "-LensModel=35mm F1.8",
            ],
            &path,
        );
        let kind = std::process::Command::new("exiftool")
            .args(["-s3", "-FileType"])
            .arg(&path)
            .output()
            .unwrap();
        let expected = name.rsplit('.').next().unwrap().to_uppercase();
        assert_eq!(String::from_utf8_lossy(&kind.stdout).trim(), expected);
        ids.push((name, make, model, upload_path(&admin, &path).await));
    }
    wait_for_media_jobs(&admin).await;
    for (name, make, model, id) in ids {
        let asset = admin.get(&format!("/api/assets/{id}")).await.json();
        let exif = &asset["exifInfo"];
        assert_eq!(asset["type"], "IMAGE", "{name}");
        assert_eq!(exif["make"], make, "{name}");
        assert_eq!(exif["model"], model, "{name}");
        assert_eq!(exif["lensModel"], "35mm F1.8", "{name}");
        assert_eq!(exif["fNumber"].as_f64(), Some(2.8), "{name}");
        assert_eq!(exif["iso"].as_i64(), Some(400), "{name}");
        assert_eq!(exif["exposureTime"], "1/250", "{name}");
        assert_eq!(exif["focalLength"].as_f64(), Some(35.0), "{name}");
        assert_eq!(
            exif["dateTimeOriginal"], "2021-06-05T08:11:12+00:00",
            "{name}"
        );
        assert_eq!(asset["localDateTime"], "2021-06-05T10:11:12.000Z", "{name}");
        assert_eq!(exif["exifImageWidth"].as_i64(), Some(400), "{name}");
    }
}
