//! The storage template: originals moved to `library/<label or user>/<template>.<ext>` after an
//! upload's thumbnails, and for every asset when the admin starts the migration; names taken get
//! `+N`; a template leading out of the user's folder moves nothing; a move cut short by a crash
//! is finished at start. Every moved original is still served, byte for byte.

use std::path::Path;

use crate::common::*;
use ferrotype_catalog::SqliteCatalog;
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::model::PendingMove;
use serde_json::{Value, json};

/// A real photo with `tag` after its end: a different file (checksum) with the same EXIF date.
fn falcon(tag: u8) -> Vec<u8> {
    let mut bytes = std::fs::read(fixtures().join("nature/prairie_falcon.jpg")).unwrap();
    bytes.extend_from_slice(&[0, tag]);
    bytes
}

async fn set_template(admin: &Client, enabled: bool, template: &str) {
    let mut config = admin.get("/api/system-config").await.json();
    config["storageTemplate"]["enabled"] = json!(enabled);
    config["storageTemplate"]["template"] = json!(template);
    let r = admin.put("/api/system-config", config).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

async fn asset(client: &Client, id: &str) -> Value {
    client.get(&format!("/api/assets/{id}")).await.json()
}

async fn original_path(client: &Client, id: &str) -> String {
    asset(client, id).await["originalPath"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn settle(admin: &Client) {
    wait_for_media_jobs(admin).await;
    wait_for_queue(admin, "storageTemplateMigration").await;
}

async fn migrate(admin: &Client) {
    let r = admin
        .put(
            "/api/jobs/storageTemplateMigration",
            json!({"command": "start"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    settle(admin).await;
}

/// The original is served, is the bytes uploaded, and is the only copy on disk.
async fn assert_served_from(server: &Server, client: &Client, id: &str, key: &str, bytes: &[u8]) {
    assert_eq!(original_path(client, id).await, key);
    assert_eq!(
        std::fs::read(server.data_dir.join(key)).unwrap(),
        bytes,
        "{key}"
    );
    let r = client.get(&format!("/api/assets/{id}/original")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, bytes);
}

fn day_folder(created: &str) -> String {
    format!("{}/{}", &created[0..4], &created[0..10])
}

#[tokio::test]
async fn originals_move_where_the_template_says_and_stay_served() {
    let server = Server::start();
    let admin = admin(&server).await;
    let me = user_id(&admin).await;
    // Immich gives the first admin the storage label "admin": its folder is library/admin.
    let label = admin.get("/api/users/me").await.json()["storageLabel"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(label, "admin");
    let (a_bytes, b_bytes) = (falcon(1), falcon(2));

    // Disabled (the default): the upload stays in upload/.
    let a = admin.upload("falcon.jpg", a_bytes.clone()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    settle(&admin).await;
    let a_upload = original_path(&admin, &a).await;
    assert!(a_upload.starts_with(&format!("upload/{me}/")), "{a_upload}");

    // Enabled: a new upload moves once its thumbnails are made.
    set_template(&admin, true, "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}").await;
    let b = admin.upload("falcon.jpg", b_bytes.clone()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    settle(&admin).await;
    let created = asset(&admin, &b).await["fileCreatedAt"]
        .as_str()
        .unwrap()
        .to_string();
    let folder = format!("library/{label}/{}", day_folder(&created));
    let b_key = format!("{folder}/falcon.jpg");
    assert_served_from(&server, &admin, &b, &b_key, &b_bytes).await;
    assert!(
        server.stored_files().iter().all(|f| !f.contains(&b)),
        "the old name is gone"
    );
    let thumb = admin
        .get(&format!("/api/assets/{b}/thumbnail?size=preview"))
        .await;
    assert_eq!(thumb.status, 200, "thumbnails do not move");

    // The migration moves what came before; the name is taken, so it gets +1. A second run
    // leaves everything where it is.
    migrate(&admin).await;
    let a_key = format!("{folder}/falcon+1.jpg");
    assert_served_from(&server, &admin, &a, &a_key, &a_bytes).await;
    assert!(!server.data_dir.join(&a_upload).exists());
    migrate(&admin).await;
    assert_served_from(&server, &admin, &a, &a_key, &a_bytes).await;
    assert_served_from(&server, &admin, &b, &b_key, &b_bytes).await;

    // The album's name, made safe (no dots, no slashes); those in no album go to "Other".
    let album = admin
        .post(
            "/api/albums",
            json!({"albumName": "Trip/../Rome", "assetIds": [a]}),
        )
        .await;
    assert_eq!(album.status, 201);
    set_template(
        &admin,
        true,
        "{{#if album}}{{album}}{{else}}Other{{/if}}/{{filename}}",
    )
    .await;
    migrate(&admin).await;
    assert_served_from(
        &server,
        &admin,
        &a,
        &format!("library/{label}/TripRome/falcon.jpg"),
        &a_bytes,
    )
    .await;
    assert_served_from(
        &server,
        &admin,
        &b,
        &format!("library/{label}/Other/falcon.jpg"),
        &b_bytes,
    )
    .await;

    // A new storage label, a new folder.
    let r = admin
        .put(
            &format!("/api/admin/users/{me}"),
            json!({"storageLabel": "ada"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    migrate(&admin).await;
    let b_labelled = "library/ada/Other/falcon.jpg";
    assert_served_from(&server, &admin, &b, b_labelled, &b_bytes).await;

    // A template climbing out of the user's folder is valid Handlebars, but moves nothing.
    set_template(&admin, true, "{{y}}/../../../../{{filename}}").await;
    let before = server.stored_files();
    migrate(&admin).await;
    assert_eq!(server.stored_files(), before);
    assert_served_from(&server, &admin, &b, b_labelled, &b_bytes).await;

    // Disabled again: the migration does nothing.
    set_template(&admin, false, "{{filename}}").await;
    migrate(&admin).await;
    assert_eq!(server.stored_files(), before);
}

#[tokio::test]
async fn a_move_cut_short_by_a_crash_is_finished_at_start() {
    let mut server = Server::start();
    let admin = admin(&server).await;
    let me = user_id(&admin).await;
    let (a_bytes, b_bytes) = (falcon(3), falcon(4));
    let a = admin.upload("a.jpg", a_bytes.clone()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = admin.upload("b.jpg", b_bytes.clone()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    settle(&admin).await;
    let (a_old, b_old) = (
        original_path(&admin, &a).await,
        original_path(&admin, &b).await,
    );
    server.kill();

    // What a crash leaves: A linked at its new name, the old name not yet removed; B's move
    // recorded but the file not yet renamed.
    let data = server.data_dir.clone();
    let a_new = format!("library/{me}/2020/a.jpg");
    std::fs::create_dir_all(data.join(Path::new(&a_new).parent().unwrap())).unwrap();
    std::fs::hard_link(data.join(&a_old), data.join(&a_new)).unwrap();
    let catalog = SqliteCatalog::open(&data.join("ferrotype.db")).unwrap();
    for (id, old, new) in [
        (&a, &a_old, a_new.clone()),
        (&b, &b_old, format!("library/{me}/2020/b.jpg")),
    ] {
        let mv = PendingMove {
            asset_id: id.parse().unwrap(),
            old_path: old.clone(),
            new_path: new,
            old_sidecar_path: None,
            new_sidecar_path: None,
        };
        catalog.begin_move(&mv).await.unwrap();
    }
    drop(catalog);

    server.restart();
    let admin = login(&server, "admin@example.com", "admin-password").await;
    assert_served_from(&server, &admin, &a, &a_new, &a_bytes).await;
    assert!(
        !data.join(&a_old).exists(),
        "the old name of a finished move is removed"
    );
    assert_served_from(&server, &admin, &b, &b_old, &b_bytes).await;
    assert!(server.catalog().pending_moves().await.unwrap().is_empty());
}
