//! Search (`/search/*`) over real photos whose metadata the real jobs extracted, placed with
//! the real GeoNames data, as Immich's e2e search spec does: each filter of `/search/metadata`,
//! order and pages, random and large-asset searches, counts, suggestions in reading order,
//! explore and cities, shared links limited to their album, partners, the locked folder, and
//! the refusals (validation, other users' albums, a link without an album).

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

struct Library {
    server: Server,
    admin: Client,
    falcon: String,
    denali: String,
    cyclamen: String,
    rocks: String,
    heic: String,
    springs: String,
    density: String,
    fir: String,
}

async fn upload_fixture(client: &Client, path: &str) -> String {
    upload_path(client, &fixtures().join(path)).await
}

/// Immich's spec's photos, placed where its spec places them, one archived and one trashed.
async fn library() -> Library {
    let dir = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", dir.to_str().unwrap())]);
    let admin = admin(&server).await;
    let falcon = upload_fixture(&admin, "nature/prairie_falcon.jpg").await;
    let denali = upload_fixture(&admin, "formats/webp/denali.webp").await;
    let cyclamen = upload_fixture(&admin, "nature/cyclamen_persicum.jpg").await;
    let rocks = upload_fixture(&admin, "formats/jpg/el_torcal_rocks.jpg").await;
    let heic = upload_fixture(&admin, "formats/heic/IMG_2682.heic").await;
    let springs = upload_fixture(&admin, "metadata/gps-position/thompson-springs.jpg").await;
    let density = upload_fixture(&admin, "formats/png/density_plot.png").await;
    let fir = upload_fixture(&admin, "nature/silver_fir.jpg").await;
    wait_for_media_jobs(&admin).await;
    for (id, lat, lon) in [
        (&falcon, 48.85341, 2.3488),      // Paris
        (&denali, 35.6895, 139.69171),    // Tokyo
        (&cyclamen, 52.52437, 13.41053),  // Berlin
        (&rocks, 37.5442706, -4.7277528), // Andalusia
        (&heic, 5.55602, -0.1969),        // Accra
        (&springs, 38.9711, -109.7137),   // Thompson Springs
        (&density, 40.71427, -74.00597),  // New York
    ] {
        let r = admin
            .put(
                &format!("/api/assets/{id}"),
                json!({"latitude": lat, "longitude": lon}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    let r = admin
        .put(
            "/api/assets",
            json!({"ids": [springs], "visibility": "archive"}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = admin
        .put(
            &format!("/api/assets/{cyclamen}"),
            json!({"isFavorite": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = admin
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [fir]}))
        .await;
    assert_eq!(r.status, 204);
    Library {
        server,
        admin,
        falcon,
        denali,
        cyclamen,
        rocks,
        heic,
        springs,
        density,
        fir,
    }
}

fn item_ids(body: &Value) -> Vec<String> {
    body["assets"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

async fn search(client: &Client, dto: Value) -> Value {
    let r = client.post("/api/search/metadata", dto.clone()).await;
    assert_eq!(r.status, 200, "{dto}: {}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// The ids of the assets the filters find, in the order found.
async fn found(client: &Client, dto: Value) -> Vec<String> {
    item_ids(&search(client, dto).await)
}

#[tokio::test]
async fn metadata_search_filters_orders_and_pages() {
    let l = library().await;
    let a = &l.admin;
    // Every photo not trashed, newest taken first: the order of their capture times.
    let all = search(a, json!({})).await;
    let mut expected: Vec<(String, String)> = Vec::new();
    for id in item_ids(&all) {
        let asset = a.get(&format!("/api/assets/{id}")).await.json();
        expected.push((asset["fileCreatedAt"].as_str().unwrap().to_string(), id));
    }
    assert_eq!(expected.len(), 7);
    let mut sorted = expected.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(expected, sorted, "newest taken first");
    assert!(!item_ids(&all).contains(&l.fir), "trashed left out");
    assert_eq!(all["assets"]["nextPage"], Value::Null);
    assert_eq!(all["assets"]["count"], 7);
    assert_eq!(all["albums"]["items"], json!([]));
    assert!(
        all["assets"]["items"][0].get("exifInfo").is_none(),
        "EXIF only when asked"
    );
    let newest: Vec<String> = item_ids(&all);

    // Pages: nextPage while more follow; ascending order.
    let first = search(a, json!({"size": 2})).await;
    assert_eq!(item_ids(&first), newest[..2]);
    assert_eq!(first["assets"]["nextPage"], "2");
    let second = search(a, json!({"size": 2, "page": 2})).await;
    assert_eq!(item_ids(&second), newest[2..4]);
    let last = search(a, json!({"size": 2, "page": 4})).await;
    assert_eq!(item_ids(&last), newest[6..]);
    assert_eq!(last["assets"]["nextPage"], Value::Null);
    let mut oldest = newest.clone();
    oldest.reverse();
    assert_eq!(found(a, json!({"order": "asc"})).await, oldest);

    // The checksum as base64 (what the API shows) and as hex.
    use sha1::Digest;
    let sha =
        sha1::Sha1::digest(std::fs::read(fixtures().join("nature/cyclamen_persicum.jpg")).unwrap());
    let checksum = base64_standard(&sha);
    let cyclamen = a.get(&format!("/api/assets/{}", l.cyclamen)).await.json();
    assert_eq!(cyclamen["checksum"], checksum.as_str());
    let hex = hex::encode(sha);
    let only = |id: &String| vec![id.clone()];
    for (dto, expected) in [
        (json!({"checksum": checksum}), only(&l.cyclamen)),
        (json!({"checksum": hex}), only(&l.cyclamen)),
        (json!({"checksum": "not a checksum"}), vec![]),
        (json!({"id": l.rocks}), only(&l.rocks)),
        (json!({"isFavorite": true}), only(&l.cyclamen)),
        (json!({"visibility": "archive"}), only(&l.springs)),
        (json!({"type": "VIDEO"}), vec![]),
        (
            json!({"trashedAfter": "2000-01-01T00:00:00.000Z"}),
            only(&l.fir),
        ),
        (json!({"trashedBefore": "2000-01-01T00:00:00.000Z"}), vec![]),
        (json!({"withDeleted": true, "id": l.fir}), only(&l.fir)),
        (json!({"takenBefore": "1234-01-01T00:00:00.000Z"}), vec![]),
        (json!({"originalFileName": "rocks"}), only(&l.rocks)),
        (json!({"originalFileName": "TORCAL_R"}), only(&l.rocks)),
        (json!({"originalFileName": ""}), newest.clone()),
        (json!({"description": "falcon flying"}), only(&l.falcon)),
        (
            json!({"make": "Canon"}),
            vec![l.denali.clone(), l.falcon.clone()],
        ),
        (json!({"model": "Canon EOS 7D"}), only(&l.denali)),
        (json!({"city": "Accra"}), only(&l.heic)),
        (json!({"state": "Tokyo"}), only(&l.denali)),
        (json!({"country": "France"}), only(&l.falcon)),
        (json!({"country": "France", "make": "SONY"}), vec![]),
        (json!({"personIds": [l.rocks]}), vec![]),
        (json!({"isOffline": true}), vec![]),
        (json!({"libraryId": null, "id": l.rocks}), only(&l.rocks)),
        (json!({"isNotInAlbum": true, "id": l.rocks}), only(&l.rocks)),
        (json!({"tagIds": null, "id": l.rocks}), only(&l.rocks)),
        (json!({"rating": null, "id": l.rocks}), only(&l.rocks)),
    ] {
        let mut got = found(a, dto.clone()).await;
        let mut want = expected.clone();
        if dto.get("make").is_some() {
            // Two photos: compare as sets, their order is their capture times'.
            got.sort();
            want.sort();
        }
        assert_eq!(got, want, "{dto}");
    }
    // The fields as Immich's spec counts them: empty cities are the photos with no position.
    let no_city = found(a, json!({"city": null, "visibility": "timeline"})).await;
    assert_eq!(
        no_city,
        Vec::<String>::new(),
        "every timeline photo was placed"
    );

    // With EXIF when asked.
    let with_exif = search(a, json!({"id": l.falcon, "withExif": true})).await;
    assert_eq!(
        with_exif["assets"]["items"][0]["exifInfo"]["city"], "Paris",
        "{with_exif}"
    );
}

#[tokio::test]
async fn search_statistics_random_large_and_refusals() {
    let l = library().await;
    let a = &l.admin;
    let r = a.post("/api/search/statistics", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"total": 7}));
    let r = a
        .post("/api/search/statistics", json!({"make": "Canon"}))
        .await;
    assert_eq!(r.json()["total"], 2);

    let me = user_id(a).await;
    for size in [1, 2, 7] {
        let r = a.post("/api/search/random", json!({"size": size})).await;
        assert_eq!(r.status, 200);
        let list = r.json();
        assert_eq!(list.as_array().unwrap().len(), size);
        assert!(list.as_array().unwrap().iter().all(|x| x["ownerId"] == me));
    }

    let r = a
        .request(
            Method::POST,
            "/api/search/large-assets?size=3&withExif=true",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let large: Value = r.json().await.unwrap();
    let sizes: Vec<i64> = large
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["exifInfo"]["fileSizeInByte"].as_i64().unwrap())
        .collect();
    assert_eq!(sizes.len(), 3);
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");

    // Validation by the contract, and the locked folder without the PIN code.
    a.post("/api/search/metadata", json!({"size": 0}))
        .await
        .assert_invalid(json!(["size"]), "Too small: expected number to be >=1");
    let r = a.post("/api/search/metadata", json!({"page": 0})).await;
    assert_eq!(r.status, 400);
    let r = a
        .post("/api/search/metadata", json!({"visibility": "everywhere"}))
        .await;
    assert_eq!(r.status, 400);
    let r = a.post("/api/search/metadata", json!({"id": "nope"})).await;
    assert_eq!(r.status, 400);
    a.post("/api/search/metadata", json!({"visibility": "locked"}))
        .await
        .assert_error(401, "Elevated permission is required");
    let anon = Client::new(&l.server, Cred::None);
    anon.post("/api/search/metadata", json!({}))
        .await
        .assert_error(401, "Authentication required");

    // Another user finds none of the admin's photos, nor searches the admin's albums.
    create_user(&l.server, "bob@example.com", "password-1234");
    let bob = login(&l.server, "bob@example.com", "password-1234").await;
    assert_eq!(found(&bob, json!({})).await, Vec::<String>::new());
    assert_eq!(
        found(&bob, json!({"originalFileName": "rocks"})).await,
        Vec::<String>::new()
    );
    let album = a
        .post(
            "/api/albums",
            json!({"albumName": "Trip", "assetIds": [l.rocks, l.heic]}),
        )
        .await
        .json();
    let album_id = album["id"].as_str().unwrap().to_string();
    bob.post("/api/search/metadata", json!({"albumIds": [album_id]}))
        .await
        .assert_error(400, "Not found or no album.read access");
    let mut in_album = found(a, json!({"albumIds": [album_id]})).await;
    in_album.sort();
    let mut want = vec![l.rocks.clone(), l.heic.clone()];
    want.sort();
    assert_eq!(in_album, want);

    // A shared link's visitor: only with its album, and only that album's photos.
    let link = a
        .post(
            "/api/shared-links",
            json!({"type": "ALBUM", "albumId": album_id}),
        )
        .await
        .json();
    let key = link["key"].as_str().unwrap();
    anon.post(&format!("/api/search/metadata?key={key}"), json!({}))
        .await
        .assert_error(
            400,
            "Shared link access is only allowed in combination with an albumIds filter",
        );
    let r = anon
        .post(
            &format!("/api/search/metadata?key={key}"),
            json!({"albumIds": [album_id], "size": 1}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(item_ids(&r.json()).len(), 1);
    let other = a
        .post("/api/albums", json!({"albumName": "Other"}))
        .await
        .json();
    anon.post(
        &format!("/api/search/metadata?key={key}"),
        json!({"albumIds": [other["id"]]}),
    )
    .await
    .assert_error(400, "Not found or no album.read access");

    // A partner who shows the admin in their timeline searches the admin's photos too.
    let r = a
        .post(
            "/api/partners",
            json!({"sharedWithId": user_id(&bob).await}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(found(&bob, json!({})).await, Vec::<String>::new());
    let r = bob
        .put(&format!("/api/partners/{me}"), json!({"inTimeline": true}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        found(&bob, json!({"originalFileName": "rocks"})).await,
        vec![l.rocks.clone()]
    );
}

#[tokio::test]
async fn suggestions_explore_and_cities() {
    let l = library().await;
    let a = &l.admin;
    let suggest = |kind: &'static str| async move {
        let r = a.get(&format!("/api/search/suggestions?{kind}")).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()
    };
    // Timeline photos only (the archived Thompson Springs photo is not suggested), in reading
    // order, `null` last when asked.
    assert_eq!(
        suggest("type=country").await,
        json!([
            "France",
            "Germany",
            "Ghana",
            "Japan",
            "Spain",
            "United States of America"
        ])
    );
    assert_eq!(
        suggest("type=country&includeNull=true").await,
        json!([
            "France",
            "Germany",
            "Ghana",
            "Japan",
            "Spain",
            "United States of America",
            null
        ])
    );
    assert_eq!(
        suggest("type=camera-make").await,
        json!(["Apple", "Canon", "FUJIFILM", "SONY"])
    );
    assert_eq!(
        suggest("type=camera-model&make=Canon").await,
        json!(["Canon EOS 7D", "Canon EOS R5"])
    );
    assert_eq!(suggest("type=city&country=France").await, json!(["Paris"]));
    assert_eq!(
        suggest("type=camera-lens-model&make=Apple")
            .await
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let r = a.get("/api/search/suggestions?type=weather").await;
    assert_eq!(r.status, 400);
    let r = a.get("/api/search/suggestions").await;
    assert_eq!(r.status, 400);

    // Explore: no city has five photos; the latest uploads.
    let r = a.get("/api/search/explore").await;
    assert_eq!(r.status, 200);
    let explore = r.json();
    assert_eq!(
        explore[0],
        json!({"fieldName": "exifInfo.city", "items": []})
    );
    assert_eq!(explore[1]["fieldName"], "createdAt");
    let recent: Vec<&str> = explore[1]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        recent.first(),
        Some(&l.density.as_str()),
        "newest upload first"
    );
    assert!(!recent.contains(&l.springs.as_str()), "archived left out");

    // Cities: one photo each, with its EXIF.
    let r = a.get("/api/search/cities").await;
    assert_eq!(r.status, 200);
    let cities: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["exifInfo"]["city"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(cities.len(), 6, "{cities:?}");
    assert!(cities.contains(&"Paris".to_string()));

    // Places by name, as Immich's spec asks: the capital first, with its county.
    let r = a.get("/api/search/places?name=Paris").await;
    assert_eq!(r.status, 200);
    let places = r.json();
    let places = places.as_array().unwrap();
    assert!(places.len() > 10, "{places:?}");
    assert_eq!(places[0]["name"], "Paris");
    assert_eq!(places[0]["admin2name"], "Paris");
    assert_eq!(places[0]["admin1name"], "Île-de-France");
    assert!((places[0]["latitude"].as_f64().unwrap() - 48.85).abs() < 0.01);
    let r = a.get("/api/search/places?name=z%C3%BCrich").await;
    assert_eq!(r.json()[0]["name"], "Zürich");
    let r = a.get("/api/search/places?name=qqqxqqq").await;
    assert_eq!(r.json(), json!([]));
    let r = a.get("/api/search/places").await;
    assert_eq!(r.status, 400, "name is required");
}

#[tokio::test]
async fn folders_list_where_originals_are_and_what_each_holds() {
    let server = Server::start();
    let admin = admin(&server).await;
    let mut uploaded = Vec::new();
    for i in 0..6 {
        let r = admin
            .upload(&format!("photo-{i}.jpg"), fake_jpeg(i, 2000))
            .await;
        assert_eq!(r.status, 201);
        uploaded.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let trashed = uploaded.pop().unwrap();
    let r = admin
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [trashed]}))
        .await;
    assert_eq!(r.status, 204);
    // Where each original is: its folder is its path without the file name.
    let mut by_folder: std::collections::BTreeMap<String, Vec<(String, String)>> =
        Default::default();
    for id in &uploaded {
        let path = admin.get(&format!("/api/assets/{id}")).await.json()["originalPath"]
            .as_str()
            .unwrap()
            .to_string();
        let (folder, name) = path.rsplit_once('/').unwrap();
        by_folder
            .entry(folder.to_string())
            .or_default()
            .push((name.to_string(), id.clone()));
    }
    let r = admin.get("/api/view/folder/unique-paths").await;
    assert_eq!(r.status, 200);
    let folders: Vec<String> = serde_json::from_value(r.json()).unwrap();
    assert_eq!(folders, by_folder.keys().cloned().collect::<Vec<_>>());
    for (folder, mut files) in by_folder {
        files.sort();
        let r = admin
            .get(&format!(
                "/api/view/folder?path={}",
                folder.replace('/', "%2F")
            ))
            .await;
        assert_eq!(r.status, 200);
        let found: Vec<String> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            found,
            files.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
        );
    }
    // A parent folder holds no photo directly; nobody else's folders; the permission.
    let parent = folders[0].rsplit_once('/').unwrap().0.to_string();
    let r = admin.get(&format!("/api/view/folder?path={parent}")).await;
    assert_eq!(r.json(), json!([]));
    create_user(&server, "bob@example.com", "password-1234");
    let bob = login(&server, "bob@example.com", "password-1234").await;
    assert_eq!(
        bob.get("/api/view/folder/unique-paths").await.json(),
        json!([])
    );
    let r = bob
        .get(&format!("/api/view/folder?path={}", folders[0]))
        .await;
    assert_eq!(r.json(), json!([]));
    let key = api_key(&admin, &["asset.read"]).await;
    key.get("/api/view/folder/unique-paths")
        .await
        .assert_error(403, "Missing required permission: folder.read");
    let r = admin.get("/api/view/folder").await;
    assert_eq!(r.status, 400, "path is required");
}
