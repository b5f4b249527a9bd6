//! Non-destructive edits (`/api/assets/{id}/edits`): Immich's routes, validation texts and
//! permissions; the edited thumbnail, preview and full-size copy the thumbnail job makes
//! (decoded here: sizes and colours of a picture of four coloured quarters); the original left
//! as it was; `edited` on the media routes; and the sync's AssetEditV1 / AssetEditDeleteV1 lines.

use std::path::{Path, PathBuf};

use crate::common::*;
use crate::sync::{check_order, kinds, of_kind, sync};
use reqwest::Method;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 30];
const BLUE: [u8; 3] = [30, 30, 220];
const WHITE: [u8; 3] = [240, 240, 240];

/// An 800 x 400 JPEG of four quarters: red top left, green top right, blue bottom left, white
/// bottom right.
fn quarters(dir: &Path) -> PathBuf {
    let picture = image::RgbImage::from_fn(800, 400, |x, y| {
        image::Rgb(match (x < 400, y < 200) {
            (true, true) => RED,
            (false, true) => GREEN,
            (true, false) => BLUE,
            (false, false) => WHITE,
        })
    });
    let path = dir.join("quarters.jpg");
    image::DynamicImage::ImageRgb8(picture).save(&path).unwrap();
    path
}

fn decoded(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory(bytes)
        .expect("a decodable image")
        .to_rgb8()
}

/// The colour near the centre of each quarter: top left, top right, bottom left, bottom right.
fn corners(image: &image::RgbImage) -> [[u8; 3]; 4] {
    let (w, h) = image.dimensions();
    [
        (w / 4, h / 4),
        (3 * w / 4, h / 4),
        (w / 4, 3 * h / 4),
        (3 * w / 4, 3 * h / 4),
    ]
    .map(|(x, y)| image.get_pixel(x, y).0)
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) < 40)
}

fn assert_corners(image: &image::RgbImage, expected: [[u8; 3]; 4]) {
    let got = corners(image);
    assert!(
        got.iter().zip(expected).all(|(g, e)| near(*g, e)),
        "corners {got:?}, expected {expected:?}"
    );
}

/// The files under `dir` whose names contain `part`.
fn thumbs_named(dir: &Path, part: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else if p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains(part))
            {
                found.push(p);
            }
        }
    }
    found
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

fn edit(action: &str, parameters: Value) -> Value {
    json!({ "action": action, "parameters": parameters })
}

async fn put_edits(client: &Client, id: &str, edits: Vec<Value>) -> Reply {
    client
        .put(
            &format!("/api/assets/{id}/edits"),
            json!({ "edits": edits }),
        )
        .await
}

/// A media file without following redirects.
async fn fetch(client: &Client, path: &str) -> Reply {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let rb = Client {
        http,
        base: client.base.clone(),
        cred: client.cred.clone(),
    }
    .request(Method::GET, path);
    Reply::from(rb.send().await.unwrap()).await
}

