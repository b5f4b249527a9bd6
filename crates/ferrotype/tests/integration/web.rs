// The web UI in Debian's Chromium, driven by playwright-core (the scripts in tests/compat/),
// against the real server. Screenshots of every step are kept in target/<script's folder>/.

use crate::common::*;
use crate::compat_support::{compat_dir, ensure_installed, one_browser_at_a_time, run_node};
use serde_json::json;

/// Runs the browser script `tests/compat/<script>` against `server` with `args` after the
/// common ones (base URL, node packages, screenshot folder `target/<shots>`), one browser at a
/// time; fails with its transcript and the server's log unless every step passed.
fn run_browser_script(script: &str, server: &Server, shots: &str, args: &[&str]) {
    ensure_installed();
    let root = repo_root();
    let path = root.join("tests/compat").join(script);
    let shots = root.join("target").join(shots);
    let compat = compat_dir();
    let mut all = vec![
        path.to_str().unwrap(),
        server.base.as_str(),
        compat.to_str().unwrap(),
        shots.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let browser = one_browser_at_a_time();
    let run = run_node(&all, &root, &[]);
    drop(browser);
    assert!(
        run.status.success() && run.stdout.contains(" passed, 0 failed"),
        "{script} failed\n{}\n--- server log\n{}",
        run.transcript(),
        server.log()
    );
}

#[test]
fn web_ui_sign_up_upload_timeline_and_viewer() {
    let geodata = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", geodata.to_str().unwrap())]);
    let photos: Vec<String> = [
        "nature/prairie_falcon.jpg",
        "nature/tanners_ridge.jpg",
        "metadata/gps-position/thompson-springs.jpg",
    ]
    .iter()
    .map(|p| fixtures().join(p).to_string_lossy().into_owned())
    .collect();
    // A two-second H.264 clip, as phones record, made by Debian's ffmpeg.
    let temp = tempfile::tempdir().unwrap();
    let video = temp.path().join("clip.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-f", "lavfi", "-i"])
        .arg("testsrc=duration=2:size=320x240:rate=25")
        .args(["-pix_fmt", "yuv420p", "-c:v", "libx264"])
        .arg(&video)
        .status()
        .expect("ffmpeg");
    assert!(made.success(), "ffmpeg made the clip");
    let extra = fixtures().join("nature/wood_anemones.jpg");
    // Uploaded through the API while the timeline is open: it shows up by the live events.
    let elsewhere = fixtures().join("nature/silver_fir.jpg");
    let mut args = vec![
        video.to_str().unwrap().to_string(),
        extra.to_str().unwrap().to_string(),
        elsewhere.to_str().unwrap().to_string(),
    ];
    args.extend(photos);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_browser_script("web-check.mjs", &server, "web-screenshots", &args);
}

#[tokio::test]
async fn web_ui_timeline_of_thousands_scrubber_and_viewer_across_months() {
    let mut server = Server::start();
    let admin = admin(&server).await;
    let owner = user_id(&admin).await;
    welcomed(&admin).await;
    server.stop();
    fill_catalog(&server.data_dir.join("ferrotype.db"), &owner, 3_000, false);
    server.restart();
    run_browser_script("web-grid.mjs", &server, "web-screenshots-grid", &[]);
}

