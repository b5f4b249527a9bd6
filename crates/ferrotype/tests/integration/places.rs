//! Places from GPS positions (offline reverse geocoding): the metadata job fills
//! `exifInfo.city/state/country` from the GeoNames data that `scripts/setup-geodata` installs
//! (run from here when it is missing: these tests never skip). Expected places are the ones
//! Immich's own end-to-end tests expect for the same fixture photos.

use std::time::Duration;

use crate::common::*;
use serde_json::Value;

async fn upload_fixture(client: &Client, relative: &str) -> String {
    let path = fixtures().join(relative);
    let name = path.file_name().unwrap().to_str().unwrap().to_string();
    let r = client.upload(&name, std::fs::read(&path).unwrap()).await;
    assert!(
        r.status == 201 || r.status == 200,
        "{relative}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()["id"].as_str().unwrap().to_string()
}

/// Waits until the metadata queue has nothing waiting or running; none may have failed.
async fn metadata_done(client: &Client) {
    for _ in 0..600 {
        let stats = client.get("/api/queues/metadataExtraction").await.json()["statistics"].clone();
        if stats["waiting"] == 0 && stats["active"] == 0 && stats["delayed"] == 0 {
            assert_eq!(stats["failed"], 0, "{stats}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("metadataExtraction never drained");
}

/// (city, state, country) of an asset, after checking that its metadata was read.
async fn place(client: &Client, id: &str) -> (Value, Value, Value) {
    let asset = client.get(&format!("/api/assets/{id}")).await.json();
    assert_eq!(asset["hasMetadata"], true, "{asset}");
    let exif = &asset["exifInfo"];
    (
        exif["city"].clone(),
        exif["state"].clone(),
        exif["country"].clone(),
    )
}

fn named(city: &str, state: &str, country: &str) -> (Value, Value, Value) {
    (city.into(), state.into(), country.into())
}

const NOWHERE: (Value, Value, Value) = (Value::Null, Value::Null, Value::Null);

#[tokio::test]
async fn gps_positions_get_city_state_and_country() {
    let dir = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", dir.to_str().unwrap())]);
    let admin = admin(&server).await;
    let palisade = upload_fixture(&admin, "metadata/gps-position/thompson-springs.jpg").await;
    let ralston = upload_fixture(&admin, "formats/heic/IMG_2682.heic").await;
    // GPS tags present but empty, and no GPS tags at all.
    let empty_gps = upload_fixture(&admin, "metadata/gps-position/empty_gps.jpg").await;
    let no_gps = upload_fixture(&admin, "formats/png/density_plot.png").await;
    metadata_done(&admin).await;

    // 39.115, -108.401: Palisade is 4 km away (Thompson Springs, Utah, which the photo shows
    // and is named after, is 114 km west of the position written in it).
    assert_eq!(
        place(&admin, &palisade).await,
        named("Palisade", "Colorado", "United States of America")
    );
    // 41.2203, -96.0716, in Omaha's suburbs.
    assert_eq!(
        place(&admin, &ralston).await,
        named("Ralston", "Nebraska", "United States of America")
    );
    // Its tags name no offset: the zone is the place's (as Immich's geo-tz gives it), and the
    // wall clock is read in it (CDT, UTC-5, in March).
    let asset = admin.get(&format!("/api/assets/{ralston}")).await.json();
    assert_eq!(asset["exifInfo"]["timeZone"], "America/Chicago");
    assert_eq!(
        asset["exifInfo"]["dateTimeOriginal"],
        "2019-03-21T16:04:22.348+00:00"
    );
    assert_eq!(asset["localDateTime"], "2019-03-21T11:04:22.348Z");
    assert_eq!(place(&admin, &empty_gps).await, NOWHERE);
    assert_eq!(place(&admin, &no_gps).await, NOWHERE);

    let log = server.log();
    assert!(
        log.contains("reverse geocoding: ") && log.contains(" places from "),
        "no load line in the log:\n{log}"
    );
    assert!(!log.contains("reverse geocoding is off"), "{log}");
}

#[tokio::test]
async fn without_the_data_places_stay_empty_and_the_log_says_so_once() {
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", "/nonexistent/geodata")]);
    let admin = admin(&server).await;
    let palisade = upload_fixture(&admin, "metadata/gps-position/thompson-springs.jpg").await;
    let ralston = upload_fixture(&admin, "formats/heic/IMG_2682.heic").await;
    metadata_done(&admin).await;

    assert_eq!(place(&admin, &palisade).await, NOWHERE);
    assert_eq!(place(&admin, &ralston).await, NOWHERE);
    // No zone from the place either: the offset the GPS clock tells.
    let asset = admin.get(&format!("/api/assets/{ralston}")).await.json();
    assert_eq!(asset["exifInfo"]["timeZone"], "UTC-5");
    let asset = admin.get(&format!("/api/assets/{palisade}")).await.json();
    assert!(asset["exifInfo"]["latitude"].as_f64().is_some(), "{asset}");
    let log = server.log();
    assert_eq!(
        log.matches("reverse geocoding is off").count(),
        1,
        "expected one warning:\n{log}"
    );
    assert!(log.contains("/nonexistent/geodata"), "{log}");
}

#[tokio::test]
async fn a_place_edited_by_hand_gets_its_names_at_once_and_keeps_them() {
    let dir = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", dir.to_str().unwrap())]);
    let admin = admin(&server).await;
    let palisade = upload_fixture(&admin, "metadata/gps-position/thompson-springs.jpg").await;
    let no_gps = upload_fixture(&admin, "formats/png/density_plot.png").await;
    metadata_done(&admin).await;

    // Notre-Dame: the answer already names Paris.
    let r = admin
        .put(
            &format!("/api/assets/{palisade}"),
            serde_json::json!({ "latitude": 48.853, "longitude": 2.3499 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let exif = &r.json()["exifInfo"];
    assert_eq!(
        (
            exif["city"].clone(),
            exif["state"].clone(),
            exif["country"].clone()
        ),
        named("Paris", "Île-de-France", "France")
    );
    // Many at once, one of them with no position before.
    let r = admin
        .put(
            "/api/assets",
            serde_json::json!({ "ids": [palisade, no_gps], "latitude": 41.2203, "longitude": -96.0716 }),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    for id in [&palisade, &no_gps] {
        assert_eq!(
            place(&admin, id).await,
            named("Ralston", "Nebraska", "United States of America")
        );
    }
    // Reading the file's metadata again keeps the place edited (and its names), not the file's.
    let r = admin
        .post(
            "/api/assets/jobs",
            serde_json::json!({ "assetIds": [palisade], "name": "refresh-metadata" }),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    metadata_done(&admin).await;
    assert_eq!(
        place(&admin, &palisade).await,
        named("Ralston", "Nebraska", "United States of America")
    );
    // Far from any town: the position is kept, with no names.
    let r = admin
        .put(
            &format!("/api/assets/{palisade}"),
            serde_json::json!({ "latitude": 0.5, "longitude": -30.0 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["exifInfo"]["latitude"], 0.5);
    assert_eq!(place(&admin, &palisade).await, NOWHERE);
}

#[tokio::test]
async fn reverse_geocode_names_the_nearest_place_as_immich() {
    let dir = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", dir.to_str().unwrap())]);
    let admin = admin(&server).await;
    // Immich's own cases (its e2e map spec).
    for (lat, lon, city, state, country) in [
        (
            -33.85897705866313,
            151.27849073027048,
            "Vaucluse",
            "New South Wales",
            "Australia",
        ),
        (
            -37.76573239917475,
            144.7524531648833,
            "Ravenhall",
            "Victoria",
            "Australia",
        ),
        (
            -31.894346156789997,
            115.75761710390464,
            "Scarborough",
            "Western Australia",
            "Australia",
        ),
    ] {
        let r = admin
            .get(&format!("/api/map/reverse-geocode?lat={lat}&lon={lon}"))
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(
            r.json(),
            serde_json::json!([{ "city": city, "state": state, "country": country }])
        );
    }
    // The middle of the Atlantic: one result, all null (as Immich without a country polygon).
    let r = admin.get("/api/map/reverse-geocode?lat=0.5&lon=-30").await;
    assert_eq!(
        r.json(),
        serde_json::json!([{ "city": null, "state": null, "country": null }])
    );
    // Bad input: Immich's validation messages.
    for (query, path, message) in [
        (
            "lon=123",
            "lat",
            "Invalid input: expected number, received NaN",
        ),
        (
            "lat=abc&lon=123.456",
            "lat",
            "Invalid input: expected number, received NaN",
        ),
        (
            "lat=91&lon=123.456",
            "lat",
            "Too big: expected number to be <=90",
        ),
        (
            "lat=75",
            "lon",
            "Invalid input: expected number, received NaN",
        ),
        (
            "lat=75&lon=-181",
            "lon",
            "Too small: expected number to be >=-180",
        ),
    ] {
        let r = admin
            .get(&format!("/api/map/reverse-geocode?{query}"))
            .await;
        assert_eq!(r.status, 400, "{query}");
        let body = r.json();
        assert_eq!(body["message"], "Validation failed", "{query}: {body}");
        assert_eq!(
            body["errors"][0]["path"],
            serde_json::json!([path]),
            "{query}"
        );
        assert_eq!(body["errors"][0]["message"], message, "{query}");
    }
    Client::new(&server, Cred::None)
        .get("/api/map/reverse-geocode?lat=1&lon=1")
        .await
        .assert_error(401, "Authentication required");
}

#[tokio::test]
async fn map_markers_are_what_the_user_sees_with_immichs_filters() {
    let dir = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", dir.to_str().unwrap())]);
    let admin = admin(&server).await;
    create_user(&server, "friend@example.com", "a-password");
    let friend = login(&server, "friend@example.com", "a-password").await;
    let palisade = upload_fixture(&admin, "metadata/gps-position/thompson-springs.jpg").await;
    let ralston = upload_fixture(&admin, "formats/heic/IMG_2682.heic").await;
    let archived = upload_fixture(&admin, "metadata/dates/datetimeoriginal-gps.jpg").await;
    let _no_gps = upload_fixture(&admin, "formats/png/density_plot.png").await;
    let friends = upload_fixture(&friend, "metadata/gps-position/thompson-springs.jpg").await;
    metadata_done(&admin).await;
    let r = admin
        .put(
            "/api/assets",
            serde_json::json!({ "ids": [archived], "visibility": "archive" }),
        )
        .await;
    assert_eq!(r.status, 204);
    let ids = |r: &Reply| -> Vec<String> {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };

    // The timeline's photos with a position, newest file first, with their places (Immich's
    // own expectation for these two fixtures).
    let r = admin.get("/api/map/markers").await;
    let markers = r.json();
    assert_eq!(ids(&r), [palisade.clone(), ralston.clone()]);
    assert_eq!(markers[0]["city"], "Palisade");
    assert_eq!(markers[0]["state"], "Colorado");
    assert!((markers[0]["lat"].as_f64().unwrap() - 39.115).abs() < 0.001);
    assert!((markers[0]["lon"].as_f64().unwrap() + 108.400968).abs() < 0.001);
    assert_eq!(markers[1]["city"], "Ralston");
    // The archive only when asked for, and only one's own.
    let with_archive = ids(&admin.get("/api/map/markers?isArchived=true").await);
    assert!(with_archive.contains(&archived), "{with_archive:?}");
    assert_eq!(with_archive.len(), 3);
    // Favourites only.
    admin
        .put(
            &format!("/api/assets/{ralston}"),
            serde_json::json!({ "isFavorite": true }),
        )
        .await;
    assert_eq!(
        ids(&admin.get("/api/map/markers?isFavorite=true").await),
        [ralston.as_str()]
    );
    // By file date: from the newest marker's date on, only it; up to it, the others too.
    let all = admin.get("/api/map/markers").await.json();
    let newest = all[0]["id"].as_str().unwrap().to_string();
    let created = |id: &str| {
        let admin = admin.clone();
        let id = id.to_string();
        async move {
            admin.get(&format!("/api/assets/{id}")).await.json()["fileCreatedAt"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let newest_at = created(&newest).await;
    assert_eq!(
        ids(&admin
            .get(&format!("/api/map/markers?fileCreatedAfter={newest_at}"))
            .await),
        [newest.as_str()]
    );
    assert!(
        !ids(&admin
            .get(&format!("/api/map/markers?fileCreatedBefore={newest_at}"))
            .await)
        .is_empty()
    );
    // Someone else's photo: not on my map, until it is in an album shared with me and I ask
    // for shared albums.
    assert!(!ids(&admin.get("/api/map/markers").await).contains(&friends));
    let me = admin.get("/api/users/me").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = friend
        .post(
            "/api/albums",
            serde_json::json!({ "albumName": "Trip", "assetIds": [friends],
                "albumUsers": [{ "userId": me, "role": "viewer" }] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert!(!ids(&admin.get("/api/map/markers").await).contains(&friends));
    assert!(ids(&admin.get("/api/map/markers?withSharedAlbums=true").await).contains(&friends));
    // Trashed photos leave the map.
    admin
        .send_json(
            reqwest::Method::DELETE,
            "/api/assets",
            serde_json::json!({ "ids": [palisade] }),
        )
        .await;
    assert!(!ids(&admin.get("/api/map/markers").await).contains(&palisade));
    Client::new(&server, Cred::None)
        .get("/api/map/markers")
        .await
        .assert_error(401, "Authentication required");
}