#[tokio::test]
async fn edits_are_checked_as_immich_checks_them() {
    let server = Server::start();
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();
    let photo = upload_path(&admin, &quarters(temp.path())).await;
    let gif = temp.path().join("made.gif");
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(60, 40, image::Rgb(RED)))
        .save(&gif)
        .unwrap();
    let gif = upload_path(&admin, &gif).await;
    let clip = temp.path().join("clip.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .args(["testsrc=duration=1:size=320x240:rate=15"])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&clip)
        .status()
        .expect("ffmpeg (installed by scripts/test)");
    assert!(status.success());
    let clip = upload_path(&admin, &clip).await;
    wait_for_media_jobs(&admin).await;

    let r = admin.get(&format!("/api/assets/{photo}/edits")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({ "assetId": photo, "edits": [] }));

    // The body, by the contract (zod's texts and Immich's refinements).
    let rotate = edit("rotate", json!({ "angle": 90 }));
    put_edits(&admin, &photo, vec![edit("rotate", json!({ "angle": 45 }))])
        .await
        .assert_invalid(
            json!(["edits", 0, "parameters", "angle"]),
            "Angle must be one of the following values: 0, 90, 180, 270",
        );
    put_edits(&admin, &photo, vec![rotate.clone(), rotate.clone()])
        .await
        .assert_invalid(json!(["edits"]), "Duplicate edit actions are not allowed");
    put_edits(&admin, &photo, vec![edit("crop", json!({ "angle": 90 }))])
        .await
        .assert_invalid(
            json!(["edits", 0, "parameters"]),
            "Invalid parameters for action 'crop', expecting keys: x, y, width, height",
        );
    put_edits(
        &admin,
        &photo,
        vec![edit("mirror", json!({ "side": "left" }))],
    )
    .await
    .assert_invalid(
        json!(["edits", 0, "parameters"]),
        "Invalid parameters for action, expected keys by action: crop: [x, y, width, height]; \
             rotate: [angle]; mirror: [axis]",
    );
    put_edits(&admin, &photo, vec![]).await.assert_invalid(
        json!(["edits"]),
        "Too small: expected array to have >=1 items",
    );

    // What needs the asset.
    let crop = |x: u32, y: u32, w: u32, h: u32| {
        edit("crop", json!({ "x": x, "y": y, "width": w, "height": h }))
    };
    put_edits(&admin, &photo, vec![crop(500, 0, 301, 100)])
        .await
        .assert_error(400, "Crop parameters are out of bounds");
    put_edits(&admin, &photo, vec![crop(0, 300, 100, 101)])
        .await
        .assert_error(400, "Crop parameters are out of bounds");
    put_edits(&admin, &photo, vec![rotate.clone(), crop(0, 0, 10, 10)])
        .await
        .assert_error(400, "Crop action must be the first edit action");
    put_edits(&admin, &clip, vec![rotate.clone()])
        .await
        .assert_error(400, "Only images can be edited");
    put_edits(&admin, &gif, vec![rotate.clone()])
        .await
        .assert_error(400, "Editing GIF images is not supported");
    // A crop reaching the picture's very edge is inside it.
    let r = put_edits(&admin, &photo, vec![crop(400, 200, 400, 200)]).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    // Someone else's asset, or none: Immich's access refusals.
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    eve.get(&format!("/api/assets/{photo}/edits"))
        .await
        .assert_error(400, "Not found or no asset.read access");
    put_edits(&eve, &photo, vec![rotate.clone()])
        .await
        .assert_error(400, "Not found or no asset.edit.create access");
    eve.delete(&format!("/api/assets/{photo}/edits"))
        .await
        .assert_error(400, "Not found or no asset.edit.delete access");
    let nobody = "6b0e2d1c-7f3a-4c8e-9a1b-2c3d4e5f6a7b";
    put_edits(&admin, nobody, vec![rotate.clone()])
        .await
        .assert_error(400, "Not found or no asset.edit.create access");
    // API keys need the edit permissions.
    let reader = api_key(&admin, &["asset.read"]).await;
    put_edits(&reader, &photo, vec![rotate.clone()])
        .await
        .assert_error(403, "Missing required permission: asset.edit.create");
    reader
        .get(&format!("/api/assets/{photo}/edits"))
        .await
        .assert_error(403, "Missing required permission: asset.edit.get");
    let editor = api_key(&admin, &["asset.edit.get", "asset.edit.delete"]).await;
    assert_eq!(
        editor
            .get(&format!("/api/assets/{photo}/edits"))
            .await
            .status,
        200
    );
    assert_eq!(
        editor
            .delete(&format!("/api/assets/{photo}/edits"))
            .await
            .status,
        204
    );
    assert_eq!(
        admin
            .get(&format!("/api/assets/{photo}/edits"))
            .await
            .json()["edits"],
        json!([])
    );
}

