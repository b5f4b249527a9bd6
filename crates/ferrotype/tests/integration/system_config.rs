//! The system configuration (`/api/system-config`), the system metadata, the server's about,
//! features, config, license and version endpoints, and the users' license and onboarding, as
//! Immich 3.x answers them (its end-to-end specs for these routes are the reference).

use std::time::Duration;

use crate::common::*;
use ferrotype_core::catalog::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Immich's end-to-end test keys, signed by its staging key pair (accepted with IMMICH_ENV=testing).
const SERVER_KEY: &str = "IMSV-6ECZ-91TE-WZRM-Q7AQ-MBN4-UW48-2CPT-71X9";
const SERVER_ACTIVATION: &str = "4kJUNUWMq13J14zqPFm1NodRcI6MV6DeOGvQNIgrM8Sc9nv669wyEVvFw1Nz4Kb1W7zLWblOtXEQzpRRqC4r4fKjewJxfbpeo9sEsqAVIfl4Ero-Vp1Dg21-sVdDGZEAy2oeTCXAyCT5d1JqrqR6N1qTAm4xOx9ujXQRFYhjRG8uwudw7_Q49pF18Tj5OEv9qCqElxztoNck4i6O_azsmsoOQrLIENIWPh3EynBN3ESpYERdCgXO8MlWeuG14_V1HbNjnJPZDuvYg__YfMzoOEtfm1sCqEaJ2Ww-BaX7yGfuCL4XsuZlCQQNHjfscy_WywVfIZPKCiW8QR74i0cSzQ";
const CLIENT_KEY: &str = "IMCL-FF69-TUK1-RWZU-V9Q8-QGQS-S5GC-X4R2-UFK4";
const CLIENT_ACTIVATION: &str = "KuX8KsktrBSiXpQMAH0zLgA5SpijXVr_PDkzLdWUlAogCTMBZ0I3KCHXK0eE9EEd7harxup8_EHMeqAWeHo5VQzol6LGECpFv585U9asXD4Zc-UXt3mhJr2uhazqipBIBwJA2YhmUCDy8hiyiGsukDQNu9Rg9C77UeoKuZBWVjWUBWG0mc1iRqfvF0faVM20w53czAzlhaMxzVGc3Oimbd7xi_CAMSujF_2y8QpA3X2fOVkQkzdcH9lV0COejl7IyH27zQQ9HrlrXv3Lai5Hw67kNkaSjmunVBxC5PS0TpKoc9SfBJMaAGWnaDbjhjYUrm-8nIDQnoeEAidDXVAdPw";

fn assert_message(reply: &Reply, status: u16, message: &str) {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["message"], message);
}

/// The admin and a user without admin rights.
async fn admin_and_user(server: &Server) -> (Client, Client) {
    let admin = admin(server).await;
    create_user(server, "user@example.com", "user-password");
    let user = login(server, "user@example.com", "user-password").await;
    (admin, user)
}

/// The stored value of a system metadata key, read from the catalog itself.
async fn stored(server: &Server, key: &str) -> Option<Value> {
    server.catalog().system_metadata(key).await.unwrap()
}

