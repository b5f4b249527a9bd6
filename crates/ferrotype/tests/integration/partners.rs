//! Partner sharing (`/partners`): every route and refusal of Immich's e2e spec and ours, what a
//! partner may then open (before, during and after the partnership), the timeline of a partner
//! and `withPartners` with its refusals, the map, and the sync stream's partner types replayed
//! as the app asks for them, each line checked against the spec.

use crate::common::*;
use crate::sync::{ack, acks_of, authed, check_order, kinds, of_kind, sync};
use reqwest::Method;
use serde_json::{Value, json};

struct People {
    server: Server,
    admin: Client,
    ann: Client,
    bob: Client,
    cat: Client,
    ann_id: String,
    bob_id: String,
    cat_id: String,
}

async fn people() -> People {
    let server = Server::start();
    let admin = admin(&server).await;
    for name in ["ann", "bob", "cat"] {
        create_user(&server, &format!("{name}@example.com"), "password-1234");
    }
    let ann = login(&server, "ann@example.com", "password-1234").await;
    let bob = login(&server, "bob@example.com", "password-1234").await;
    let cat = login(&server, "cat@example.com", "password-1234").await;
    let (ann_id, bob_id, cat_id) = (
        user_id(&ann).await,
        user_id(&bob).await,
        user_id(&cat).await,
    );
    People {
        server,
        admin,
        ann,
        bob,
        cat,
        ann_id,
        bob_id,
        cat_id,
    }
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn partners_are_added_listed_shown_and_removed() {
    let p = people().await;
    let anon = Client::new(&p.server, Cred::None);
    anon.get("/api/partners?direction=shared-by")
        .await
        .assert_error(401, "Authentication required");
    for (method, path) in [
        (Method::POST, format!("/api/partners/{}", p.cat_id)),
        (Method::PUT, format!("/api/partners/{}", p.bob_id)),
        (Method::DELETE, format!("/api/partners/{}", p.cat_id)),
    ] {
        anon.send_json(method, &path, json!({}))
            .await
            .assert_error(401, "Authentication required");
    }
    // The direction is required and one of two.
    assert_eq!(p.ann.get("/api/partners").await.status, 400);
    assert_eq!(p.ann.get("/api/partners?direction=both").await.status, 400);

    let r = p
        .ann
        .post("/api/partners", json!({"sharedWithId": p.bob_id}))
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let made = r.json();
    assert_eq!(made["id"], p.bob_id.as_str());
    assert_eq!(made["email"], "bob@example.com");
    assert_eq!(made["inTimeline"], false);
    p.bob
        .post("/api/partners", json!({"sharedWithId": p.ann_id}))
        .await;
    p.ann
        .post("/api/partners", json!({"sharedWithId": p.bob_id}))
        .await
        .assert_error(400, "Partner already exists");
    // Immich 3's deprecated form.
    let r = p
        .ann
        .post(&format!("/api/partners/{}", p.cat_id), json!({}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["id"], p.cat_id.as_str());
    p.ann
        .post(&format!("/api/partners/{}", p.bob_id), json!({}))
        .await
        .assert_error(400, "Partner already exists");
    p.ann
        .post("/api/partners", json!({"sharedWithId": p.ann_id}))
        .await
        .assert_error(400, "Cannot share with yourself");
    p.ann
        .post(
            "/api/partners",
            json!({"sharedWithId": "4f1b2b4e-8c1e-4d55-9b1a-0d6f1c2b3a4d"}),
        )
        .await
        .assert_error(400, "User not found");
    p.ann
        .post("/api/partners", json!({"sharedWithId": "not-a-uuid"}))
        .await
        .assert_invalid(json!(["sharedWithId"]), "Invalid UUID");
    assert_eq!(p.ann.post("/api/partners", json!({})).await.status, 400);

    let shared_by = p.ann.get("/api/partners?direction=shared-by").await.json();
    assert_eq!(ids(&shared_by), [p.bob_id.as_str(), p.cat_id.as_str()]);
    let shared_with = p
        .ann
        .get("/api/partners?direction=shared-with")
        .await
        .json();
    assert_eq!(ids(&shared_with), [p.bob_id.as_str()]);
    let bobs = p
        .bob
        .get("/api/partners?direction=shared-with")
        .await
        .json();
    assert_eq!(ids(&bobs), [p.ann_id.as_str()]);
    let cats = p.cat.get("/api/partners?direction=shared-by").await.json();
    assert_eq!(ids(&cats), Vec::<&str>::new());

    // The partner chooses whether the sharer's photos show in their timeline.
    let r = p
        .bob
        .put(
            &format!("/api/partners/{}", p.ann_id),
            json!({"inTimeline": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["id"], p.ann_id.as_str());
    assert_eq!(r.json()["inTimeline"], true);
    let bobs = p
        .bob
        .get("/api/partners?direction=shared-with")
        .await
        .json();
    assert_eq!(bobs[0]["inTimeline"], true);
    // Only someone who shares with the caller: Bob does not share with Cat.
    p.cat
        .put(
            &format!("/api/partners/{}", p.bob_id),
            json!({"inTimeline": true}),
        )
        .await
        .assert_error(400, "Not found or no partner.update access");
    p.ann
        .put(
            &format!("/api/partners/{}", p.cat_id),
            json!({"inTimeline": true}),
        )
        .await
        .assert_error(400, "Not found or no partner.update access");
    p.bob
        .put(
            &format!("/api/partners/{}", p.ann_id),
            json!({"inTimeline": "yes"}),
        )
        .await
        .assert_invalid(
            json!(["inTimeline"]),
            "Invalid input: expected boolean, received string",
        );

    let r = p.ann.delete(&format!("/api/partners/{}", p.cat_id)).await;
    assert_eq!(r.status, 204);
    p.ann
        .delete(&format!("/api/partners/{}", p.cat_id))
        .await
        .assert_error(400, "Partner not found");
    // One removes only one's own sharing.
    p.cat
        .delete(&format!("/api/partners/{}", p.ann_id))
        .await
        .assert_error(400, "Partner not found");
    let shared_by = p.ann.get("/api/partners?direction=shared-by").await.json();
    assert_eq!(ids(&shared_by), [p.bob_id.as_str()]);

    // API keys need the partner permissions.
    let reader = api_key(&p.ann, &["partner.read"]).await;
    assert_eq!(
        reader.get("/api/partners?direction=shared-by").await.status,
        200
    );
    reader
        .post("/api/partners", json!({"sharedWithId": p.cat_id}))
        .await
        .assert_error(403, "Missing required permission: partner.create");
}

async fn bucket_ids(client: &Client, query: &str) -> Vec<String> {
    let buckets = client
        .get(&format!("/api/timeline/buckets?{query}"))
        .await
        .json();
    let mut ids = Vec::new();
    for bucket in buckets.as_array().unwrap() {
        let month = bucket["timeBucket"].as_str().unwrap();
        let r = client
            .get(&format!("/api/timeline/bucket?timeBucket={month}&{query}"))
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        for id in r.json()["id"].as_array().unwrap() {
            ids.push(id.as_str().unwrap().to_string());
        }
    }
    ids.sort();
    ids
}

#[tokio::test]
async fn a_partner_sees_the_timeline_of_who_shares() {
    let p = people().await;
    let shown = upload_path(&p.ann, &fixtures().join("nature/prairie_falcon.jpg")).await;
    let archived = upload_path(&p.ann, &fixtures().join("nature/tanners_ridge.jpg")).await;
    let bobs = upload_path(&p.bob, &fixtures().join("nature/wood_anemones.jpg")).await;
    wait_for_media_jobs(&p.admin).await;
    let r = p
        .ann
        .put(
            &format!("/api/assets/{archived}"),
            json!({"visibility": "archive"}),
        )
        .await;
    assert_eq!(r.status, 200);

    // Before: nothing of Ann's for Bob.
    p.bob
        .get(&format!("/api/assets/{shown}"))
        .await
        .assert_error(400, "Not found or no asset.read access");
    p.bob
        .get(&format!("/api/assets/{shown}/thumbnail"))
        .await
        .assert_error(400, "Not found or no asset.view access");
    p.bob
        .get(&format!("/api/timeline/buckets?userId={}", p.ann_id))
        .await
        .assert_error(400, "Not found or no timeline.read access");

    p.ann
        .post("/api/partners", json!({"sharedWithId": p.bob_id}))
        .await;
    // During: what is on her timeline, to look at and download, not to change.
    assert_eq!(p.bob.get(&format!("/api/assets/{shown}")).await.status, 200);
    assert_eq!(
        p.bob
            .get(&format!("/api/assets/{shown}/thumbnail"))
            .await
            .status,
        200
    );
    assert_eq!(
        p.bob
            .get(&format!("/api/assets/{shown}/original"))
            .await
            .status,
        200
    );
    p.bob
        .put(&format!("/api/assets/{shown}"), json!({"isFavorite": true}))
        .await
        .assert_error(400, "Not found or no asset.update access");
    // Her archive stays hers.
    p.bob
        .get(&format!("/api/assets/{archived}"))
        .await
        .assert_error(400, "Not found or no asset.read access");
    // Cat is no partner of hers.
    p.cat
        .get(&format!("/api/assets/{shown}"))
        .await
        .assert_error(400, "Not found or no asset.read access");

    // Her timeline, as Bob opens it (the partner's page).
    let query = format!("userId={}&visibility=timeline", p.ann_id);
    assert_eq!(
        bucket_ids(&p.bob, &query).await,
        std::slice::from_ref(&shown)
    );
    assert_eq!(
        bucket_ids(&p.bob, &format!("userId={}", p.ann_id)).await,
        std::slice::from_ref(&shown),
        "without a visibility, not her archive"
    );
    p.bob
        .get(&format!(
            "/api/timeline/buckets?userId={}&visibility=archive",
            p.ann_id
        ))
        .await
        .assert_error(400, "Not found or no archive.read access");
    p.cat
        .get(&format!("/api/timeline/buckets?{query}"))
        .await
        .assert_error(400, "Not found or no timeline.read access");

    // withPartners: Ann's photos join Bob's timeline once he shows her in it.
    let with = "visibility=timeline&withPartners=true";
    assert_eq!(bucket_ids(&p.bob, with).await, std::slice::from_ref(&bobs));
    p.bob
        .put(
            &format!("/api/partners/{}", p.ann_id),
            json!({"inTimeline": true}),
        )
        .await;
    let mut both = vec![bobs.clone(), shown.clone()];
    both.sort();
    assert_eq!(bucket_ids(&p.bob, with).await, both);
    // Not hers: she does not show Bob (he does not share with her).
    assert_eq!(
        bucket_ids(&p.ann, with).await,
        std::slice::from_ref(&shown),
        "her own only"
    );
    for refused in [
        "withPartners=true",
        "withPartners=true&visibility=archive",
        "withPartners=true&visibility=timeline&isFavorite=true",
        "withPartners=true&visibility=timeline&isFavorite=false",
        "withPartners=true&visibility=timeline&isTrashed=true",
    ] {
        for path in ["buckets?", "bucket?timeBucket=2024-01-01&"] {
            p.bob
                .get(&format!("/api/timeline/{path}{refused}"))
                .await
                .assert_error(
                    400,
                    "withPartners is only supported for non-archived, non-trashed, \
                     non-favorited, non-locked assets",
                );
        }
    }
    // The map takes partners whether or not they are in the timeline.
    let r = p.bob.get("/api/map/markers?withPartners=true").await;
    assert_eq!(r.status, 200);

    // After: Ann stops sharing, and Bob sees nothing of hers again.
    assert_eq!(
        p.ann
            .delete(&format!("/api/partners/{}", p.bob_id))
            .await
            .status,
        204
    );
    p.bob
        .get(&format!("/api/assets/{shown}"))
        .await
        .assert_error(400, "Not found or no asset.read access");
    assert_eq!(bucket_ids(&p.bob, with).await, [bobs]);
    p.bob
        .get(&format!("/api/timeline/buckets?{query}"))
        .await
        .assert_error(400, "Not found or no timeline.read access");
}

#[tokio::test]
async fn partners_reach_the_phone() {
    let p = people().await;
    let phone = authed(&p.bob);
    let base = p.server.base.clone();
    let mut photos = Vec::new();
    for name in ["nature/prairie_falcon.jpg", "nature/tanners_ridge.jpg"] {
        photos.push(upload_path(&p.ann, &fixtures().join(name)).await);
    }
    wait_for_media_jobs(&p.admin).await;
    let r = p
        .ann
        .put(
            &format!("/api/assets/{}", photos[0]),
            json!({"isFavorite": true}),
        )
        .await;
    assert_eq!(r.status, 200);

    let partner_kinds = |lines: &[crate::sync::Line]| -> Vec<String> {
        kinds(lines)
            .into_iter()
            .filter(|k| k.starts_with("Partner") || *k == "SyncCompleteV1")
            .map(str::to_string)
            .collect()
    };
    let before = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    assert_eq!(partner_kinds(&before), ["SyncCompleteV1"]);
    ack(&phone, &base, acks_of(&before)).await;

    // Shared today: the partnership and her library (older than it), with its EXIF.
    p.ann
        .post("/api/partners", json!({"sharedWithId": p.bob_id}))
        .await;
    let shared = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&shared);
    assert_eq!(
        partner_kinds(&shared),
        [
            "PartnerV1",
            "PartnerAssetV2",
            "PartnerAssetV2",
            "PartnerAssetExifV1",
            "PartnerAssetExifV1",
            "SyncCompleteV1"
        ]
    );
    let partner = &of_kind(&shared, "PartnerV1")[0].data;
    assert_eq!(partner["sharedById"], p.ann_id.as_str());
    assert_eq!(partner["sharedWithId"], p.bob_id.as_str());
    assert_eq!(partner["inTimeline"], false);
    let mut got: Vec<&str> = of_kind(&shared, "PartnerAssetV2")
        .iter()
        .map(|l| l.data["id"].as_str().unwrap())
        .collect();
    got.sort();
    let mut expected: Vec<&str> = photos.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(got, expected);
    // Her favourites are hers.
    assert!(
        of_kind(&shared, "PartnerAssetV2")
            .iter()
            .all(|l| l.data["isFavorite"] == false)
    );
    ack(&phone, &base, acks_of(&shared)).await;
    let quiet = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    assert_eq!(partner_kinds(&quiet), ["SyncCompleteV1"]);
    ack(&phone, &base, acks_of(&quiet)).await;

    // Bob shows her in his timeline: the partnership changes.
    p.bob
        .put(
            &format!("/api/partners/{}", p.ann_id),
            json!({"inTimeline": true}),
        )
        .await;
    // She deletes a photo for good.
    let r = p
        .ann
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({"ids": [photos[1]], "force": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    let changed = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&changed);
    assert_eq!(
        partner_kinds(&changed),
        ["PartnerV1", "PartnerAssetDeleteV1", "SyncCompleteV1"]
    );
    assert_eq!(of_kind(&changed, "PartnerV1")[0].data["inTimeline"], true);
    assert_eq!(
        of_kind(&changed, "PartnerAssetDeleteV1")[0].data["assetId"],
        photos[1].as_str()
    );
    ack(&phone, &base, acks_of(&changed)).await;

    // She stops sharing: both phones learn it.
    p.ann.delete(&format!("/api/partners/{}", p.bob_id)).await;
    let ended = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&ended);
    assert_eq!(partner_kinds(&ended), ["PartnerDeleteV1", "SyncCompleteV1"]);
    let gone = &of_kind(&ended, "PartnerDeleteV1")[0].data;
    assert_eq!(gone["sharedById"], p.ann_id.as_str());
    assert_eq!(gone["sharedWithId"], p.bob_id.as_str());
    let anns_phone = authed(&p.ann);
    let hers = sync(&anns_phone, &base, json!({ "types": ["PartnersV1"] })).await;
    assert_eq!(kinds(&hers), ["PartnerDeleteV1", "SyncCompleteV1"]);
}
