// The web UI in Debian's Chromium, driven by playwright-core (tests/compat/web-check.mjs), against
// the real server. Screenshots of every step are kept in target/web-screenshots/.

use crate::common::*;
use crate::compat_support::{compat_dir, ensure_installed, one_browser_at_a_time, run_node};

#[test]
fn web_ui_sign_up_upload_timeline_and_viewer() {
    ensure_installed();
    let geodata = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", geodata.to_str().unwrap())]);
    let root = repo_root();
    let script = root.join("tests/compat/web-check.mjs");
    let shots = root.join("target/web-screenshots");
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
    let compat = compat_dir();
    let mut args = vec![
        script.to_str().unwrap().to_string(),
        server.base.clone(),
        compat.to_str().unwrap().to_string(),
        shots.to_str().unwrap().to_string(),
        video.to_str().unwrap().to_string(),
        extra.to_str().unwrap().to_string(),
        elsewhere.to_str().unwrap().to_string(),
    ];
    args.extend(photos);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let browser = one_browser_at_a_time();
    let run = run_node(&args, &root, &[]);
    drop(browser);
    assert!(
        run.status.success() && run.stdout.contains(" passed, 0 failed"),
        "web-check.mjs failed\n{}\n--- server log\n{}",
        run.transcript(),
        server.log()
    );
}

#[tokio::test]
async fn web_ui_timeline_of_thousands_scrubber_and_viewer_across_months() {
    ensure_installed();
    let mut server = Server::start();
    let admin = admin(&server).await;
    let owner = user_id(&admin).await;
    server.stop();
    fill_catalog(&server.data_dir.join("ferrotype.db"), &owner, 3_000, false);
    server.restart();
    let root = repo_root();
    let script = root.join("tests/compat/web-grid.mjs");
    let shots = root.join("target/web-screenshots-grid");
    let compat = compat_dir();
    let browser = one_browser_at_a_time();
    let run = run_node(
        &[
            script.to_str().unwrap(),
            &server.base,
            compat.to_str().unwrap(),
            shots.to_str().unwrap(),
        ],
        &root,
        &[],
    );
    drop(browser);
    assert!(
        run.status.success() && run.stdout.contains(" passed, 0 failed"),
        "web-grid.mjs failed\n{}\n--- server log\n{}",
        run.transcript(),
        server.log()
    );
}

/// Every page at a desktop's and a phone's size, light and dark (tests/compat/web-walk.mjs): no
/// horizontal overflow, no tappable element under 44x44 px on the phone, a focus ring on all
/// the keyboard reaches, no console errors, no serious accessibility violation (axe-core).
/// Screenshots of every page in target/web-screenshots-walk/.
#[test]
fn web_ui_walk_every_page_phone_and_desktop_light_and_dark_accessible() {
    ensure_installed();
    let server = Server::start();
    let root = repo_root();
    let script = root.join("tests/compat/web-walk.mjs");
    let shots = root.join("target/web-screenshots-walk");
    let compat = compat_dir();
    let mut args = vec![
        script.to_str().unwrap().to_string(),
        server.base.clone(),
        compat.to_str().unwrap().to_string(),
        shots.to_str().unwrap().to_string(),
    ];
    // A favourite, an archived one, a trashed one, one in the album (and shared), one more.
    args.extend(
        [
            "nature/prairie_falcon.jpg",
            "metadata/gps-position/thompson-springs.jpg",
            "nature/tanners_ridge.jpg",
            "nature/wood_anemones.jpg",
            "nature/silver_fir.jpg",
        ]
        .iter()
        .map(|p| fixtures().join(p).to_string_lossy().into_owned()),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let browser = one_browser_at_a_time();
    let run = run_node(&args, &root, &[]);
    drop(browser);
    assert!(
        run.status.success() && run.stdout.contains(" passed, 0 failed"),
        "web-walk.mjs failed\n{}\n--- server log\n{}",
        run.transcript(),
        server.log()
    );
}