#[tokio::test]
async fn defaults_are_immichs_and_server_config_and_features_follow_them() {
    let server = Server::start();
    let (admin, _) = admin_and_user(&server).await;
    let defaults = admin.get("/api/system-config/defaults").await.json();
    assert_eq!(admin.get("/api/system-config").await.json(), defaults);
    // A few values of Immich's config.ts, field for field.
    assert_eq!(defaults["trash"], json!({"enabled": true, "days": 30}));
    assert_eq!(
        defaults["storageTemplate"],
        json!({"enabled": false, "hashVerificationEnabled": true,
               "template": "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}"})
    );
    assert_eq!(defaults["job"]["thumbnailGeneration"]["concurrency"], 3);
    assert_eq!(
        defaults["image"]["thumbnail"],
        json!({"format": "webp", "size": 250, "quality": 80, "progressive": false})
    );
    assert_eq!(
        defaults["backup"]["database"]["cronExpression"],
        "0 02 * * *"
    );
    assert_eq!(defaults["oauth"]["defaultStorageQuota"], Value::Null);
    assert_eq!(defaults["user"]["deleteDelay"], 7);

    // Immich's end-to-end expectations, exactly.
    let anon = Client::new(&server, Cred::None);
    assert_eq!(
        anon.get("/api/server/features").await.json(),
        json!({
            "smartSearch": false, "configFile": false, "duplicateDetection": false,
            "facialRecognition": false, "map": true, "reverseGeocoding": true,
            "importFaces": false, "oauth": false, "oauthAutoLaunch": false, "ocr": false,
            "passwordLogin": true, "realtimeTranscoding": false, "search": true,
            "sidecar": true, "trash": true, "email": false,
        })
    );
    assert_eq!(
        anon.get("/api/server/config").await.json(),
        json!({
            "loginPageMessage": "", "oauthButtonText": "Login with OAuth", "trashDays": 30,
            "userDeleteDelay": 7, "isInitialized": true, "externalDomain": "",
            "publicUsers": true, "isOnboarded": false, "maintenanceMode": false,
            "mapDarkStyleUrl": "https://tiles.immich.cloud/v1/style/dark.json",
            "mapLightStyleUrl": "https://tiles.immich.cloud/v1/style/light.json",
            "minFaces": 3,
        })
    );
    // Nothing is stored while nothing differs from the defaults.
    assert_eq!(stored(&server, "system-config").await, None);

    let options = admin
        .get("/api/system-config/storage-template-options")
        .await
        .json();
    assert_eq!(options["yearOptions"], json!(["y", "yy"]));
    assert_eq!(options["monthOptions"], json!(["M", "MM", "MMM", "MMMM"]));
    assert_eq!(options["presetOptions"].as_array().unwrap().len(), 21);
}

#[tokio::test]
async fn changes_take_effect_at_once_are_stored_as_differences_and_survive_a_restart() {
    let mut server = Server::start();
    let (admin, _) = admin_and_user(&server).await;
    let config = admin.get("/api/system-config").await.json();

    // Immich's "should always return the new config".
    for enabled in [false, true] {
        let mut changed = config.clone();
        changed["newVersionCheck"] = json!({"enabled": enabled, "channel": "stable"});
        let r = admin.put("/api/system-config", changed.clone()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json(), changed);
    }

    let mut changed = config.clone();
    changed["trash"]["days"] = json!(3);
    changed["user"]["deleteDelay"] = json!(2);
    changed["server"]["externalDomain"] = json!("https://photos.example.com/ignored/path");
    changed["server"]["loginPageMessage"] = json!("Welcome home");
    changed["map"]["enabled"] = json!(false);
    changed["reverseGeocoding"]["enabled"] = json!(false);
    changed["storageTemplate"]["template"] = json!("{{y}}/{{MMMM}}/{{filename}}");
    let r = admin.put("/api/system-config", changed).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // Answered as it is in effect: the domain reduced to its origin, as Immich does.
    assert_eq!(
        r.json()["server"]["externalDomain"],
        "https://photos.example.com"
    );

    let check = |server: &Server| {
        let anon = Client::new(server, Cred::None);
        async move {
            let config = anon.get("/api/server/config").await.json();
            assert_eq!(config["trashDays"], 3);
            assert_eq!(config["userDeleteDelay"], 2);
            assert_eq!(config["externalDomain"], "https://photos.example.com");
            assert_eq!(config["loginPageMessage"], "Welcome home");
            let features = anon.get("/api/server/features").await.json();
            assert_eq!(features["map"], false);
            assert_eq!(features["reverseGeocoding"], false);
        }
    };
    check(&server).await;
    // Stored as given (as Immich stores it), reduced to its origin when read.
    assert_eq!(
        stored(&server, "system-config").await.unwrap(),
        json!({
            "trash": {"days": 3},
            "user": {"deleteDelay": 2},
            "server": {"externalDomain": "https://photos.example.com/ignored/path", "loginPageMessage": "Welcome home"},
            "map": {"enabled": false},
            "reverseGeocoding": {"enabled": false},
            "storageTemplate": {"template": "{{y}}/{{MMMM}}/{{filename}}"},
        })
    );

    assert!(server.stop().success());
    server.restart();
    check(&server).await;
}

