//! Motion photos: the video inside a Pixel's JPEG (Google's XMP container directory, and the
//! older MicroVideo offset) and a Samsung HEIC (its `mpvd` box), each made here from a real
//! photo and a real ffmpeg video as the phones write them, become the still's hidden motion
//! part, byte for byte, as Immich extracts them; one video in two photos is one asset; a
//! directory that lies about the video's length costs nothing else.

use std::path::Path;

use serde_json::Value;
use sha1::{Digest, Sha1};

use crate::common::*;

/// A JPEG with Google's motion-photo XMP (`xmp`, written by exiftool as a whole packet), the
/// video appended after the image.
fn pixel_photo(dir: &Path, name: &str, xmp: &str, video: &[u8]) -> Vec<u8> {
    let photo = dir.join(name);
    std::fs::copy(fixtures().join("nature/prairie_falcon.jpg"), &photo).unwrap();
    let packet = dir.join(format!("{name}.xmp"));
    std::fs::write(
        &packet,
        format!(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
 xmlns:Container="http://ns.google.com/photos/1.0/container/"
 xmlns:Item="http://ns.google.com/photos/1.0/container/item/" {xmp}
</rdf:Description></rdf:RDF></x:xmpmeta>"#
        ),
    )
    .unwrap();
    let status = std::process::Command::new("exiftool")
        .args(["-q", "-overwrite_original"])
        .arg(format!("-xmp<={}", packet.display()))
        .arg(&photo)
        .status()
        .expect("exiftool (installed by scripts/test)");
    assert!(status.success());
    let mut bytes = std::fs::read(&photo).unwrap();
    bytes.extend_from_slice(video);
    bytes
}

fn container(length: usize) -> String {
    format!(
        r#"GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1"><Container:Directory><rdf:Seq>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0"/></rdf:li>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="{length}"/></rdf:li>
</rdf:Seq></Container:Directory>"#
    )
}

fn checksum(bytes: &[u8]) -> String {
    base64_standard(&Sha1::digest(bytes))
}

/// The still's motion part, checked to be a hidden video holding `video`, named `named`.
async fn motion_part(client: &Client, still: &str, video: &[u8], named: Option<&str>) -> String {
    let asset = client.get(&format!("/api/assets/{still}")).await.json();
    let Value::String(motion) = &asset["livePhotoVideoId"] else {
        panic!("no motion part: {asset}")
    };
    let m = client.get(&format!("/api/assets/{motion}")).await.json();
    assert_eq!(m["type"], "VIDEO", "{m}");
    assert_eq!(m["visibility"], "hidden", "{m}");
    assert_eq!(m["checksum"], checksum(video), "{m}");
    if let Some(name) = named {
        assert_eq!(m["originalFileName"], name);
    }
    let original = client.get(&format!("/api/assets/{motion}/original")).await;
    assert_eq!(original.status, 200);
    assert_eq!(original.body, video, "the video byte for byte");
    motion.clone()
}

#[tokio::test]
async fn motion_photos_give_their_video_as_the_motion_part() {
    let dir = tempfile::tempdir().unwrap();
    let video = motion_clip(dir.path());
    let server = Server::start();
    let admin = admin(&server).await;

    let pixel = admin
        .upload_new(
            "PXL_0001.MP.jpg",
            pixel_photo(dir.path(), "pixel.jpg", &container(video.len()), &video),
        )
        .await;
    // The same video in another photo (MicroVideo): the same motion part.
    let micro_xmp = format!(
        r#"GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" GCamera:MicroVideoOffset="{}">"#,
        video.len()
    );
    let micro = admin
        .upload_new(
            "MVIMG_0002.jpg",
            pixel_photo(dir.path(), "micro.jpg", &micro_xmp, &video),
        )
        .await;
    // A Samsung HEIC: the video in a top-level `mpvd` box after the image's boxes. Another
    // video, so that it is a motion part of its own.
    let other = {
        let mut v = video.clone();
        // A free box at the end of the MP4: another file, the same film.
        v.extend_from_slice(&[0, 0, 0, 12, b'f', b'r', b'e', b'e', 1, 2, 3, 4]);
        v
    };
    let mut heic = std::fs::read(fixtures().join("formats/heic/IMG_2682.heic")).unwrap();
    heic.extend_from_slice(&((8 + other.len()) as u32).to_be_bytes());
    heic.extend_from_slice(b"mpvd");
    heic.extend_from_slice(&other);
    let samsung = admin.upload_new("20240601_120000.heic", heic).await;
    // A directory that says the video is longer than the file: no motion part, and the photo's
    // own metadata is read all the same.
    let liar = admin
        .upload_new(
            "PXL_0003.MP.jpg",
            pixel_photo(dir.path(), "liar.jpg", &container(10_000_000), &video),
        )
        .await;
    let (metadata, _) = wait_for_media_jobs(&admin).await;
    assert_eq!(metadata["failed"], 0, "{metadata}");

    // Named after the still that gave it first (either of the two).
    let from_pixel = motion_part(&admin, &pixel, &video, None).await;
    let from_micro = motion_part(&admin, &micro, &video, None).await;
    assert_eq!(from_pixel, from_micro, "one video, one asset");
    let from_samsung = motion_part(&admin, &samsung, &other, Some("20240601_120000.mp4")).await;
    assert_ne!(from_samsung, from_pixel);

    let asset = admin.get(&format!("/api/assets/{liar}")).await.json();
    assert_eq!(asset["livePhotoVideoId"], Value::Null);
    assert_eq!(asset["exifInfo"]["make"], "Canon", "{asset}");

    // The motion parts are not on the timeline: four photos, no videos.
    assert_eq!(
        admin.get("/api/assets/statistics").await.json(),
        serde_json::json!({"images": 4, "videos": 0, "total": 4})
    );
    // Reading the metadata again finds the same parts, and makes no new ones.
    let r = admin
        .put(
            "/api/jobs/metadataExtraction",
            serde_json::json!({"command": "start", "force": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    wait_for_media_jobs(&admin).await;
    assert_eq!(motion_part(&admin, &pixel, &video, None).await, from_pixel);
    assert_eq!(
        motion_part(&admin, &samsung, &other, None).await,
        from_samsung
    );
}