#[tokio::test]
async fn edited_files_follow_the_edits_and_the_original_stays() {
    let server = Server::start();
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();
    let path = quarters(temp.path());
    let original_bytes = std::fs::read(&path).unwrap();
    let photo = upload_path(&admin, &path).await;
    wait_for_media_jobs(&admin).await;
    let before = admin.get(&format!("/api/assets/{photo}")).await.json();
    assert_eq!(
        (before["width"].as_i64(), before["height"].as_i64()),
        (Some(800), Some(400))
    );
    assert_eq!(before["isEdited"], false);

    // Turned a quarter clockwise: the bottom left (blue) comes to the top left.
    let r = put_edits(&admin, &photo, vec![edit("rotate", json!({ "angle": 90 }))]).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["assetId"], photo.as_str());
    assert_eq!(body["edits"][0]["action"], "rotate");
    assert_eq!(body["edits"][0]["parameters"], json!({ "angle": 90 }));
    assert_eq!(
        admin
            .get(&format!("/api/assets/{photo}/edits"))
            .await
            .json(),
        body
    );
    assert_eq!(
        admin.get(&format!("/api/assets/{photo}")).await.json()["isEdited"],
        true
    );
    let stats = wait_for_queue(&admin, "thumbnailGeneration").await;
    assert_eq!(stats["failed"], 0);
    let asset = admin.get(&format!("/api/assets/{photo}")).await.json();
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(400), Some(800))
    );
    assert_ne!(
        asset["thumbhash"], before["thumbhash"],
        "the thumbhash is the edited one"
    );
    let turned = [BLUE, RED, WHITE, GREEN];
    let thumb = fetch(
        &admin,
        &format!("/api/assets/{photo}/thumbnail?edited=true"),
    )
    .await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.headers["content-type"], "image/webp");
    let thumb = decoded(&thumb.body);
    assert_eq!(thumb.dimensions(), (250, 500));
    assert_corners(&thumb, turned);
    let preview = decoded(
        &fetch(
            &admin,
            &format!("/api/assets/{photo}/thumbnail?size=preview&edited=true"),
        )
        .await
        .body,
    );
    assert_eq!(preview.dimensions(), (400, 800));
    assert_corners(&preview, turned);
    // Without `edited`, Immich serves the unedited files.
    let plain = decoded(
        &fetch(&admin, &format!("/api/assets/{photo}/thumbnail"))
            .await
            .body,
    );
    assert_eq!(plain.dimensions(), (500, 250));
    assert_corners(&plain, [RED, GREEN, BLUE, WHITE]);
    // The edited full size: served as such, and as the original with `edited=true`.
    let full = fetch(
        &admin,
        &format!("/api/assets/{photo}/thumbnail?size=fullsize&edited=true"),
    )
    .await;
    assert_eq!(full.status, 200);
    assert_eq!(decoded(&full.body).dimensions(), (400, 800));
    let edited_original = fetch(&admin, &format!("/api/assets/{photo}/original?edited=true")).await;
    assert_eq!(edited_original.status, 200);
    assert_eq!(edited_original.headers["content-type"], "image/jpeg");
    assert!(
        edited_original.headers["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with("quarters.jpeg"),
        "{:?}",
        edited_original.headers["content-disposition"]
    );
    let full = decoded(&edited_original.body);
    assert_eq!(full.dimensions(), (400, 800));
    assert_corners(&full, turned);
    assert_eq!(
        thumbs_named(&server.data_dir.join("thumbs"), "_edited").len(),
        3,
        "the edited thumbnail, preview and full size"
    );
    // The original is untouched: same bytes, same checksum.
    let original = fetch(&admin, &format!("/api/assets/{photo}/original")).await;
    assert_eq!(sha1_hex(&original.body), sha1_hex(&original_bytes));
    assert_eq!(asset["checksum"], before["checksum"]);
    // A shared link's visitor sees the edited picture, whatever they ask.
    let link = admin
        .post(
            "/api/shared-links",
            json!({ "type": "INDIVIDUAL", "assetIds": [photo], "allowDownload": true }),
        )
        .await
        .json();
    let key = link["key"].as_str().unwrap();
    let guest = Client::new(&server, Cred::None);
    let seen = fetch(&guest, &format!("/api/assets/{photo}/thumbnail?key={key}")).await;
    assert_eq!(decoded(&seen.body).dimensions(), (250, 500));
    // The edited files of an edited asset in an archive, when asked for.
    let zip = admin
        .post(
            "/api/download/archive",
            json!({ "assetIds": [photo], "edited": true }),
        )
        .await;
    assert_eq!(zip.status, 200);
    let jpeg_start = zip
        .body
        .windows(3)
        .position(|w| w == [0xFF, 0xD8, 0xFF])
        .unwrap();
    assert_eq!(
        decoded(&zip.body[jpeg_start..]).dimensions(),
        (400, 800),
        "the zip holds the edited picture (stored, not compressed)"
    );

    // A crop then a mirror: the top left quarter (red), flipped; the whole list is replaced.
    let r = put_edits(
        &admin,
        &photo,
        vec![
            edit(
                "crop",
                json!({ "x": 200, "y": 0, "width": 400, "height": 200 }),
            ),
            edit("mirror", json!({ "axis": "horizontal" })),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        admin
            .get(&format!("/api/assets/{photo}/edits"))
            .await
            .json()["edits"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    wait_for_queue(&admin, "thumbnailGeneration").await;
    let asset = admin.get(&format!("/api/assets/{photo}")).await.json();
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(400), Some(200))
    );
    let preview = decoded(
        &fetch(
            &admin,
            &format!("/api/assets/{photo}/thumbnail?size=preview&edited=true"),
        )
        .await
        .body,
    );
    assert_eq!(preview.dimensions(), (400, 200));
    // The crop is red on its left half and green on its right; mirrored, green comes left.
    assert_corners(&preview, [GREEN, RED, GREEN, RED]);

    // Reset: the unedited files again, the original's size, the edited copies gone.
    let r = admin.delete(&format!("/api/assets/{photo}/edits")).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        admin.get(&format!("/api/assets/{photo}")).await.json()["isEdited"],
        false
    );
    wait_for_queue(&admin, "thumbnailGeneration").await;
    let asset = admin.get(&format!("/api/assets/{photo}")).await.json();
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(800), Some(400))
    );
    assert_eq!(asset["thumbhash"], before["thumbhash"]);
    let thumb = decoded(
        &fetch(
            &admin,
            &format!("/api/assets/{photo}/thumbnail?edited=true"),
        )
        .await
        .body,
    );
    assert_eq!(thumb.dimensions(), (500, 250));
    let original = fetch(&admin, &format!("/api/assets/{photo}/original?edited=true")).await;
    assert_eq!(sha1_hex(&original.body), sha1_hex(&original_bytes));
    let edited_files = thumbs_named(&server.data_dir.join("thumbs"), "_edited");
    assert!(edited_files.is_empty(), "{edited_files:?}");
    // Without edits, an edited full size is the preview's address (as Immich answers).
    let r = fetch(
        &admin,
        &format!("/api/assets/{photo}/thumbnail?size=fullsize&edited=true"),
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.headers["location"],
        format!("/api/assets/{photo}/thumbnail?edited=true&size=preview").as_str()
    );
}

