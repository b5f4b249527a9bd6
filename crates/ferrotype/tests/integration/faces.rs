//! Faces (`/faces`) and what they make of people: a face drawn on an asset, its person's
//! thumbnail cut from the preview (decoded here: the crop's size and its colour), announced by
//! `on_person_thumbnail` to the real socket.io client; every refusal with Immich's status and
//! text (other users' assets, people and faces, unknown ids, invalid boxes and bodies, API keys
//! without the permission); reassigning, feature faces, soft and hard deletes; on SQLite and on
//! PostgreSQL.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;
use crate::compat_support::{ensure_installed, open_sockets};
use crate::events::{bearer, expect_event, socket, token};
use crate::sync::{ack, acks_of, authed, check_order, kinds, of_kind, sync};

const MISSING: &str = "4f1b2b4e-8c1e-4d55-9b1a-0d6f1c2b3a4d";
const RED: [u8; 3] = [220, 30, 30];
const BLUE: [u8; 3] = [30, 30, 220];

on_both_backends!(
    faces_refuse_what_immich_refuses,
    faces_are_drawn_reassigned_and_deleted,
    a_face_makes_its_persons_thumbnail,
    people_are_counted_merged_and_reassigned,
    faces_reach_the_phone,
    assets_are_found_by_their_people,
    faces_follow_an_assets_edits,
);

