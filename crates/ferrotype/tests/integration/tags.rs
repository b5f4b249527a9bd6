//! Tags (`/tags`): every route of Immich's e2e spec with its refusals (no credential, an API
//! key without the permission, another user's tag, a missing one, bad ids and colours,
//! duplicates), the tree (nested creation, upsert by path, in parallel too, deleting a subtree),
//! tags on assets (one by one and in bulk, shown in `GET /assets/{id}`, a tag's timeline), and
//! files' keywords becoming the owner's tags, kept once the user has chosen the asset's tags,
//! and written into the sidecar; every story on a SQLite and on a PostgreSQL catalog.

use std::collections::HashMap;

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

struct People {
    server: Server,
    admin: Client,
    ann: Client,
}

async fn people(backend: Backend) -> People {
    let server = backend.server().await;
    let (admin, [ann]) = admin_and_users(&server, ["Ann"]).await;
    People { server, admin, ann }
}

on_both_backends!(
    tags_are_created_read_coloured_and_deleted,
    upsert_makes_every_level_once,
    tags_go_on_assets,
    keywords_become_tags_until_the_user_chooses,
    tags_are_written_to_the_sidecar,
);

async fn create(client: &Client, body: Value) -> Value {
    let r = client.post("/api/tags", body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn id(tag: &Value) -> &str {
    tag["id"].as_str().unwrap()
}

fn values(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["value"].as_str().unwrap())
        .collect()
}

/// The fields of a tag apart from its id and times, which are checked to be there.
fn shape(tag: &Value) -> Value {
    let mut tag = tag.as_object().unwrap().clone();
    for field in ["id", "createdAt", "updatedAt"] {
        assert!(tag.remove(field).is_some_and(|v| v.is_string()), "{field}");
    }
    Value::Object(tag)
}

const MISSING: &str = "4f1b2b4e-8c1e-4d55-9b1a-0d6f1c2b3a4d";

async fn tags_are_created_read_coloured_and_deleted(backend: Backend) {
    let p = people(backend).await;
    let anon = Client::new(&p.server, Cred::None);
    for (method, path) in [
        (Method::GET, "/api/tags".to_string()),
        (Method::POST, "/api/tags".into()),
        (Method::PUT, "/api/tags".into()),
        (Method::PUT, "/api/tags/assets".into()),
        (Method::GET, format!("/api/tags/{MISSING}")),
        (Method::PUT, format!("/api/tags/{MISSING}")),
        (Method::DELETE, format!("/api/tags/{MISSING}")),
        (Method::PUT, format!("/api/tags/{MISSING}/assets")),
        (Method::DELETE, format!("/api/tags/{MISSING}/assets")),
    ] {
        anon.send_json(method, &path, json!({}))
            .await
            .assert_error(401, "Authentication required");
    }

    // An API key needs the operation's permission.
    let reader = api_key(&p.ann, &["asset.read"]).await;
    let tag_a = create(&p.ann, json!({"name": "TagA"})).await;
    for (method, path, body, permission) in [
        (Method::GET, "/api/tags".to_string(), json!({}), "tag.read"),
        (
            Method::POST,
            "/api/tags".into(),
            json!({"name": "X"}),
            "tag.create",
        ),
        (
            Method::PUT,
            "/api/tags".into(),
            json!({"tags": ["X"]}),
            "tag.create",
        ),
        (
            Method::PUT,
            "/api/tags/assets".into(),
            json!({"tagIds": [], "assetIds": []}),
            "tag.asset",
        ),
        (
            Method::GET,
            format!("/api/tags/{}", id(&tag_a)),
            json!({}),
            "tag.read",
        ),
        (
            Method::PUT,
            format!("/api/tags/{}", id(&tag_a)),
            json!({"color": "#000000"}),
            "tag.update",
        ),
        (
            Method::DELETE,
            format!("/api/tags/{}", id(&tag_a)),
            json!({}),
            "tag.delete",
        ),
        (
            Method::PUT,
            format!("/api/tags/{}/assets", id(&tag_a)),
            json!({"ids": []}),
            "tag.asset",
        ),
        (
            Method::DELETE,
            format!("/api/tags/{}/assets", id(&tag_a)),
            json!({"ids": []}),
            "tag.asset",
        ),
    ] {
        reader
            .send_json(method, &path, body)
            .await
            .assert_error(403, &format!("Missing required permission: {permission}"));
    }
    let creator = api_key(&p.ann, &["tag.create"]).await;
    let made = creator.post("/api/tags", json!({"name": "ByKey"})).await;
    assert_eq!(made.status, 201);
    assert_eq!(
        shape(&made.json()),
        json!({"name": "ByKey", "value": "ByKey"})
    );

    // Immich's shape: no parentId nor colour when there is none.
    assert_eq!(shape(&tag_a), json!({"name": "TagA", "value": "TagA"}));
    // The same value for another user; not twice for one.
    let admins = create(&p.admin, json!({"name": "TagA"})).await;
    assert_ne!(id(&admins), id(&tag_a));
    p.ann
        .post("/api/tags", json!({"name": "TagA"}))
        .await
        .assert_error(400, "A tag with that name already exists");

    // Nested, coloured; a parent must be one's own.
    let tag_b = create(
        &p.ann,
        json!({"name": "TagB", "parentId": id(&tag_a), "color": "ff0000"}),
    )
    .await;
    assert_eq!(
        shape(&tag_b),
        json!({"name": "TagB", "value": "TagA/TagB", "parentId": id(&tag_a), "color": "#ff0000"})
    );
    let tag_c = create(&p.ann, json!({"name": "TagC", "parentId": id(&tag_b)})).await;
    assert_eq!(tag_c["value"], "TagA/TagB/TagC");
    p.ann
        .post("/api/tags", json!({"name": "TagB", "parentId": id(&tag_a)}))
        .await
        .assert_error(400, "A tag with that name already exists");
    for parent in [id(&admins), MISSING] {
        p.ann
            .post("/api/tags", json!({"name": "Child", "parentId": parent}))
            .await
            .assert_error(400, "Not found or no tag.read access");
    }
    p.ann
        .post("/api/tags", json!({"name": "Child", "parentId": "nope"}))
        .await
        .assert_invalid(json!(["parentId"]), "Invalid UUID");
    assert_eq!(p.ann.post("/api/tags", json!({})).await.status, 400);
    let bad_colour = p
        .ann
        .post("/api/tags", json!({"name": "Red", "color": "red"}))
        .await;
    assert_eq!(bad_colour.status, 400);
    assert_eq!(bad_colour.json()["message"], "Validation failed");
    assert_eq!(bad_colour.json()["errors"][0]["path"], json!(["color"]));

    // Listing: one's own, by value.
    let listed = p.ann.get("/api/tags").await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        values(&listed.json()),
        vec!["ByKey", "TagA", "TagA/TagB", "TagA/TagB/TagC"]
    );
    assert_eq!(values(&p.admin.get("/api/tags").await.json()), vec!["TagA"]);

    // One tag.
    let got = p.ann.get(&format!("/api/tags/{}", id(&tag_c))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), tag_c);
    for other in [id(&admins), MISSING] {
        p.ann
            .get(&format!("/api/tags/{other}"))
            .await
            .assert_error(400, "Not found or no tag.read access");
    }
    p.ann
        .get("/api/tags/not-a-uuid")
        .await
        .assert_invalid(json!(["id"]), "Invalid UUID");

    // The colour: with or without `#`, cleared with null, kept when absent; PATCH too.
    let path_a = format!("/api/tags/{}", id(&tag_a));
    let r = p.ann.put(&path_a, json!({"color": "#000000"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["color"], "#000000");
    let r = p.ann.put(&path_a, json!({"color": "00Ff00"})).await;
    assert_eq!(r.json()["color"], "#00Ff00");
    let r = p.ann.put(&path_a, json!({})).await;
    assert_eq!(r.json()["color"], "#00Ff00");
    let r = p
        .ann
        .send_json(Method::PATCH, &path_a, json!({"color": "abc"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["color"], "#abc");
    let r = p.ann.put(&path_a, json!({"color": null})).await;
    assert_eq!(r.status, 200);
    assert!(r.json().get("color").is_none(), "{}", r.json());
    assert_eq!(
        p.ann.put(&path_a, json!({"color": "#12345"})).await.status,
        400
    );
    for other in [id(&admins), MISSING] {
        p.ann
            .put(&format!("/api/tags/{other}"), json!({"color": "#000"}))
            .await
            .assert_error(400, "Not found or no tag.update access");
    }
    assert!(
        p.admin
            .get(&format!("/api/tags/{}", id(&admins)))
            .await
            .json()
            .get("color")
            .is_none(),
        "another's tag unchanged"
    );

    // Deleting: another's or a missing tag is refused; a leaf leaves its parent; a root takes
    // its subtree.
    for other in [id(&admins), MISSING] {
        p.ann
            .delete(&format!("/api/tags/{other}"))
            .await
            .assert_error(400, "Not found or no tag.delete access");
    }
    p.ann
        .delete("/api/tags/not-a-uuid")
        .await
        .assert_invalid(json!(["id"]), "Invalid UUID");
    assert_eq!(
        p.ann
            .delete(&format!("/api/tags/{}", id(&tag_c)))
            .await
            .status,
        204
    );
    assert_eq!(
        values(&p.ann.get("/api/tags").await.json()),
        vec!["ByKey", "TagA", "TagA/TagB"]
    );
    assert_eq!(p.ann.delete(&path_a).await.status, 204);
    assert_eq!(values(&p.ann.get("/api/tags").await.json()), vec!["ByKey"]);
    p.ann
        .get(&format!("/api/tags/{}", id(&tag_b)))
        .await
        .assert_error(400, "Not found or no tag.read access");
    assert_eq!(values(&p.admin.get("/api/tags").await.json()), vec!["TagA"]);
}

async fn upsert_makes_every_level_once(backend: Backend) {
    let p = people(backend).await;
    let r = p
        .ann
        .put(
            "/api/tags",
            json!({"tags": ["TagA/TagB/TagC", "TagD", "TagA/TagB/TagC", "", "/Pets//Cats/"]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let upserted = r.json();
    assert_eq!(
        values(&upserted),
        vec!["TagA/TagB/TagC", "TagD", "Pets/Cats"]
    );
    assert_eq!(upserted[0]["name"], "TagC");

    let all = p.ann.get("/api/tags").await.json();
    let by_value: HashMap<&str, &Value> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["value"].as_str().unwrap(), t))
        .collect();
    assert_eq!(by_value.len(), 6);
    let parent_of = |value: &str| by_value[value].get("parentId").cloned();
    assert_eq!(parent_of("TagA"), None);
    assert_eq!(parent_of("TagA/TagB"), Some(by_value["TagA"]["id"].clone()));
    assert_eq!(
        parent_of("TagA/TagB/TagC"),
        Some(by_value["TagA/TagB"]["id"].clone())
    );
    assert_eq!(parent_of("Pets/Cats"), Some(by_value["Pets"]["id"].clone()));
    assert_eq!(by_value["TagA/TagB"]["name"], "TagB");

    // Again, four at once: the same tags for everyone.
    let body = json!({"tags": ["TagA/TagB/TagC/TagD"]});
    let (one, two, three, four) = tokio::join!(
        p.ann.put("/api/tags", body.clone()),
        p.ann.put("/api/tags", body.clone()),
        p.ann.put("/api/tags", body.clone()),
        p.ann.put("/api/tags", body.clone()),
    );
    let first = one.json()[0].clone();
    assert_eq!(first["value"], "TagA/TagB/TagC/TagD");
    assert_eq!(first["parentId"], by_value["TagA/TagB/TagC"]["id"]);
    for other in [two, three, four] {
        assert_eq!(other.status, 200);
        let tag = &other.json()[0];
        for field in ["id", "parentId", "createdAt", "value"] {
            assert_eq!(tag[field], first[field], "{field}");
        }
    }
    assert_eq!(
        p.ann
            .get("/api/tags")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        7
    );
    assert_eq!(p.admin.get("/api/tags").await.json(), json!([]));
    // Not a list of names.
    assert_eq!(
        p.ann.put("/api/tags", json!({"tags": "TagA"})).await.status,
        400
    );
}

async fn tags_go_on_assets(backend: Backend) {
    let p = people(backend).await;
    let mine = upload_fake(&p.ann, 1).await;
    let mine_too = upload_fake(&p.ann, 2).await;
    let admins_asset = upload_fake(&p.admin, 3).await;
    let trips = create(&p.ann, json!({"name": "Trips"})).await;
    let rome = create(&p.ann, json!({"name": "Rome", "parentId": id(&trips)})).await;
    let admins = create(&p.admin, json!({"name": "Admin"})).await;
    let rome_assets = format!("/api/tags/{}/assets", id(&rome));

    // One tag on assets: a result per id given.
    let r = p
        .ann
        .put(
            &rome_assets,
            json!({"ids": [mine, mine, admins_asset, MISSING]}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!([
            {"id": mine, "success": true},
            {"id": mine, "success": false, "error": "duplicate"},
            {"id": admins_asset, "success": false, "error": "no_permission"},
            {"id": MISSING, "success": false, "error": "no_permission"},
        ])
    );
    let r = p.ann.put(&rome_assets, json!({"ids": [mine]})).await;
    assert_eq!(
        r.json(),
        json!([{"id": mine, "success": false, "error": "duplicate"}])
    );
    for other in [id(&admins), MISSING] {
        p.ann
            .put(&format!("/api/tags/{other}/assets"), json!({"ids": [mine]}))
            .await
            .assert_error(400, "Not found or no tag.asset access");
        p.ann
            .send_json(
                Method::DELETE,
                &format!("/api/tags/{other}/assets"),
                json!({"ids": [mine]}),
            )
            .await
            .assert_error(400, "Not found or no tag.asset access");
    }
    p.ann
        .put(&rome_assets, json!({"ids": ["nope"]}))
        .await
        .assert_invalid(json!(["ids", 0]), "Invalid UUID");

    // The asset shows its tags.
    let asset = p.ann.get(&format!("/api/assets/{mine}")).await.json();
    let tags = asset["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(shape(&tags[0]), shape(&rome));

    // A tag's timeline holds the assets of the tags below it; it is its owner's.
    let buckets = p
        .ann
        .get(&format!("/api/timeline/buckets?tagId={}", id(&trips)))
        .await;
    assert_eq!(buckets.status, 200);
    assert_eq!(buckets.json()[0]["count"], 1);
    p.admin
        .get(&format!("/api/timeline/buckets?tagId={}", id(&trips)))
        .await
        .assert_error(400, "Not found or no tag.read access");

    // In bulk: the caller's tags on the caller's assets; others skipped; count the new pairs.
    let r = p
        .ann
        .put(
            "/api/tags/assets",
            json!({
                "tagIds": [id(&trips), id(&rome), id(&admins), MISSING],
                "assetIds": [mine, mine_too, admins_asset, MISSING],
            }),
        )
        .await;
    assert_eq!(r.status, 200);
    // trips on both, rome on mine_too (it is on mine already).
    assert_eq!(r.json(), json!({"count": 3}));
    let r = p
        .ann
        .put(
            "/api/tags/assets",
            json!({"tagIds": [id(&trips)], "assetIds": [mine, mine_too]}),
        )
        .await;
    assert_eq!(r.json(), json!({"count": 0}));
    assert_eq!(
        p.admin
            .get(&format!("/api/assets/{admins_asset}"))
            .await
            .json()["tags"],
        json!([])
    );
    let asset = p.ann.get(&format!("/api/assets/{mine_too}")).await.json();
    assert_eq!(values(&asset["tags"]), vec!["Trips", "Trips/Rome"]);

    // Off again: not_found where the tag is not (or no longer).
    let r = p
        .ann
        .send_json(
            Method::DELETE,
            &rome_assets,
            json!({"ids": [mine, mine, MISSING]}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!([
            {"id": mine, "success": true},
            {"id": mine, "success": false, "error": "not_found"},
            {"id": MISSING, "success": false, "error": "not_found"},
        ])
    );
    let asset = p.ann.get(&format!("/api/assets/{mine}")).await.json();
    assert_eq!(values(&asset["tags"]), vec!["Trips"]);

    // Deleting a tag takes it off its assets.
    assert_eq!(
        p.ann
            .delete(&format!("/api/tags/{}", id(&trips)))
            .await
            .status,
        204
    );
    let asset = p.ann.get(&format!("/api/assets/{mine_too}")).await.json();
    assert_eq!(asset["tags"], json!([]));
}

async fn keywords_become_tags_until_the_user_chooses(backend: Backend) {
    let p = people(backend).await;
    let portrait = fixtures().join("metadata/faces/portrait.jpg");
    let asset = upload_path(&p.ann, &portrait).await;
    wait_for_media_jobs(&p.admin).await;

    // `People|Marie Curie`: the level above is a tag too, the asset on the paths' own tags.
    let all = p.ann.get("/api/tags").await.json();
    assert_eq!(
        values(&all),
        vec!["People", "People/Marie Curie", "People/Pierre Curie"]
    );
    assert_eq!(all[1]["parentId"], all[0]["id"]);
    assert_eq!(all[1]["name"], "Marie Curie");
    let shown = p.ann.get(&format!("/api/assets/{asset}")).await.json();
    assert_eq!(
        values(&shown["tags"]),
        vec!["People/Marie Curie", "People/Pierre Curie"]
    );
    assert_eq!(p.admin.get("/api/tags").await.json(), json!([]));

    // Chosen by hand, the asset's tags survive reading the file again.
    let pierre = id(&all[2]).to_string();
    let r = p
        .ann
        .send_json(
            Method::DELETE,
            &format!("/api/tags/{pierre}/assets"),
            json!({"ids": [asset]}),
        )
        .await;
    assert_eq!(r.json()[0]["success"], true);
    let r = p
        .ann
        .post(
            "/api/assets/jobs",
            json!({"assetIds": [asset], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    wait_for_media_jobs(&p.admin).await;
    let shown = p.ann.get(&format!("/api/assets/{asset}")).await.json();
    assert_eq!(values(&shown["tags"]), vec!["People/Marie Curie"]);

    // The clean-up job deletes tags on nothing, keeping the levels above a tag in use.
    create(&p.ann, json!({"name": "Unused"})).await;
    let r = p
        .admin
        .post("/api/jobs", json!({"name": "tag-cleanup"}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        values(&p.ann.get("/api/tags").await.json()),
        vec!["People", "People/Marie Curie"]
    );
}

/// The sidecar's `TagsList` as exiftool reads it.
fn sidecar_tags(path: &std::path::Path) -> Value {
    let out = std::process::Command::new("exiftool")
        .args(["-json", "-TagsList"])
        .arg(path)
        .output()
        .expect("exiftool");
    let read: Value = serde_json::from_slice(&out.stdout).expect("exiftool's JSON");
    read[0]["TagsList"].clone()
}

async fn wait_for_tag_jobs(admin: &Client) {
    wait_for_queue(admin, "sidecar").await;
    wait_for_media_jobs(admin).await;
}

async fn tags_are_written_to_the_sidecar(backend: Backend) {
    let p = people(backend).await;
    let ridge = fixtures().join("nature/tanners_ridge.jpg");
    let asset = upload_path(&p.ann, &ridge).await;
    wait_for_media_jobs(&p.admin).await;
    let from_file = vec![
        "Big Meadows",
        "Fall 2023",
        "Lara Ellis Photography",
        "Shenandoah National Park",
    ];
    let shown = p.ann.get(&format!("/api/assets/{asset}")).await.json();
    assert_eq!(values(&shown["tags"]), from_file);
    let original = shown["originalPath"].as_str().unwrap().to_string();
    let sidecar = p.server.data_dir.join(format!("{original}.xmp"));
    assert!(!sidecar.exists());

    // Tagged by hand: the sidecar beside the original says every tag (by value), which stay
    // the asset's.
    let best = create(
        &p.ann,
        json!({"name": "Best", "parentId": id(&create(&p.ann, json!({"name": "Mine"})).await)}),
    )
    .await;
    let r = p
        .ann
        .put(
            &format!("/api/tags/{}/assets", id(&best)),
            json!({"ids": [asset]}),
        )
        .await;
    assert_eq!(r.json()[0]["success"], true);
    wait_for_tag_jobs(&p.admin).await;
    let mut expected: Vec<&str> = from_file.clone();
    expected.push("Mine/Best");
    expected.sort();
    assert_eq!(sidecar_tags(&sidecar), json!(expected));
    let shown = p.ann.get(&format!("/api/assets/{asset}")).await.json();
    assert_eq!(values(&shown["tags"]), expected);
    let files = p.server.stored_files();
    assert!(files.iter().any(|f| f.ends_with(".jpg.xmp")), "{files:?}");

    // Every tag taken off: the sidecar says none, and the original's keywords do not come back.
    let tags: Vec<String> = shown["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| id(t).to_string())
        .collect();
    for tag in tags {
        let r = p
            .ann
            .send_json(
                Method::DELETE,
                &format!("/api/tags/{tag}/assets"),
                json!({"ids": [asset]}),
            )
            .await;
        assert_eq!(r.json()[0]["success"], true);
    }
    wait_for_tag_jobs(&p.admin).await;
    assert_eq!(sidecar_tags(&sidecar), Value::Null);
    let r = p
        .ann
        .post(
            "/api/assets/jobs",
            json!({"assetIds": [asset], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(r.status, 204);
    wait_for_media_jobs(&p.admin).await;
    let shown = p.ann.get(&format!("/api/assets/{asset}")).await.json();
    assert_eq!(shown["tags"], json!([]));
    let sidecar_jobs = queue_statistics(&p.admin, "sidecar").await;
    assert_eq!(sidecar_jobs["failed"], 0, "{sidecar_jobs}");
}