#[tokio::test]
async fn edits_reach_the_phone() {
    let server = Server::start();
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();
    let photo = upload_path(&admin, &quarters(temp.path())).await;
    wait_for_media_jobs(&admin).await;
    let token = match &admin.cred {
        Cred::Bearer(t) => t.clone(),
        _ => unreachable!(),
    };
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    let phone = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let types = json!({ "types": ["AssetsV2", "AssetEditsV1"] });
    let lines = sync(&phone, &server.base, types.clone()).await;
    check_order(&lines);
    assert!(of_kind(&lines, "AssetEditV1").is_empty());
    crate::sync::ack(&phone, &server.base, crate::sync::acks_of(&lines)).await;

    let r = put_edits(
        &admin,
        &photo,
        vec![
            edit("mirror", json!({ "axis": "vertical" })),
            edit("rotate", json!({ "angle": 270 })),
        ],
    )
    .await;
    let made = r.json()["edits"].clone();
    let lines = sync(&phone, &server.base, types.clone()).await;
    check_order(&lines);
    // In cursor order; the app puts them in `sequence` order.
    let mut edits = of_kind(&lines, "AssetEditV1");
    edits.sort_by_key(|l| l.data["sequence"].as_i64());
    assert_eq!(edits.len(), 2, "{:?}", kinds(&lines));
    for (i, line) in edits.iter().enumerate() {
        assert_eq!(line.data["id"], made[i]["id"]);
        assert_eq!(line.data["assetId"], photo.as_str());
        assert_eq!(line.data["action"], made[i]["action"]);
        assert_eq!(line.data["parameters"], made[i]["parameters"]);
        assert_eq!(line.data["sequence"], i);
    }
    // The asset itself says it is edited.
    let assets = of_kind(&lines, "AssetV2");
    assert!(
        assets
            .iter()
            .any(|l| l.data["id"] == photo.as_str() && l.data["isEdited"] == true)
    );
    crate::sync::ack(&phone, &server.base, crate::sync::acks_of(&lines)).await;

    assert_eq!(
        admin
            .delete(&format!("/api/assets/{photo}/edits"))
            .await
            .status,
        204
    );
    let lines = sync(&phone, &server.base, types).await;
    check_order(&lines);
    let deleted: Vec<&Value> = of_kind(&lines, "AssetEditDeleteV1")
        .iter()
        .map(|l| &l.data["editId"])
        .collect();
    assert_eq!(deleted, vec![&made[0]["id"], &made[1]["id"]]);
    assert!(of_kind(&lines, "AssetEditV1").is_empty());
}