/// The viewer (tests/compat/web-viewer.mjs): each toolbar action and shortcut, checked on the
/// server's state; the details edited and shown again after a reload; the details as a column
/// (1440x900) and a bottom sheet (390x844); the actions of someone else's photo and of a shared
/// link's visitor.
#[tokio::test]
async fn web_ui_viewer_actions_shortcuts_and_details() {
    let geodata = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", geodata.to_str().unwrap())]);
    let admin = admin(&server).await;
    welcomed(&admin).await;
    let mut mine = Vec::new();
    for name in [
        "nature/cyclamen_persicum.jpg",
        "nature/el_torcal_rocks.jpg",
        "nature/notocactus_minimus.jpg",
        "nature/orychophragmus_violaceus.jpg",
        "nature/polemonium_reptans.jpg",
        "nature/prairie_falcon.jpg",
        "nature/tanners_ridge.jpg",
        "nature/wood_anemones.jpg",
    ] {
        mine.push(upload_path(&admin, &fixtures().join(name)).await);
    }
    // Someone else's photo, in their album shared with the admin as a viewer.
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let bobs = upload_path(&bob, &fixtures().join("nature/silver_fir.jpg")).await;
    let admin_id = user_id(&admin).await;
    let album = bob
        .post(
            "/api/albums",
            json!({"albumName": "Bob's trip", "assetIds": [bobs],
                   "albumUsers": [{"userId": admin_id, "role": "viewer"}]}),
        )
        .await;
    assert_eq!(
        album.status,
        201,
        "{}",
        String::from_utf8_lossy(&album.body)
    );
    // A link to one of the admin's photos that allows downloads.
    let link = admin
        .post(
            "/api/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [mine[7]], "allowDownload": true}),
        )
        .await;
    assert_eq!(link.status, 201, "{}", String::from_utf8_lossy(&link.body));
    wait_for_media_jobs(&admin).await;
    let setup = json!({
        "album": album.json()["id"],
        "linkKey": link.json()["key"],
        "bobs": bobs,
    })
    .to_string();
    run_browser_script(
        "web-viewer.mjs",
        &server,
        "web-screenshots-viewer",
        &[&setup],
    );
}

/// The account page, the welcome after the first sign-up and the admin's users
/// (tests/compat/web-account.mjs); screenshots in target/web-screenshots-account/.
#[test]
fn web_ui_account_onboarding_and_admin_users() {
    let server = Server::start();
    let photo = fixtures().join("nature/prairie_falcon.jpg");
    run_browser_script(
        "web-account.mjs",
        &server,
        "web-screenshots-account",
        &[photo.to_str().unwrap()],
    );
}

/// Every page at a desktop's and a phone's size, light and dark (tests/compat/web-walk.mjs): no
/// horizontal overflow, no tappable element under 44x44 px on the phone, a focus ring on all
/// the keyboard reaches, no console errors, no serious accessibility violation (axe-core).
/// Screenshots of every page in target/web-screenshots-walk/.
#[test]
fn web_ui_walk_every_page_phone_and_desktop_light_and_dark_accessible() {
    let server = Server::start();
    // A favourite, an archived one, a trashed one, one in the album (and shared), one more.
    let photos: Vec<String> = [
        "nature/prairie_falcon.jpg",
        "metadata/gps-position/thompson-springs.jpg",
        "nature/tanners_ridge.jpg",
        "nature/wood_anemones.jpg",
        "nature/silver_fir.jpg",
    ]
    .iter()
    .map(|p| fixtures().join(p).to_string_lossy().into_owned())
    .collect();
    let args: Vec<&str> = photos.iter().map(String::as_str).collect();
    run_browser_script("web-walk.mjs", &server, "web-screenshots-walk", &args);
}