/// A 1000 x 600 JPEG, blue but for a red block over (370..530, 180..340): where the face of
/// `draw_face` is cut from, its 10% margin included.
fn picture(seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(1000, 600, |x, y| {
        let inside = (370..530).contains(&x) && (180..340).contains(&y);
        let mut px = if inside { RED } else { BLUE };
        // A different file per seed (not a duplicate upload).
        px[1] = px[1].wrapping_add(seed);
        image::Rgb(px)
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

struct Setup {
    server: Server,
    admin: Client,
    ann: Client,
    bob: Client,
}

async fn setup(backend: Backend) -> Setup {
    let server = backend.server().await;
    let (admin, [ann, bob]) = admin_and_users(&server, ["Ann", "Bob"]).await;
    Setup {
        server,
        admin,
        ann,
        bob,
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn person(client: &Client, name: &str) -> String {
    let r = client.post("/api/people", json!({ "name": name })).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    id(&r.json())
}

/// A face drawn on a 500 x 300 copy of the picture: (200, 100), 50 x 60.
fn face_body(asset: &str, person: &str) -> Value {
    json!({
        "assetId": asset, "personId": person,
        "imageWidth": 500, "imageHeight": 300,
        "x": 200, "y": 100, "width": 50, "height": 60,
    })
}

async fn draw_face(client: &Client, asset: &str, person: &str) {
    let r = client.post("/api/faces", face_body(asset, person)).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.body.is_empty(), "Immich answers no body");
}

async fn faces_of(client: &Client, asset: &str) -> Vec<Value> {
    let r = client.get(&format!("/api/faces?id={asset}")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json().as_array().unwrap().clone()
}

/// Waits until the person's thumbnail is recorded (the job runs in the background).
async fn thumbnail_path(client: &Client, person: &str) -> String {
    for _ in 0..300 {
        let p = client.get(&format!("/api/people/{person}")).await.json();
        if let Some(path) = p["thumbnailPath"].as_str()
            && !path.is_empty()
        {
            return path.to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("person {person} never got a thumbnail");
}

/// Waits until socket `label` has heard `on_person_thumbnail` for the person `count` times
/// (each thumbnail made announces itself once).
fn thumbnail_events(
    script: &mut crate::compat_support::LiveNode,
    label: &str,
    person: &str,
    count: usize,
) {
    let line = format!("EVENT {label} on_person_thumbnail [\"{person}\"]");
    script.wait_until(
        &format!("{count} times {line}"),
        Duration::from_secs(30),
        |lines| lines.iter().filter(|l| **l == line).count() >= count,
    );
}

async fn faces_refuse_what_immich_refuses(backend: Backend) {
    let s = setup(backend).await;
    let anon = Client::new(&s.server, Cred::None);
    let photo = s.ann.upload_new("ann.jpg", picture(1)).await;
    let bobs_photo = s.bob.upload_new("bob.jpg", picture(2)).await;
    let alice = person(&s.ann, "Alice").await;
    let bobs_person = person(&s.bob, "Bob's").await;
    draw_face(&s.ann, &photo, &alice).await;
    draw_face(&s.bob, &bobs_photo, &bobs_person).await;
    let face = id(&faces_of(&s.ann, &photo).await[0]);
    let bobs_face = id(&faces_of(&s.bob, &bobs_photo).await[0]);

    // No credential; an API key without the route's permission.
    let routes = vec![
        (
            Method::GET,
            format!("/api/faces?id={photo}"),
            json!({}),
            "face.read",
        ),
        (
            Method::POST,
            "/api/faces".to_string(),
            face_body(&photo, &alice),
            "face.create",
        ),
        (
            Method::PUT,
            format!("/api/faces/{alice}"),
            json!({ "id": face }),
            "face.update",
        ),
        (
            Method::DELETE,
            format!("/api/faces/{face}"),
            json!({ "force": false }),
            "face.delete",
        ),
        (
            Method::GET,
            format!("/api/people/{alice}/thumbnail"),
            json!({}),
            "person.read",
        ),
    ];
    let reader = api_key(&s.ann, &["asset.read"]).await;
    for (method, path, body, permission) in routes {
        anon.send_json(method.clone(), &path, body.clone())
            .await
            .assert_error(401, "Authentication required");
        reader
            .send_json(method, &path, body)
            .await
            .assert_error(403, &format!("Missing required permission: {permission}"));
    }
    let key = api_key(&s.ann, &["face.read", "face.create"]).await;
    assert_eq!(faces_of(&key, &photo).await.len(), 1);
    draw_face(&key, &photo, &alice).await;

    // POST /faces: the asset must be the caller's to change, the person the caller's to read.
    for asset in [bobs_photo.as_str(), MISSING] {
        s.ann
            .post("/api/faces", face_body(asset, &alice))
            .await
            .assert_error(400, "Not found or no asset.update access");
    }
    for someone in [bobs_person.as_str(), MISSING] {
        s.ann
            .post("/api/faces", face_body(&photo, someone))
            .await
            .assert_error(400, "Not found or no person.read access");
    }
    // Another user's asset in a shared album is still not the caller's to change.
    let album = s
        .bob
        .post(
            "/api/albums",
            json!({"albumName": "Shared", "assetIds": [bobs_photo],
                   "albumUsers": [{"userId": user_id(&s.ann).await, "role": "editor"}]}),
        )
        .await;
    assert_eq!(
        album.status,
        201,
        "{}",
        String::from_utf8_lossy(&album.body)
    );
    s.ann
        .post("/api/faces", face_body(&bobs_photo, &alice))
        .await
        .assert_error(400, "Not found or no asset.update access");
    // ... but its faces may be read, without Bob's people.
    let shared = faces_of(&s.ann, &bobs_photo).await;
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0]["person"], Value::Null);
    assert_eq!(
        faces_of(&s.bob, &bobs_photo).await[0]["person"]["id"],
        bobs_person.as_str()
    );
    // Nor its people: those are the owner's to see.
    let shown = s.ann.get(&format!("/api/assets/{bobs_photo}")).await.json();
    assert_eq!(shown["people"], json!([]));
    let shown = s.bob.get(&format!("/api/assets/{bobs_photo}")).await.json();
    assert_eq!(shown["people"][0]["id"], bobs_person.as_str());

    // Invalid boxes and bodies, in Immich's words.
    let mut fractional = face_body(&photo, &alice);
    fractional["x"] = json!(10.5);
    s.ann
        .post("/api/faces", fractional)
        .await
        .assert_invalid(json!(["x"]), "Invalid input: expected int, received number");
    let mut text = face_body(&photo, &alice);
    text["width"] = json!("50");
    s.ann.post("/api/faces", text).await.assert_invalid(
        json!(["width"]),
        "Invalid input: expected number, received string",
    );
    let mut missing = face_body(&photo, &alice);
    missing.as_object_mut().unwrap().remove("imageHeight");
    s.ann.post("/api/faces", missing).await.assert_invalid(
        json!(["imageHeight"]),
        "Invalid input: expected number, received undefined",
    );
    let mut bad_id = face_body(&photo, &alice);
    bad_id["assetId"] = json!("nope");
    s.ann
        .post("/api/faces", bad_id)
        .await
        .assert_invalid(json!(["assetId"]), "Invalid UUID");
    s.ann.get("/api/faces").await.assert_invalid(
        json!(["id"]),
        "Invalid input: expected string, received undefined",
    );
    s.ann
        .get("/api/faces?id=nope")
        .await
        .assert_invalid(json!(["id"]), "Invalid UUID");
    s.ann
        .put("/api/faces/nope", json!({ "id": face }))
        .await
        .assert_invalid(json!(["id"]), "Invalid UUID");
    s.ann
        .put(&format!("/api/faces/{alice}"), json!({}))
        .await
        .assert_invalid(
            json!(["id"]),
            "Invalid input: expected string, received undefined",
        );
    s.ann
        .send_json(Method::DELETE, &format!("/api/faces/{face}"), json!({}))
        .await
        .assert_invalid(
            json!(["force"]),
            "Invalid input: expected boolean, received undefined",
        );

    // GET /faces: an asset the caller cannot read.
    let r = s
        .admin
        .post(
            "/api/admin/users",
            json!({"email": "carol@example.com", "password": "password-1234", "name": "Carol"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let carol = login(&s.server, "carol@example.com", "password-1234").await;
    for asset in [photo.as_str(), MISSING] {
        carol
            .get(&format!("/api/faces?id={asset}"))
            .await
            .assert_error(400, "Not found or no asset.read access");
    }

    // PUT /faces/{person}: the person the caller's to change, the face on the caller's asset.
    for someone in [bobs_person.as_str(), MISSING] {
        s.ann
            .put(&format!("/api/faces/{someone}"), json!({ "id": face }))
            .await
            .assert_error(400, "Not found or no person.update access");
    }
    for other in [bobs_face.as_str(), MISSING] {
        s.ann
            .put(&format!("/api/faces/{alice}"), json!({ "id": other }))
            .await
            .assert_error(400, "Not found or no person.create access");
    }

    // DELETE /faces/{id}: a face on the caller's asset.
    for other in [bobs_face.as_str(), MISSING] {
        s.ann
            .send_json(
                Method::DELETE,
                &format!("/api/faces/{other}"),
                json!({ "force": true }),
            )
            .await
            .assert_error(400, "Not found or no face.delete access");
    }
    assert_eq!(faces_of(&s.bob, &bobs_photo).await.len(), 1, "untouched");

    // A face on an asset in the trash is out of reach.
    let r = s
        .ann
        .send_json(Method::DELETE, "/api/assets", json!({ "ids": [photo] }))
        .await;
    assert_eq!(r.status, 204);
    s.ann
        .send_json(
            Method::DELETE,
            &format!("/api/faces/{face}"),
            json!({ "force": true }),
        )
        .await
        .assert_error(400, "Not found or no face.delete access");

    // The thumbnail: another user's person, a missing one, one without a thumbnail.
    for someone in [bobs_person.as_str(), MISSING] {
        s.ann
            .get(&format!("/api/people/{someone}/thumbnail"))
            .await
            .assert_error(400, "Not found or no person.read access");
    }
    let nobody = person(&s.ann, "Nobody").await;
    s.ann
        .get(&format!("/api/people/{nobody}/thumbnail"))
        .await
        .assert_error(404, "Not Found");
    // The feature face: an asset without a face of the person.
    let other_photo = s.ann.upload_new("other.jpg", picture(3)).await;
    s.ann
        .put(
            &format!("/api/people/{nobody}"),
            json!({ "featureFaceAssetId": other_photo }),
        )
        .await
        .assert_error(400, "Invalid assetId for feature face or asset is offline");
}

async fn faces_are_drawn_reassigned_and_deleted(backend: Backend) {
    let s = setup(backend).await;
    let photo = s.ann.upload_new("ann.jpg", picture(1)).await;
    let alice = person(&s.ann, "Alice").await;
    let bea = person(&s.ann, "Bea").await;
    assert!(faces_of(&s.ann, &photo).await.is_empty());

    // Drawn, and read back as drawn, with the person.
    draw_face(&s.ann, &photo, &alice).await;
    let faces = faces_of(&s.ann, &photo).await;
    assert_eq!(faces.len(), 1);
    let face = &faces[0];
    assert_eq!(face["imageWidth"], 500);
    assert_eq!(face["imageHeight"], 300);
    assert_eq!(face["boundingBoxX1"], 200);
    assert_eq!(face["boundingBoxY1"], 100);
    assert_eq!(face["boundingBoxX2"], 250);
    assert_eq!(face["boundingBoxY2"], 160);
    assert_eq!(face["sourceType"], "manual");
    assert_eq!(face["person"]["id"], alice.as_str());
    assert_eq!(face["person"]["name"], "Alice");
    let alice_face = id(face);

    // A second face, further left, listed first.
    let r = s
        .ann
        .post(
            "/api/faces",
            json!({"assetId": photo, "personId": bea, "imageWidth": 1000, "imageHeight": 600,
                   "x": 10, "y": 20, "width": 100, "height": 120}),
        )
        .await;
    assert_eq!(r.status, 201);
    let faces = faces_of(&s.ann, &photo).await;
    assert_eq!(faces.len(), 2);
    assert_eq!(faces[0]["person"]["id"], bea.as_str());
    assert_eq!(faces[0]["boundingBoxX2"], 110);
    assert_eq!(faces[0]["boundingBoxY2"], 140);
    assert_eq!(faces[1]["id"], alice_face.as_str());
    let bea_face = id(&faces[0]);
    // The asset's people: each once, from left to right, as GET /people/{id} shows them.
    let people = |asset: Value| asset["people"].as_array().unwrap().clone();
    let bea_now = s.ann.get(&format!("/api/people/{bea}")).await.json();
    let alice_now = s.ann.get(&format!("/api/people/{alice}")).await.json();
    let asset = s.ann.get(&format!("/api/assets/{photo}")).await.json();
    assert_eq!(people(asset), vec![bea_now.clone(), alice_now.clone()]);
    let r = s
        .ann
        .put(&format!("/api/assets/{photo}"), json!({"isFavorite": true}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(people(r.json()), vec![bea_now, alice_now]);

    // Reassigned: the face goes to the person of the path, who is answered.
    let r = s
        .ann
        .put(&format!("/api/faces/{bea}"), json!({ "id": alice_face }))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["id"], bea.as_str());
    assert_eq!(r.json()["name"], "Bea");
    let faces = faces_of(&s.ann, &photo).await;
    assert!(faces.iter().all(|f| f["person"]["id"] == bea.as_str()));

    // Deleted softly: shown no more, and may be deleted again; then for good.
    let r = s
        .ann
        .send_json(
            Method::DELETE,
            &format!("/api/faces/{bea_face}"),
            json!({ "force": false }),
        )
        .await;
    assert_eq!(r.status, 204);
    let faces = faces_of(&s.ann, &photo).await;
    assert_eq!(faces.len(), 1);
    assert_eq!(faces[0]["id"], alice_face.as_str());
    for force in [false, true] {
        let r = s
            .ann
            .send_json(
                Method::DELETE,
                &format!("/api/faces/{bea_face}"),
                json!({ "force": force }),
            )
            .await;
        assert_eq!(r.status, 204);
    }
    s.ann
        .send_json(
            Method::DELETE,
            &format!("/api/faces/{bea_face}"),
            json!({ "force": true }),
        )
        .await
        .assert_error(400, "Not found or no face.delete access");
    // A soft-deleted face cannot be reassigned.
    let r = s
        .ann
        .send_json(
            Method::DELETE,
            &format!("/api/faces/{alice_face}"),
            json!({ "force": false }),
        )
        .await;
    assert_eq!(r.status, 204);
    s.ann
        .put(&format!("/api/faces/{alice}"), json!({ "id": alice_face }))
        .await
        .assert_error(400, "Not found or no person.create access");
    assert!(faces_of(&s.ann, &photo).await.is_empty());

    // GET /people: an unnamed person is listed with the owner's minimumFaces faces (3 unless
    // changed); counted with one.
    let unnamed = id(&s.ann.post("/api/people", json!({})).await.json());
    draw_face(&s.ann, &photo, &unnamed).await;
    let listed = |list: Value| {
        list["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(id)
            .collect::<Vec<_>>()
    };
    let people = s.ann.get("/api/people").await.json();
    assert!(!listed(people.clone()).contains(&unnamed));
    assert_eq!(people["total"], 1, "{people}");
    let r = s
        .ann
        .put(
            "/api/users/me/preferences",
            json!({"people": {"minimumFaces": 1}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let people = s.ann.get("/api/people").await.json();
    assert_eq!(listed(people), vec![unnamed]);
    let _ = (s.admin, s.bob);
}

async fn a_face_makes_its_persons_thumbnail(backend: Backend) {
    ensure_installed();
    let s = setup(backend).await;
    let base = s.server.base.clone();
    let plans = json!([
        socket("ann", "websocket", bearer(&token(&s.ann))),
        socket("bob", "websocket", bearer(&token(&s.bob))),
    ]);
    let mut script = open_sockets(&base, &plans, Duration::from_secs(30));
    for label in ["ann", "bob"] {
        let line = format!("CONNECTED {label} websocket");
        script.wait_for(&line, Duration::from_secs(30), |l| l == line);
    }
    let photo = s.ann.upload_new("ann.jpg", picture(1)).await;
    wait_for_media_jobs(&s.admin).await;
    // The preview is the picture itself (smaller than the preview size): the face is cut from
    // a 1000 x 600 picture.
    let preview = s
        .ann
        .get(&format!("/api/assets/{photo}/thumbnail?size=preview"))
        .await;
    assert_eq!(preview.status, 200);
    let preview = image::load_from_memory(&preview.body).unwrap();
    assert_eq!((preview.width(), preview.height()), (1000, 600));

    // The person's first face: their feature face, and their thumbnail, announced to Ann only.
    let alice = person(&s.ann, "Alice").await;
    draw_face(&s.ann, &photo, &alice).await;
    let wanted = json!([alice]);
    assert_eq!(
        expect_event(&mut script, "ann", "on_person_thumbnail", |a| a == &wanted),
        wanted
    );
    let path = thumbnail_path(&s.ann, &alice).await;
    assert!(path.ends_with(&format!("{alice}.jpeg")), "{path}");
    let r = s.ann.get(&format!("/api/people/{alice}/thumbnail")).await;
    assert_eq!(r.status, 200);
    let header = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("content-type"), Some("image/jpeg"));
    assert_eq!(
        header("cache-control"),
        Some("private, no-cache, no-transform")
    );
    // The box (200,100)-(250,160) of 500 x 300 is (400,200)-(500,320) on the preview: about
    // (450, 260), 60 px from the middle to the top, widened by a tenth to 66: a 132 px square
    // from (384, 194), all red.
    let thumb = image::load_from_memory(&r.body).unwrap().into_rgb8();
    assert_eq!(thumb.dimensions(), (132, 132));
    for (x, y) in [(2, 2), (129, 2), (2, 129), (129, 129), (66, 66)] {
        let px = thumb.get_pixel(x, y).0;
        assert!(
            px[0] > 180 && px[2] < 80,
            "({x}, {y}) is {px:?}: the crop left the face"
        );
    }

    // A feature face chosen by hand makes the thumbnail again, from that asset.
    let second = s.ann.upload_new("second.jpg", picture(2)).await;
    wait_for_media_jobs(&s.admin).await;
    let r = s
        .ann
        .post(
            "/api/faces",
            json!({"assetId": second, "personId": alice, "imageWidth": 1000,
                   "imageHeight": 600, "x": 0, "y": 0, "width": 1000, "height": 600}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = s
        .ann
        .put(
            &format!("/api/people/{alice}"),
            json!({ "featureFaceAssetId": second }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    thumbnail_events(&mut script, "ann", &alice, 2);
    // The whole picture: a 600 px square (the short side) about the middle, made 250.
    let mut big = None;
    for _ in 0..300 {
        let r = s.ann.get(&format!("/api/people/{alice}/thumbnail")).await;
        let image = image::load_from_memory(&r.body).unwrap();
        if image.width() == 250 {
            big = Some(image);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let big = big.expect("the thumbnail of the second feature face");
    assert_eq!((big.width(), big.height()), (250, 250));

    // Starting the thumbnail queue by force makes people's thumbnails again too.
    let r = s
        .admin
        .put(
            "/api/jobs/thumbnailGeneration",
            json!({"command": "start", "force": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    thumbnail_events(&mut script, "ann", &alice, 3);

    // Bob heard nothing of Ann's people; a deleted person's thumbnail goes with them.
    assert!(
        !script
            .lines()
            .iter()
            .any(|l| l.starts_with("EVENT bob on_person_thumbnail")),
        "Bob was told of Ann's person"
    );
    let file = s.server.data_dir.join(&path);
    assert!(file.exists(), "{}", file.display());
    let r = s.ann.delete(&format!("/api/people/{alice}")).await;
    assert_eq!(r.status, 204);
    assert!(!file.exists(), "the thumbnail is deleted with its person");
}

async fn statistics(client: &Client, person: &str) -> Value {
    let r = client
        .get(&format!("/api/people/{person}/statistics"))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

async fn people_are_counted_merged_and_reassigned(backend: Backend) {
    let s = setup(backend).await;
    let photos = [
        s.ann.upload_new("1.jpg", picture(1)).await,
        s.ann.upload_new("2.jpg", picture(2)).await,
        s.ann.upload_new("3.jpg", picture(3)).await,
    ];
    let bobs_photo = s.bob.upload_new("bob.jpg", picture(4)).await;
    let bobs_person = person(&s.bob, "Bob's").await;
    draw_face(&s.bob, &bobs_photo, &bobs_person).await;
    let alice = person(&s.ann, "Alice").await;
    for photo in &photos {
        draw_face(&s.ann, photo, &alice).await;
    }
    // Two faces on one asset count once.
    draw_face(&s.ann, &photos[0], &alice).await;

    // Statistics: the assets on the timeline, out of the trash.
    assert_eq!(statistics(&s.ann, &alice).await, json!({"assets": 3}));
    let r = s
        .ann
        .put(
            "/api/assets",
            json!({"ids": [photos[2]], "visibility": "archive"}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(statistics(&s.ann, &alice).await, json!({"assets": 2}));
    let r = s
        .ann
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [photos[1]]}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(statistics(&s.ann, &alice).await, json!({"assets": 1}));
    for other in [bobs_person.as_str(), MISSING] {
        s.ann
            .get(&format!("/api/people/{other}/statistics"))
            .await
            .assert_error(400, "Not found or no person.read access");
    }
    let reader = api_key(&s.ann, &["person.read"]).await;
    reader
        .get(&format!("/api/people/{alice}/statistics"))
        .await
        .assert_error(403, "Missing required permission: person.statistics");
    let key = api_key(&s.ann, &["person.statistics"]).await;
    assert_eq!(statistics(&key, &alice).await, json!({"assets": 1}));

    // Merging: not into oneself; into one's own person only; each merged person answered.
    s.ann
        .post(
            &format!("/api/people/{alice}/merge"),
            json!({"ids": [alice]}),
        )
        .await
        .assert_error(400, "Cannot merge a person into themselves");
    s.ann
        .post(
            &format!("/api/people/{bobs_person}/merge"),
            json!({"ids": [alice]}),
        )
        .await
        .assert_error(400, "Not found or no person.update access");
    s.ann
        .post(
            &format!("/api/people/{alice}/merge"),
            json!({"ids": ["nope"]}),
        )
        .await
        .assert_invalid(json!(["ids", 0]), "Invalid UUID");
    let unnamed = s.ann.post("/api/people", json!({})).await.json();
    let unnamed = id(&unnamed);
    let carl = s
        .ann
        .post(
            "/api/people",
            json!({"name": "Carl", "birthDate": "1980-02-03"}),
        )
        .await
        .json();
    let carl = id(&carl);
    draw_face(&s.ann, &photos[0], &carl).await;
    let r = s
        .ann
        .post(
            &format!("/api/people/{unnamed}/merge"),
            json!({"ids": [carl, bobs_person, MISSING, carl]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.json(),
        json!([
            {"id": carl, "success": true},
            {"id": bobs_person, "success": false, "error": "no_permission"},
            {"id": MISSING, "success": false, "error": "no_permission"},
            {"id": carl, "success": false, "error": "not_found"},
        ])
    );
    s.ann
        .get(&format!("/api/people/{carl}"))
        .await
        .assert_error(400, "Not found or no person.read access");
    let merged = s.ann.get(&format!("/api/people/{unnamed}")).await.json();
    assert_eq!(merged["name"], "Carl", "the name of the merged person");
    assert_eq!(merged["birthDate"], "1980-02-03");
    assert_eq!(statistics(&s.ann, &unnamed).await, json!({"assets": 1}));
    assert_eq!(
        s.bob
            .get(&format!("/api/people/{bobs_person}"))
            .await
            .status,
        200,
        "untouched"
    );

    // Reassigning: a person's faces on an asset go to the person of the path, answered once
    // per item as it was.
    let dora = person(&s.ann, "Dora").await;
    let before = s.ann.get(&format!("/api/people/{dora}")).await.json();
    let r = s
        .ann
        .put(
            &format!("/api/people/{dora}/reassign"),
            json!({"data": [
                {"personId": alice, "assetId": photos[0]},
                {"personId": alice, "assetId": bobs_photo},
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json(), json!([before, before]));
    let on_first = faces_of(&s.ann, &photos[0]).await;
    let of = |who: &str| on_first.iter().filter(|f| f["person"]["id"] == who).count();
    assert_eq!((of(&alice), of(&dora), of(&unnamed)), (0, 2, 1));
    assert_eq!(statistics(&s.ann, &dora).await, json!({"assets": 1}));
    // Dora had no feature face: she has one now (and her thumbnail is queued).
    // Refusals: the path's person, and faces on another user's asset.
    s.ann
        .put(
            &format!("/api/people/{bobs_person}/reassign"),
            json!({"data": []}),
        )
        .await
        .assert_error(400, "Not found or no person.update access");
    s.ann
        .put(
            &format!("/api/people/{dora}/reassign"),
            json!({"data": [{"personId": bobs_person, "assetId": bobs_photo}]}),
        )
        .await
        .assert_error(400, "Not found or no person.create access");
    assert_eq!(
        faces_of(&s.bob, &bobs_photo).await[0]["person"]["id"],
        bobs_person.as_str(),
        "untouched"
    );
    s.ann
        .put(&format!("/api/people/{dora}/reassign"), json!({}))
        .await
        .assert_invalid(
            json!(["data"]),
            "Invalid input: expected array, received undefined",
        );
    let reader = api_key(&s.ann, &["person.update"]).await;
    reader
        .put(&format!("/api/people/{dora}/reassign"), json!({"data": []}))
        .await
        .assert_error(403, "Missing required permission: person.reassign");
    reader
        .post(&format!("/api/people/{dora}/merge"), json!({"ids": []}))
        .await
        .assert_error(403, "Missing required permission: person.merge");
    wait_for_media_jobs(&s.admin).await;
    thumbnail_path(&s.ann, &dora).await;
}

/// The phone hears of the faces on its owner's assets (AssetFacesV2), every line checked against
/// the spec: drawn, reassigned, deleted softly (a line with `deletedAt`) and for good
/// (AssetFaceDeleteV1); nobody else's; AssetFacesV1 refused.
async fn faces_reach_the_phone(backend: Backend) {
    let s = setup(backend).await;
    let base = s.server.base.clone();
    let anns_phone = authed(&s.ann);
    let bobs_phone = authed(&s.bob);
    let types = json!({ "types": ["AssetFacesV2"] });
    let photo = s.ann.upload_new("ann.jpg", picture(1)).await;
    let alice = person(&s.ann, "Alice").await;
    let bea = person(&s.ann, "Bea").await;
    draw_face(&s.ann, &photo, &alice).await;
    let made = sync_news(&anns_phone, &base, &types).await;
    check_order(&made);
    assert_eq!(kinds(&made), ["AssetFaceV2", "SyncCompleteV1"]);
    let face = id(&made[0].data);
    assert_eq!(
        made[0].data,
        json!({"id": face, "assetId": photo, "personId": alice, "imageWidth": 500,
               "imageHeight": 300, "boundingBoxX1": 200, "boundingBoxY1": 100,
               "boundingBoxX2": 250, "boundingBoxY2": 160, "sourceType": "manual",
               "isVisible": true, "deletedAt": null})
    );
    ack(&anns_phone, &base, acks_of(&made)).await;
    assert_eq!(
        kinds(&{
            settle().await;
            sync(&anns_phone, &base, types.clone()).await
        }),
        ["SyncCompleteV1"]
    );
    assert_eq!(
        kinds(&{
            settle().await;
            sync(&bobs_phone, &base, types.clone()).await
        }),
        ["SyncCompleteV1"],
        "not Bob's"
    );

    // Reassigned, then deleted softly: the face comes again.
    let r = s
        .ann
        .put(&format!("/api/faces/{bea}"), json!({ "id": face }))
        .await;
    assert_eq!(r.status, 200);
    let moved = sync_news(&anns_phone, &base, &types).await;
    assert_eq!(kinds(&moved), ["AssetFaceV2", "SyncCompleteV1"]);
    assert_eq!(moved[0].data["personId"], bea.as_str());
    ack(&anns_phone, &base, acks_of(&moved)).await;
    let r = s
        .ann
        .send_json(
            Method::DELETE,
            &format!("/api/faces/{face}"),
            json!({ "force": false }),
        )
        .await;
    assert_eq!(r.status, 204);
    let soft = sync_news(&anns_phone, &base, &types).await;
    assert_eq!(kinds(&soft), ["AssetFaceV2", "SyncCompleteV1"]);
    assert!(soft[0].data["deletedAt"].as_str().unwrap().ends_with('Z'));
    ack(&anns_phone, &base, acks_of(&soft)).await;

    // For good: a delete line.
    let r = s
        .ann
        .send_json(
            Method::DELETE,
            &format!("/api/faces/{face}"),
            json!({ "force": true }),
        )
        .await;
    assert_eq!(r.status, 204);
    let gone = sync_news(&anns_phone, &base, &types).await;
    check_order(&gone);
    assert_eq!(kinds(&gone), ["AssetFaceDeleteV1", "SyncCompleteV1"]);
    assert_eq!(
        of_kind(&gone, "AssetFaceDeleteV1")[0].data,
        json!({ "assetFaceId": face })
    );
    ack(&anns_phone, &base, acks_of(&gone)).await;
    assert_eq!(
        kinds(&{
            settle().await;
            sync(&bobs_phone, &base, types.clone()).await
        }),
        ["SyncCompleteV1"]
    );

    // The deprecated request, refused (with the sync route's wording for every deprecated
    // type; Immich 3.1 words it "SyncRequestType.AssetFacesV1 is deprecated, use
    // SyncRequestType.AssetFacesV2 instead").
    let r = anns_phone
        .post(format!("{base}/api/sync/stream"))
        .json(&json!({ "types": ["AssetFacesV1"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["message"],
        "AssetFacesV1 is deprecated, use AssetFacesV2 instead"
    );
}

/// PostgreSQL streams up to the start of the oldest open transaction, by the millisecond: what
/// was written in the same millisecond as the read comes in the next one.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

/// A sync expected to bring something: asked again (nothing acknowledged, so nothing is lost)
/// while it brings only `SyncCompleteV1`, for up to 5 s. On PostgreSQL a row written while
/// another transaction is open (a job the write queued, such as the person's thumbnail) comes
/// only once that transaction ends; 5 ms were not always enough on a loaded machine.
async fn sync_news(phone: &reqwest::Client, base: &str, types: &Value) -> Vec<crate::sync::Line> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        settle().await;
        let lines = sync(phone, base, types.clone()).await;
        if kinds(&lines) != ["SyncCompleteV1"] || std::time::Instant::now() > deadline {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The ids the metadata search finds, sorted.
async fn found(client: &Client, dto: Value) -> Vec<String> {
    let r = client.post("/api/search/metadata", dto.clone()).await;
    assert_eq!(r.status, 200, "{dto}: {}", String::from_utf8_lossy(&r.body));
    let mut ids: Vec<String> = r.json()["assets"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    ids.sort();
    ids
}

/// `personIds` finds the assets showing every one of the people (a visible face of each, not
/// deleted), as Immich's search does.
async fn assets_are_found_by_their_people(backend: Backend) {
    let s = setup(backend).await;
    let both = s.ann.upload_new("both.jpg", picture(1)).await;
    let alone = s.ann.upload_new("alone.jpg", picture(2)).await;
    let nobody = s.ann.upload_new("nobody.jpg", picture(3)).await;
    let bobs_photo = s.bob.upload_new("bob.jpg", picture(4)).await;
    let alice = person(&s.ann, "Alice").await;
    let bea = person(&s.ann, "Bea").await;
    let carl = person(&s.ann, "Carl").await;
    let bobs_person = person(&s.bob, "Bob's").await;
    draw_face(&s.ann, &both, &alice).await;
    draw_face(&s.ann, &both, &bea).await;
    draw_face(&s.ann, &alone, &alice).await;
    draw_face(&s.ann, &nobody, &carl).await;
    draw_face(&s.bob, &bobs_photo, &bobs_person).await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        found(&s.ann, json!({"personIds": [alice]})).await,
        sorted(vec![both.clone(), alone.clone()])
    );
    assert_eq!(
        found(&s.ann, json!({"personIds": [alice, bea]})).await,
        vec![both.clone()]
    );
    assert_eq!(
        found(&s.ann, json!({"personIds": [alice, alice]})).await,
        Vec::<String>::new(),
        "an id given twice is never matched (Immich counts distinct people)"
    );
    assert!(
        found(&s.ann, json!({"personIds": [bobs_person]}))
            .await
            .is_empty()
    );
    // A face deleted softly shows no one.
    let carls_face = id(&faces_of(&s.ann, &nobody).await[0]);
    let r = s
        .ann
        .send_json(
            Method::DELETE,
            &format!("/api/faces/{carls_face}"),
            json!({ "force": false }),
        )
        .await;
    assert_eq!(r.status, 204);
    assert!(found(&s.ann, json!({"personIds": [carl]})).await.is_empty());
    // With the other filters.
    assert_eq!(
        found(
            &s.ann,
            json!({"personIds": [alice], "originalFileName": "alone"})
        )
        .await,
        vec![alone]
    );
}

/// On an edited asset the box is drawn on the edited picture: it is kept on the original
/// (Immich's inverse transform) and shown through the edits again; the thumbnail is cut from
/// the original's preview, where the face is.
async fn faces_follow_an_assets_edits(backend: Backend) {
    let s = setup(backend).await;
    let photo = s.ann.upload_new("ann.jpg", picture(1)).await;
    wait_for_media_jobs(&s.admin).await;
    let r = s
        .ann
        .put(
            &format!("/api/assets/{photo}/edits"),
            json!({"edits": [{"action": "rotate", "parameters": {"angle": 90}}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    wait_for_queue(&s.admin, "thumbnailGeneration").await;
    let asset = s.ann.get(&format!("/api/assets/{photo}")).await.json();
    assert_eq!(
        (asset["width"].clone(), asset["height"].clone()),
        (json!(600), json!(1000))
    );

    // Drawn on a 300 x 500 copy of the turned picture: (100,200)-(180,320) on it at full size,
    // which is (200,420)-(320,500) on the 1000 x 600 original (a quarter turn back).
    let alice = person(&s.ann, "Alice").await;
    let r = s
        .ann
        .post(
            "/api/faces",
            json!({"assetId": photo, "personId": alice, "imageWidth": 300, "imageHeight": 500,
                   "x": 50, "y": 100, "width": 40, "height": 60}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let faces = faces_of(&s.ann, &photo).await;
    assert_eq!(faces.len(), 1);
    let shown = &faces[0];
    assert_eq!(
        [
            &shown["imageWidth"],
            &shown["imageHeight"],
            &shown["boundingBoxX1"],
            &shown["boundingBoxY1"],
            &shown["boundingBoxX2"],
            &shown["boundingBoxY2"],
        ],
        [
            &json!(600),
            &json!(1000),
            &json!(100),
            &json!(200),
            &json!(180),
            &json!(320)
        ],
        "shown on the edited picture at its full size"
    );
    // The phone gets the face as kept, on the original.
    let phone = authed(&s.ann);
    settle().await;
    let lines = sync(&phone, &s.server.base, json!({"types": ["AssetFacesV2"]})).await;
    let kept = &of_kind(&lines, "AssetFaceV2")[0].data;
    assert_eq!(
        [
            &kept["imageWidth"],
            &kept["imageHeight"],
            &kept["boundingBoxX1"],
            &kept["boundingBoxY1"],
            &kept["boundingBoxX2"],
            &kept["boundingBoxY2"],
        ],
        [
            &json!(1000),
            &json!(600),
            &json!(200),
            &json!(420),
            &json!(320),
            &json!(500)
        ]
    );
    // The thumbnail: the box's square (120 px wide, widened to 132) from the original's
    // preview, on the blue (the red block is elsewhere).
    let path = thumbnail_path(&s.ann, &alice).await;
    assert!(!path.is_empty());
    let r = s.ann.get(&format!("/api/people/{alice}/thumbnail")).await;
    let thumb = image::load_from_memory(&r.body).unwrap().into_rgb8();
    assert_eq!(thumb.dimensions(), (132, 132));
    let px = thumb.get_pixel(66, 66).0;
    assert!(px[2] > 180 && px[0] < 80, "{px:?}");
}
