//! Shared links against the real server: the owner's operations, and what a visitor without an
//! account reaches with a key or slug (password, expiry, download, upload and metadata rules).

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// A browser without an account: keeps cookies, sends no credential of its own.
fn visitor(server: &Server) -> Client {
    Client {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        base: server.base.clone(),
        cred: Cred::None,
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn album_link_with_password_and_no_downloads() {
    let server = Server::start();
    let owner = admin(&server).await;
    let a = upload_path(&owner, &fixtures().join("nature/prairie_falcon.jpg")).await;
    let b = upload_path(&owner, &fixtures().join("nature/tanners_ridge.jpg")).await;
    let c = upload_path(&owner, &fixtures().join("nature/silver_fir.jpg")).await;
    wait_for_media_jobs(&owner).await;
    let album = owner
        .post(
            "/api/albums",
            json!({"albumName": "Party", "assetIds": [a, b]}),
        )
        .await
        .json();
    let album_id = id(&album);
    let r = owner
        .post(
            "/api/shared-links",
            json!({"type": "ALBUM", "albumId": album_id, "password": "secret", "slug": "party",
                   "allowDownload": false, "showMetadata": false, "description": "For friends"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let link = r.json();
    let key = link["key"].as_str().unwrap().to_string();
    assert_eq!(link["type"], "ALBUM");
    assert_eq!(link["password"], "secret");
    assert_eq!(link["album"]["id"], album_id.as_str());
    assert_eq!(key.len(), 67, "50 bytes in base64url");

    // Before the password: nothing opens, media included.
    let guest = visitor(&server);
    guest
        .get(&format!("/api/shared-links/me?key={key}"))
        .await
        .assert_error(401, "Password required");
    guest
        .get(&format!("/api/assets/{a}/thumbnail?key={key}"))
        .await
        .assert_error(401, "Password required");
    guest
        .post(
            &format!("/api/shared-links/login?key={key}"),
            json!({"password": "wrong"}),
        )
        .await
        .assert_error(401, "Invalid password");
    let r = guest
        .post(
            &format!("/api/shared-links/login?key={key}"),
            json!({"password": "secret"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(
        r.headers["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("immich_shared_link_token=")
    );

    // With it: the link, its album and its timeline, by key or slug.
    let me = guest
        .get(&format!("/api/shared-links/me?key={key}"))
        .await
        .json();
    assert_eq!(me["id"], link["id"]);
    assert_eq!(
        guest.get("/api/shared-links/me?slug=party").await.json()["id"],
        link["id"]
    );
    let shown = guest
        .get(&format!("/api/albums/{album_id}?key={key}"))
        .await
        .json();
    assert_eq!(shown["assetCount"], 2);
    let buckets = guest
        .get(&format!(
            "/api/timeline/buckets?albumId={album_id}&key={key}"
        ))
        .await
        .json();
    let total: i64 = buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 2);
    guest
        .get(&format!("/api/timeline/buckets?key={key}"))
        .await
        .assert_error(400, "Not found or no album.read access");

    // Thumbnails of the album's assets, not of others; no originals; no metadata.
    assert_eq!(
        guest
            .get(&format!("/api/assets/{a}/thumbnail?key={key}"))
            .await
            .status,
        200
    );
    guest
        .get(&format!("/api/assets/{c}/thumbnail?key={key}"))
        .await
        .assert_error(400, "Not found or no asset.view access");
    guest
        .get(&format!("/api/assets/{a}/original?key={key}"))
        .await
        .assert_error(400, "Not found or no asset.download access");
    let seen = guest
        .get(&format!("/api/assets/{a}?key={key}"))
        .await
        .json();
    assert!(seen["exifInfo"]["make"].is_null(), "{}", seen["exifInfo"]);
    assert_eq!(seen["hasMetadata"], false);
    let full = owner.get(&format!("/api/assets/{a}")).await.json();
    assert!(full["exifInfo"]["make"].is_string());

    // Nothing else of the owner's opens, and nothing changes.
    for path in ["/api/albums", "/api/users/me", "/api/assets/statistics"] {
        guest
            .get(&format!("{path}?key={key}"))
            .await
            .assert_error(403, "Forbidden");
    }
    guest
        .put(
            &format!("/api/assets/{a}?key={key}"),
            json!({"isFavorite": true}),
        )
        .await
        .assert_error(403, "Forbidden");
    let before = owner.get("/api/assets/statistics").await.json()["total"].clone();
    guest
        .send(
            guest
                .request(Method::POST, &format!("/api/assets?key={key}"))
                .multipart(asset_form("x.jpg", fake_jpeg(7, 2000), &[])),
        )
        .await
        .assert_error(400, "Not found or no asset.upload access");
    assert_eq!(
        owner.get("/api/assets/statistics").await.json()["total"],
        before
    );

    // A wrong key, another user, a taken slug.
    guest
        .get("/api/shared-links/me?key=AAAA")
        .await
        .assert_error(401, "Invalid share key");
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    let link_id = id(&link);
    eve.get(&format!("/api/shared-links/{link_id}"))
        .await
        .assert_error(400, "Shared link not found");
    eve.delete(&format!("/api/shared-links/{link_id}"))
        .await
        .assert_error(400, "Shared link not found");
    eve.post(
        "/api/shared-links",
        json!({"type": "ALBUM", "albumId": album_id}),
    )
    .await
    .assert_error(400, "Not found or no album.share access");
    owner
        .post(
            "/api/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [c], "slug": "party"}),
        )
        .await
        .assert_error(400, "Shared link with this slug already exists");

    // Deleted: it opens nothing.
    assert_eq!(
        owner
            .delete(&format!("/api/shared-links/{link_id}"))
            .await
            .status,
        204
    );
    guest
        .get(&format!("/api/assets/{a}/thumbnail?key={key}"))
        .await
        .assert_error(401, "Invalid share key");
    assert_eq!(owner.get("/api/shared-links").await.json(), json!([]));
}

#[tokio::test]
async fn individual_link_uploads_assets_and_expiry() {
    let server = Server::start();
    let owner = admin(&server).await;
    let a = owner.upload("a.jpg", fake_jpeg(1, 3000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = owner.upload("c.jpg", fake_jpeg(2, 3000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = owner
        .post(
            "/api/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [c], "allowUpload": true,
                   "expiresAt": "2099-01-01T00:00:00.000Z"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let link = r.json();
    let link_id = id(&link);
    let key = link["key"].as_str().unwrap().to_string();
    assert_eq!(link["assets"].as_array().unwrap().len(), 1);
    assert_eq!(link["expiresAt"], "2099-01-01T00:00:00.000Z");
    owner
        .post(
            "/api/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": []}),
        )
        .await
        .assert_error(400, "Invalid assetIds");
    owner
        .post("/api/shared-links", json!({"type": "ALBUM"}))
        .await
        .assert_error(400, "Invalid albumId");

    // No password: the key alone opens it; downloads are allowed by default.
    let guest = visitor(&server);
    let me = guest
        .get(&format!("/api/shared-links/me?key={key}"))
        .await
        .json();
    assert_eq!(me["assets"][0]["id"], c.as_str());
    let original = guest
        .get(&format!("/api/assets/{c}/original?key={key}"))
        .await;
    assert_eq!(original.status, 200);
    guest
        .get(&format!("/api/assets/{a}/original?key={key}"))
        .await
        .assert_error(400, "Not found or no asset.download access");

    // A visitor's upload lands in the link, owned by its owner.
    let r = guest
        .upload_form(asset_form(
            "guest.jpg",
            fake_jpeg(3, 3000),
            &[("key", key.as_str())],
        ))
        .await;
    assert_eq!(r.status, 401, "the key goes in the query, not the form");
    let r = guest
        .send(
            guest
                .request(Method::POST, &format!("/api/assets?key={key}"))
                .multipart(asset_form("guest.jpg", fake_jpeg(3, 3000), &[])),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let uploaded = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        owner.get(&format!("/api/assets/{uploaded}")).await.json()["ownerId"],
        owner.get("/api/users/me").await.json()["id"]
    );
    let me = guest
        .get(&format!("/api/shared-links/me?key={key}"))
        .await
        .json();
    assert_eq!(me["assets"].as_array().unwrap().len(), 2);

    // The owner adds and removes assets.
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    let eves = eve.upload("eve.jpg", fake_jpeg(4, 3000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = owner
        .put(
            &format!("/api/shared-links/{link_id}/assets"),
            json!({"assetIds": [a, c, eves]}),
        )
        .await;
    assert_eq!(
        r.json(),
        json!([
            {"assetId": a, "success": true},
            {"assetId": c, "success": false, "error": "duplicate"},
            {"assetId": eves, "success": false, "error": "not_found"},
        ])
    );
    let r = owner
        .send_json(
            Method::DELETE,
            &format!("/api/shared-links/{link_id}/assets"),
            json!({"assetIds": [a]}),
        )
        .await;
    assert_eq!(r.json(), json!([{"assetId": a, "success": true}]));

    // Settings change; an expired link opens nothing.
    let r = owner
        .send_json(
            Method::PATCH,
            &format!("/api/shared-links/{link_id}"),
            json!({"allowDownload": false, "description": "Later", "expiresAt": "2020-01-01T00:00:00.000Z"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["allowDownload"], false);
    guest
        .get(&format!("/api/shared-links/me?key={key}"))
        .await
        .assert_error(401, "Invalid share key");
    let r = owner
        .send_json(
            Method::PATCH,
            &format!("/api/shared-links/{link_id}"),
            json!({"expiresAt": null}),
        )
        .await;
    assert!(r.json()["expiresAt"].is_null());
    assert_eq!(
        guest
            .get(&format!("/api/shared-links/me?key={key}"))
            .await
            .status,
        200
    );
    guest
        .get(&format!("/api/assets/{c}/original?key={key}"))
        .await
        .assert_error(400, "Not found or no asset.download access");
}

/// A link's page carries Immich's OpenGraph tags (for previews in chat apps); an unknown key's
/// page is a 404 without them, and a password-protected link shows nothing of its contents.
#[tokio::test]
async fn share_pages_carry_open_graph_tags() {
    let server = Server::start();
    let owner = admin(&server).await;
    let a = owner.upload("a.jpg", fake_jpeg(1, 2000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let album = id(&owner
        .post("/api/albums", json!({"albumName": "Tom & Jerry <3"}))
        .await
        .json());
    let album_link = owner
        .post(
            "/api/shared-links",
            json!({"type": "ALBUM", "albumId": album, "slug": "cats"}),
        )
        .await
        .json();
    let asset_link = owner
        .post(
            "/api/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [a]}),
        )
        .await
        .json();
    let locked = owner
        .post(
            "/api/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [a], "password": "pw"}),
        )
        .await
        .json();
    let page = |path: String| {
        let url = server.url(&path);
        async move {
            let r = reqwest::get(url).await.unwrap();
            let status = r.status().as_u16();
            let html = r
                .headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html");
            (status, html, r.text().await.unwrap())
        }
    };

    let (status, html, text) =
        page(format!("/share/{}", album_link["key"].as_str().unwrap())).await;
    assert_eq!((status, html), (200, true));
    assert!(text.contains(r#"<meta name="description" content="0 shared photos &amp; videos" />"#));
    assert!(text.contains(r#"<meta property="og:title" content="Tom &amp; Jerry &lt;3" />"#));
    assert!(text.contains(&format!(
        r#"<meta property="og:image" content="{}/feature-panel.png" />"#,
        server.base
    )));
    let (status, _, text) = page("/s/cats".to_string()).await;
    assert_eq!(status, 200);
    assert!(text.contains("og:title"));

    let key = asset_link["key"].as_str().unwrap();
    let (status, _, text) = page(format!("/share/{key}")).await;
    assert_eq!(status, 200);
    assert!(text.contains(r#"<meta name="description" content="1 shared photos &amp; videos" />"#));
    assert!(text.contains(r#"<meta property="og:title" content="Public Share" />"#));
    assert!(text.contains(&format!(
        r#"<meta property="og:image" content="{}/api/assets/{a}/thumbnail?key={key}" />"#,
        server.base
    )));

    let (status, html, text) = page(format!("/share/{}", locked["key"].as_str().unwrap())).await;
    assert_eq!((status, html), (200, true));
    assert!(!text.contains("og:"), "a password hides the contents");

    let (status, html, text) = page("/share/invalid-key".to_string()).await;
    assert_eq!((status, html), (404, true));
    assert!(!text.contains("og:"));
    let (status, _, _) = page("/s/no-such-slug".to_string()).await;
    assert_eq!(status, 404);
    // Unknown API paths name the method they were asked with.
    let r = owner
        .send_json(Method::DELETE, "/api/no/such/route", json!({}))
        .await;
    r.assert_error(404, "Cannot DELETE /api/no/such/route");
}

/// A link that hides metadata shows its visitors only what draws an asset (Immich's sanitized
/// asset): no EXIF, no file name or path, no dates but the local one.
#[tokio::test]
async fn links_without_metadata_sanitize_their_assets() {
    let server = Server::start();
    let owner = admin(&server).await;
    let a = owner
        .upload("secret-name.jpg", fake_jpeg(3, 2000))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = owner
        .post(
            "/api/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [a], "showMetadata": false}),
        )
        .await
        .json();
    let key = link["key"].as_str().unwrap();
    let r = visitor(&server)
        .get(&format!("/api/shared-links/me?key={key}"))
        .await;
    assert_eq!(r.status, 200);
    let asset = &r.json()["assets"][0];
    assert_eq!(asset["id"], a.as_str());
    assert_eq!(asset["hasMetadata"], false);
    for hidden in [
        "exifInfo",
        "originalFileName",
        "originalPath",
        "fileCreatedAt",
    ] {
        assert!(asset.get(hidden).is_none(), "{hidden} shown: {asset}");
    }
    // The owner still sees everything.
    let own = owner
        .get(&format!("/api/shared-links/{}", id(&link)))
        .await
        .json();
    assert_eq!(own["assets"][0]["originalFileName"], "secret-name.jpg");
}