/// The memory lane and viewer (tests/compat/web-memories.mjs): photos dated to this day in
/// earlier years become "N years ago" cards above the photos (the `memory-create` job), a card
/// opens its memory full screen, Next and Previous step through it into the next memory, and
/// closing leaves the memories seen. Screenshots in target/web-screenshots-memories/.
#[tokio::test]
async fn web_ui_memory_lane_opens_a_memory() {
    use chrono::Datelike;
    let server = Server::start();
    let admin = admin(&server).await;
    welcomed(&admin).await;
    let mut photos = Vec::new();
    for name in [
        "nature/prairie_falcon.jpg",
        "nature/tanners_ridge.jpg",
        "nature/silver_fir.jpg",
    ] {
        photos.push(upload_path(&admin, &fixtures().join(name)).await);
    }
    wait_for_media_jobs(&admin).await;
    // Taken on this day 1 year ago (two photos) and 4 years ago (one), by the UTC day the job
    // and the browser both use here.
    let today = chrono::Utc::now().date_naive();
    let on = |years: i32, hour: u32| {
        let year = today.year() - years;
        format!(
            "{year}-{:02}-{:02}T{hour:02}:00:00.000Z",
            today.month(),
            today.day()
        )
    };
    let one_year = if today.month() == 2 && today.day() == 29 {
        4
    } else {
        1
    };
    for (photo, taken) in [
        (&photos[0], on(one_year, 9)),
        (&photos[1], on(one_year, 10)),
        (&photos[2], on(8, 11)),
    ] {
        let r = admin
            .put(
                &format!("/api/assets/{photo}"),
                json!({ "dateTimeOriginal": taken }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    let r = admin
        .post("/api/jobs", json!({"name": "memory-create"}))
        .await;
    assert_eq!(r.status, 204);
    wait_for_queue(&admin, "backgroundTask").await;
    let memories = admin
        .get(&format!("/api/memories?for={today}"))
        .await
        .json();
    let memories: Vec<_> = memories
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let years = today.year() - m["data"]["year"].as_i64().unwrap() as i32;
            json!({
                "id": m["id"],
                "title": if years == 1 { "1 year ago".to_string() } else { format!("{years} years ago") },
                "assets": m["assets"].as_array().unwrap().iter().map(|a| a["id"].clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    assert_eq!(memories.len(), 2, "{memories:?}");
    let setup = json!({ "memories": memories }).to_string();
    run_browser_script(
        "web-memories.mjs",
        &server,
        "web-screenshots-memories",
        &[&setup],
    );
}

/// Search, explore, tags and folders (tests/compat/web-find.mjs): a search by file name from the
/// header and a camera filter narrowing it, paging, Back; explore's card of the city of a
/// geotagged fixture (four more photos placed there by the API, as explore shows a city from
/// five photos) opening its search; tags made and put on a photo from the selection bar, shown
/// in the viewer's details and on the tags page, recoloured and deleted; the folders of the
/// uploads and a folder's photos. Screenshots in target/web-screenshots-find/.
#[tokio::test]
async fn web_ui_search_explore_tags_and_folders() {
    let geodata = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", geodata.to_str().unwrap())]);
    let admin = admin(&server).await;
    welcomed(&admin).await;
    let springs = upload_path(
        &admin,
        &fixtures().join("metadata/gps-position/thompson-springs.jpg"),
    )
    .await;
    let mut others = Vec::new();
    for name in [
        "nature/prairie_falcon.jpg",
        "nature/tanners_ridge.jpg",
        "nature/wood_anemones.jpg",
        "nature/silver_fir.jpg",
    ] {
        others.push(upload_path(&admin, &fixtures().join(name)).await);
    }
    wait_for_media_jobs(&admin).await;
    let exif = admin.get(&format!("/api/assets/{springs}")).await.json()["exifInfo"].clone();
    let city = exif["city"]
        .as_str()
        .expect("the fixture's city")
        .to_string();
    let r = admin
        .put(
            "/api/assets",
            json!({"ids": others, "latitude": exif["latitude"], "longitude": exif["longitude"]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let setup = json!({"city": city, "falcon": others[0]}).to_string();
    run_browser_script("web-find.mjs", &server, "web-screenshots-find", &[&setup]);
}

/// The photo editor (tests/compat/web-editor.mjs): rotate and save turns the grid's thumbnail
/// and the viewer's photo upright; a crop dragged on the canvas; Reset. Screenshots in
/// target/web-screenshots-editor/.
#[tokio::test]
async fn web_ui_editor_rotates_crops_and_resets() {
    let server = Server::start();
    let admin = admin(&server).await;
    welcomed(&admin).await;
    let temp = tempfile::tempdir().unwrap();
    // 800 x 400, lying: its left half red, its right half blue.
    let path = temp.path().join("lying.jpg");
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(800, 400, |x, _| {
        image::Rgb(if x < 400 {
            [220, 30, 30]
        } else {
            [30, 30, 220]
        })
    }))
    .save(&path)
    .unwrap();
    let id = upload_path(&admin, &path).await;
    wait_for_media_jobs(&admin).await;
    run_browser_script("web-editor.mjs", &server, "web-screenshots-editor", &[&id]);
}