#[tokio::test]
async fn invalid_configs_are_refused_and_change_nothing() {
    let server = Server::start();
    let (admin, _) = admin_and_user(&server).await;
    let config = admin.get("/api/system-config").await.json();

    let with = |path: &[&str], value: Value| {
        let mut c = config.clone();
        let mut slot = &mut c;
        for key in path {
            slot = &mut slot[*key];
        }
        *slot = value;
        c
    };
    for (body, message) in [
        (
            // Immich's "should reject an invalid config entry".
            with(
                &["storageTemplate"],
                json!({"enabled": true, "hashVerificationEnabled": true, "template": "{{foo}}"}),
            ),
            "Invalid storage template",
        ),
        (
            with(
                &["storageTemplate", "template"],
                json!("{{y}}/{{#if album}}{{album}}"),
            ),
            "Invalid storage template",
        ),
        (
            with(&["server", "externalDomain"], json!("not a domain")),
            "External domain must be an empty string or a valid URL",
        ),
    ] {
        let r = admin.put("/api/system-config", body).await;
        assert_message(&r, 400, message);
    }
    for body in [
        with(&["library", "scan", "cronExpression"], json!("every night")),
        with(&["nightlyTasks", "startTime"], json!("25:00")),
        with(&["user", "deleteDelay"], json!(0)),
        with(&["trash", "days"], json!(-1)),
        with(&["image", "preview", "quality"], json!(101)),
        with(&["newVersionCheck", "channel"], json!("nightly")),
        with(&["trash"], json!("thirty days")),
        {
            let mut c = config.clone();
            c.as_object_mut().unwrap().remove("trash");
            c
        },
    ] {
        let r = admin.put("/api/system-config", body.clone()).await;
        assert_eq!(
            r.status,
            400,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert!(r.json()["message"].is_string());
    }
    assert_eq!(admin.get("/api/system-config").await.json(), config);
    assert_eq!(stored(&server, "system-config").await, None);
}

#[tokio::test]
async fn only_admins_see_or_change_the_config_and_system_metadata() {
    let server = Server::start();
    let (admin, user) = admin_and_user(&server).await;
    let anon = Client::new(&server, Cred::None);
    let config = admin.get("/api/system-config").await.json();
    let reads = [
        "/api/system-config",
        "/api/system-config/defaults",
        "/api/system-config/storage-template-options",
        "/api/system-metadata/admin-onboarding",
        "/api/system-metadata/reverse-geocoding-state",
        "/api/system-metadata/version-check-state",
        "/api/server/license",
    ];
    for path in reads {
        assert_eq!(anon.get(path).await.status, 401, "{path}");
        assert_message(&user.get(path).await, 403, "Forbidden");
    }
    assert_eq!(
        anon.put("/api/system-config", config.clone()).await.status,
        401
    );
    assert_message(
        &user.put("/api/system-config", config.clone()).await,
        403,
        "Forbidden",
    );
    assert_message(
        &user
            .post(
                "/api/system-metadata/admin-onboarding",
                json!({"isOnboarded": true}),
            )
            .await,
        403,
        "Forbidden",
    );
    // An admin's API key needs the route's permission.
    let key = api_key(&admin, &["systemConfig.read"]).await;
    assert_eq!(key.get("/api/system-config").await.status, 200);
    assert_message(
        &key.put("/api/system-config", config).await,
        403,
        "Missing required permission: systemConfig.update",
    );
}

#[tokio::test]
async fn password_login_can_be_turned_off_and_on() {
    let server = Server::start();
    let (admin, _) = admin_and_user(&server).await;
    let mut config = admin.get("/api/system-config").await.json();
    config["passwordLogin"]["enabled"] = json!(false);
    assert_eq!(
        admin.put("/api/system-config", config.clone()).await.status,
        200
    );

    let anon = Client::new(&server, Cred::None);
    assert_eq!(
        anon.get("/api/server/features").await.json()["passwordLogin"],
        false
    );
    let r = anon
        .post(
            "/api/auth/login",
            json!({"email": "user@example.com", "password": "user-password"}),
        )
        .await;
    assert_message(&r, 401, "Password login has been disabled");
    // Sessions already open go on working.
    config["passwordLogin"]["enabled"] = json!(true);
    assert_eq!(admin.put("/api/system-config", config).await.status, 200);
    login(&server, "user@example.com", "user-password").await;
}

#[tokio::test]
async fn with_reverse_geocoding_off_new_uploads_get_no_place() {
    let dir = geodata_dir();
    let server = Server::start_with(&[("FERROTYPE_MEDIA_GEODATA_DIR", dir.to_str().unwrap())]);
    let admin = admin(&server).await;
    // The geodata in use is recorded as Immich records its import.
    let state = admin
        .get("/api/system-metadata/reverse-geocoding-state")
        .await
        .json();
    assert_eq!(state["lastImportFileName"], "cities500.txt");
    assert!(state["lastUpdate"].is_string(), "{state}");

    let mut config = admin.get("/api/system-config").await.json();
    config["reverseGeocoding"]["enabled"] = json!(false);
    assert_eq!(
        admin.put("/api/system-config", config.clone()).await.status,
        200
    );
    let photo = fixtures().join("metadata/gps-position/thompson-springs.jpg");
    let off = upload_path(&admin, &photo).await;
    wait_for_media_jobs(&admin).await;
    let exif = admin.get(&format!("/api/assets/{off}")).await.json()["exifInfo"].clone();
    assert!(exif["latitude"].as_f64().is_some(), "{exif}");
    assert_eq!(exif["city"], Value::Null, "{exif}");
    assert_eq!(exif["country"], Value::Null, "{exif}");

    // Turned on again, the same photo read again gets its place.
    config["reverseGeocoding"]["enabled"] = json!(true);
    assert_eq!(admin.put("/api/system-config", config).await.status, 200);
    let r = admin
        .post(
            "/api/assets/jobs",
            json!({"assetIds": [off], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let mut city = Value::Null;
    for _ in 0..200 {
        city = admin.get(&format!("/api/assets/{off}")).await.json()["exifInfo"]["city"].clone();
        if !city.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(city, "Palisade");
}

#[tokio::test]
async fn image_sizes_apply_to_the_next_thumbnails_without_a_restart() {
    let server = Server::start();
    let admin = admin(&server).await;
    let short_side = |bytes: &[u8]| {
        let image = image::load_from_memory(bytes).expect("a decodable image");
        image.width().min(image.height())
    };
    let sizes = |id: String| {
        let admin = &admin;
        async move {
            let preview = admin
                .get(&format!("/api/assets/{id}/thumbnail?size=preview"))
                .await;
            let thumbnail = admin
                .get(&format!("/api/assets/{id}/thumbnail?size=thumbnail"))
                .await;
            (short_side(&preview.body), short_side(&thumbnail.body))
        }
    };
    let photo = fixtures().join("nature/prairie_falcon.jpg");
    let id = upload_path(&admin, &photo).await;
    wait_for_media_jobs(&admin).await;
    // Immich's defaults: previews of 1440 (never larger than the original, 800 x 533) and
    // thumbnails of 250.
    assert_eq!(sizes(id.clone()).await, (533, 250));

    let mut config = admin.get("/api/system-config").await.json();
    config["image"]["preview"]["size"] = json!(300);
    config["image"]["preview"]["quality"] = json!(50);
    config["image"]["thumbnail"]["size"] = json!(120);
    assert_eq!(admin.put("/api/system-config", config).await.status, 200);
    let r = admin
        .post(
            "/api/assets/jobs",
            json!({"assetIds": [id], "name": "regenerate-thumbnail"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let mut now = (0, 0);
    for _ in 0..200 {
        wait_for_media_jobs(&admin).await;
        now = sizes(id.clone()).await;
        if now == (300, 120) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(now, (300, 120));
}

#[tokio::test]
async fn a_config_file_makes_the_config_read_only() {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("immich.json");
    std::fs::write(
        &file,
        r#"{"trash": {"days": 5}, "server": {"loginPageMessage": "From a file"}, "unknownSection": {}}"#,
    )
    .unwrap();
    let server = Server::start_with(&[("IMMICH_CONFIG_FILE", file.to_str().unwrap())]);
    let admin = admin(&server).await;
    let anon = Client::new(&server, Cred::None);
    assert_eq!(
        anon.get("/api/server/features").await.json()["configFile"],
        true
    );
    let config = anon.get("/api/server/config").await.json();
    assert_eq!(config["trashDays"], 5);
    assert_eq!(config["loginPageMessage"], "From a file");
    // As Immich: with a config file the admin counts as onboarded.
    assert_eq!(config["isOnboarded"], true);
    let mut body = admin.get("/api/system-config").await.json();
    assert_eq!(body["trash"]["days"], 5);
    body["trash"]["days"] = json!(6);
    assert_message(
        &admin.put("/api/system-config", body).await,
        400,
        "Cannot update configuration while IMMICH_CONFIG_FILE is in use",
    );
    assert_eq!(anon.get("/api/server/config").await.json()["trashDays"], 5);
}

#[test]
fn a_config_file_that_breaks_a_rule_stops_the_start() {
    let temp = tempfile::tempdir().unwrap();
    for (content, why) in [
        (
            r#"{"storageTemplate": {"template": "{{foo}}"}}"#,
            "Invalid storage template",
        ),
        (r#"{"trash": {"days": "many"}}"#, "Invalid system config"),
        // Checked against the contract's schema, as a request body: each issue by its path.
        (
            r#"{"trash": {"days": -1}, "image": {"preview": {"format": "gif"}}}"#,
            "image.preview.format: Invalid option: expected one of",
        ),
        (
            r#"{"trash": {"days": -1}}"#,
            "trash.days: Too small: expected number to be >=0",
        ),
        ("trash: 3", "not valid JSON"),
    ] {
        let file = temp.path().join("immich.json");
        std::fs::write(&file, content).unwrap();
        let out = std::process::Command::new(BIN)
            .arg("serve")
            .arg("--data-dir")
            .arg(temp.path().join("data"))
            .env("FERROTYPE_SERVER_LISTEN", "127.0.0.1:0")
            .env("IMMICH_CONFIG_FILE", &file)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{content}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why), "{content}: {stderr}");
    }
}

#[tokio::test]
async fn admin_onboarding_round_trip() {
    let server = Server::start();
    let (admin, _) = admin_and_user(&server).await;
    let anon = Client::new(&server, Cred::None);
    assert_eq!(
        admin
            .get("/api/system-metadata/admin-onboarding")
            .await
            .json(),
        json!({"isOnboarded": false})
    );
    assert_eq!(
        anon.post(
            "/api/system-metadata/admin-onboarding",
            json!({"isOnboarded": true})
        )
        .await
        .status,
        401
    );
    let r = admin
        .post(
            "/api/system-metadata/admin-onboarding",
            json!({"isOnboarded": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        anon.get("/api/server/config").await.json()["isOnboarded"],
        true
    );
    assert_eq!(
        admin
            .get("/api/system-metadata/admin-onboarding")
            .await
            .json(),
        json!({"isOnboarded": true})
    );
    // Without geodata there is no import to tell of; no version check has ever run.
    assert_eq!(
        admin
            .get("/api/system-metadata/reverse-geocoding-state")
            .await
            .json(),
        json!({"lastUpdate": null, "lastImportFileName": null})
    );
    let never = json!({"checkedAt": null, "releaseVersion": null});
    assert_eq!(
        admin
            .get("/api/system-metadata/version-check-state")
            .await
            .json(),
        never
    );
    assert_eq!(admin.get("/api/server/version-check").await.json(), never);
}

#[tokio::test]
async fn about_apk_links_and_version_history() {
    let mut server = Server::start_with(&[
        ("IMMICH_BUILD", "1234567890"),
        ("IMMICH_REPOSITORY", "immich-app/immich"),
        ("IMMICH_SOURCE_COMMIT", "e2eeeeeeeeeeeeeeeeee"),
    ]);
    let (admin, user) = admin_and_user(&server).await;
    let anon = Client::new(&server, Cred::None);
    assert_eq!(anon.get("/api/server/about").await.status, 401);
    let about = user.get("/api/server/about").await.json();
    assert_eq!(about["version"], "v3.2.2");
    assert_eq!(
        about["versionUrl"],
        "https://github.com/immich-app/immich/releases/tag/v3.2.2"
    );
    assert_eq!(about["build"], "1234567890");
    assert_eq!(about["repository"], "immich-app/immich");
    assert_eq!(about["sourceCommit"], "e2eeeeeeeeeeeeeeeeee");
    assert_eq!(about["licensed"], false);
    // Unset build facts are left out, as Immich leaves them out.
    assert!(about.get("buildUrl").is_none(), "{about}");
    for program in ["nodejs", "ffmpeg", "imagemagick", "libvips", "exiftool"] {
        assert!(about[program].is_string(), "{program}: {about}");
    }
    // The machine has exiftool (the metadata job needs it); there is no Node.js inside.
    assert!(!about["exiftool"].as_str().unwrap().is_empty(), "{about}");
    assert_eq!(about["nodejs"], "");

    let links = user.get("/api/server/apk-links").await.json();
    assert_eq!(
        links["universal"],
        "https://github.com/immich-app/immich/releases/download/v3.2.2/app-release.apk"
    );

    let history = anon.get("/api/server/version-history").await.json();
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history[0]["version"], "3.2.2");
    // The same version started again is not a new entry.
    assert!(server.stop().success());
    server.restart();
    let anon = Client::new(&server, Cred::None);
    let again = anon.get("/api/server/version-history").await.json();
    assert_eq!(again, history);
    let _ = admin;
}

#[tokio::test]
async fn server_license_is_checked_with_immichs_key() {
    let server = Server::start_with(&[("IMMICH_ENV", "testing")]);
    let (admin, user) = admin_and_user(&server).await;
    let license = json!({"licenseKey": SERVER_KEY, "activationKey": SERVER_ACTIVATION});
    assert_message(&admin.get("/api/server/license").await, 404, "Not Found");
    assert_message(
        &user.put("/api/server/license", license.clone()).await,
        403,
        "Forbidden",
    );
    for bad in [
        // Immich's "should reject license not starting with IMSV-".
        json!({"licenseKey": "IMCL-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD", "activationKey": "activationKey"}),
        json!({"licenseKey": SERVER_KEY, "activationKey": format!("invalid{SERVER_ACTIVATION}")}),
        // A client key is not a server key, even well signed.
        json!({"licenseKey": CLIENT_KEY, "activationKey": CLIENT_ACTIVATION}),
    ] {
        assert_message(
            &admin.put("/api/server/license", bad).await,
            400,
            "Invalid license key",
        );
    }
    let r = admin.put("/api/server/license", license.clone()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["licenseKey"], SERVER_KEY);
    assert_eq!(body["activationKey"], SERVER_ACTIVATION);
    assert!(body["activatedAt"].is_string());
    assert_eq!(admin.get("/api/server/license").await.json(), body);
    assert_eq!(user.get("/api/server/about").await.json()["licensed"], true);

    assert_message(&user.delete("/api/server/license").await, 403, "Forbidden");
    assert_eq!(admin.delete("/api/server/license").await.status, 204);
    assert_eq!(admin.get("/api/server/license").await.status, 404);
    assert_eq!(
        user.get("/api/server/about").await.json()["licensed"],
        false
    );
}

#[tokio::test]
async fn in_production_the_staging_keys_do_not_count() {
    let server = Server::start();
    let admin = admin(&server).await;
    let license = json!({"licenseKey": SERVER_KEY, "activationKey": SERVER_ACTIVATION});
    assert_message(
        &admin.put("/api/server/license", license).await,
        400,
        "Invalid license key",
    );
    let license = json!({"licenseKey": CLIENT_KEY, "activationKey": CLIENT_ACTIVATION});
    assert_message(
        &admin.put("/api/users/me/license", license).await,
        400,
        "Invalid license key",
    );
}

#[tokio::test]
async fn user_license_and_onboarding() {
    let server = Server::start_with(&[("IMMICH_ENV", "testing")]);
    let (_, user) = admin_and_user(&server).await;
    let license = json!({"licenseKey": CLIENT_KEY, "activationKey": CLIENT_ACTIVATION});
    assert_eq!(
        user.get("/api/users/me").await.json()["license"],
        Value::Null
    );
    assert_message(&user.get("/api/users/me/license").await, 404, "Not Found");
    for bad in [
        json!({"licenseKey": "IMSV-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD", "activationKey": "activationKey"}),
        json!({"licenseKey": CLIENT_KEY, "activationKey": format!("invalid{CLIENT_ACTIVATION}")}),
    ] {
        assert_message(
            &user.put("/api/users/me/license", bad).await,
            400,
            "Invalid license key",
        );
    }
    let r = user.put("/api/users/me/license", license).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["licenseKey"], CLIENT_KEY);
    assert!(body["activatedAt"].is_string());
    assert_eq!(user.get("/api/users/me/license").await.json(), body);
    assert_eq!(user.get("/api/users/me").await.json()["license"], body);
    assert_eq!(user.delete("/api/users/me/license").await.status, 204);
    assert_eq!(
        user.get("/api/users/me").await.json()["license"],
        Value::Null
    );
    // A server key signed by Immich is accepted for a user too, as Immich accepts it.
    let server_license = json!({"licenseKey": SERVER_KEY, "activationKey": SERVER_ACTIVATION});
    assert_eq!(
        user.put("/api/users/me/license", server_license)
            .await
            .status,
        200
    );

    let anon = Client::new(&server, Cred::None);
    assert_eq!(anon.get("/api/users/me/onboarding").await.status, 401);
    assert_eq!(
        user.get("/api/users/me/onboarding").await.json(),
        json!({"isOnboarded": false})
    );
    let login_reply = |server: &Server| {
        let anon = Client::new(server, Cred::None);
        async move {
            anon.post(
                "/api/auth/login",
                json!({"email": "user@example.com", "password": "user-password"}),
            )
            .await
            .json()["isOnboarded"]
                .clone()
        }
    };
    assert_eq!(login_reply(&server).await, false);
    let r = user
        .put("/api/users/me/onboarding", json!({"isOnboarded": true}))
        .await;
    assert_eq!(r.json(), json!({"isOnboarded": true}));
    assert_eq!(
        user.get("/api/users/me/onboarding").await.json(),
        json!({"isOnboarded": true})
    );
    assert_eq!(login_reply(&server).await, true);
    assert_eq!(user.delete("/api/users/me/onboarding").await.status, 204);
    assert_eq!(
        user.get("/api/users/me/onboarding").await.json(),
        json!({"isOnboarded": false})
    );
}

#[tokio::test]
async fn admins_read_and_change_any_users_preferences() {
    let server = Server::start();
    let (admin, user) = admin_and_user(&server).await;
    let user_id = user_id(&user).await;
    let path = format!("/api/admin/users/{user_id}/preferences");
    let anon = Client::new(&server, Cred::None);
    assert_eq!(
        anon.send_json(Method::PUT, &path, json!({})).await.status,
        401
    );
    assert_message(&user.get(&path).await, 403, "Forbidden");
    assert_eq!(admin.get(&path).await.json()["memories"]["enabled"], true);

    let r = admin
        .put(&path, json!({"memories": {"enabled": false}}))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["memories"]["enabled"], false);
    let r = admin
        .put(&path, json!({"download": {"archiveSize": 1_234_567}}))
        .await;
    assert_eq!(r.json()["download"]["archiveSize"], 1_234_567);
    // The user sees the change as their own.
    let mine = user.get("/api/users/me/preferences").await.json();
    assert_eq!(mine["memories"]["enabled"], false);
    assert_eq!(mine["download"]["archiveSize"], 1_234_567);
    assert_eq!(admin.get(&path).await.json(), mine);

    assert_eq!(
        admin
            .put(&path, json!({"memories": {"enabled": "no"}}))
            .await
            .status,
        400
    );
    let unknown = format!("/api/admin/users/{}/preferences", uuid::Uuid::new_v4());
    assert_eq!(admin.get(&unknown).await.status, 400);
}
