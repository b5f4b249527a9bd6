//! Stacks (`/stacks`): every route of Immich's e2e spec with its refusals (no credential, an API
//! key without the permission, too few or bad ids, another user's assets and stacks), merging,
//! another primary, taking assets out (a stack left with one asset goes), the `stack` of
//! `GET /assets/{id}`, the timeline with `withStacked`, trash and deletion for good; on a SQLite
//! and on a PostgreSQL catalog. Then the sync lines (StackV1, StackDeleteV1, their partner
//! twins, AssetV2's stackId) checked against the spec, `on_asset_stack_update` on a real
//! socket.io client, and automatic stacking of a RAW and its JPEG and of a burst (real files).

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;
use crate::compat_support::{ensure_installed, open_sockets};
use crate::events::{bearer, expect_event, socket, token};
use crate::sync::{ack, acks_of, authed, check_order, kinds, of_kind, sync};

struct People {
    server: Server,
    admin: Client,
    ann: Client,
    bob: Client,
}

async fn people(backend: Backend) -> People {
    let server = backend.server().await;
    let (admin, [ann, bob]) = admin_and_users(&server, ["Ann", "Bob"]).await;
    People {
        server,
        admin,
        ann,
        bob,
    }
}

on_both_backends!(
    stacks_are_made_merged_changed_and_removed,
    the_timeline_shows_a_stack_once,
);

const MISSING: &str = "4f1b2b4e-8c1e-4d55-9b1a-0d6f1c2b3a4d";

async fn create(client: &Client, ids: &[&str]) -> Value {
    let r = client.post("/api/stacks", json!({ "assetIds": ids })).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

fn asset_ids(stack: &Value) -> Vec<&str> {
    stack["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

/// `GET /assets/{id}`'s `stack`.
async fn stack_of(client: &Client, asset: &str) -> Value {
    let r = client.get(&format!("/api/assets/{asset}")).await;
    assert_eq!(r.status, 200);
    let body = r.json();
    assert!(
        body.as_object().unwrap().contains_key("stack"),
        "GET /assets/{{id}} always says: {body}"
    );
    body["stack"].clone()
}

async fn stacks_are_made_merged_changed_and_removed(backend: Backend) {
    let p = people(backend).await;
    let anon = Client::new(&p.server, Cred::None);
    for (method, path) in [
        (Method::GET, "/api/stacks".to_string()),
        (Method::POST, "/api/stacks".into()),
        (Method::DELETE, "/api/stacks".into()),
        (Method::GET, format!("/api/stacks/{MISSING}")),
        (Method::PUT, format!("/api/stacks/{MISSING}")),
        (Method::DELETE, format!("/api/stacks/{MISSING}")),
        (
            Method::DELETE,
            format!("/api/stacks/{MISSING}/assets/{MISSING}"),
        ),
    ] {
        anon.send_json(method, &path, json!({"assetIds": [MISSING, MISSING]}))
            .await
            .assert_error(401, "Authentication required");
    }
    let a: Vec<String> = {
        let mut ids = Vec::new();
        for seed in 1..=5 {
            ids.push(upload_fake(&p.ann, seed).await);
        }
        ids
    };
    let bobs = upload_fake(&p.bob, 100).await;

    // Immich's validation.
    p.ann
        .post("/api/stacks", json!({"assetIds": [a[0]]}))
        .await
        .assert_invalid(
            json!(["assetIds"]),
            "Too small: expected array to have >=2 items",
        );
    let bad = p
        .ann
        .post("/api/stacks", json!({"assetIds": ["invalid", "invalid"]}))
        .await;
    bad.assert_invalid(json!(["assetIds", 0]), "Invalid UUID");
    bad.assert_invalid(json!(["assetIds", 1]), "Invalid UUID");
    p.ann
        .send_json(Method::DELETE, "/api/stacks", json!({"ids": ["nope"]}))
        .await
        .assert_invalid(json!(["ids", 0]), "Invalid UUID");
    // Another user's asset, a missing one.
    for other in [bobs.as_str(), MISSING] {
        p.ann
            .post("/api/stacks", json!({"assetIds": [a[0], other]}))
            .await
            .assert_error(400, "Not found or no asset.update access");
    }
    assert_eq!(p.ann.get("/api/stacks").await.json(), json!([]));
    assert_eq!(stack_of(&p.ann, &a[0]).await, Value::Null);

    // Made under the first asset; each asset's response says so.
    let first = create(&p.ann, &[&a[0], &a[1]]).await;
    assert_eq!(first["primaryAssetId"], a[0].as_str());
    assert_eq!(asset_ids(&first), [a[0].as_str(), a[1].as_str()]);
    for asset in [&a[0], &a[1]] {
        assert_eq!(
            stack_of(&p.ann, asset).await,
            json!({"id": id(&first), "primaryAssetId": a[0], "assetCount": 2})
        );
    }
    let got = p.ann.get(&format!("/api/stacks/{}", id(&first))).await;
    assert_eq!(got.status, 200);
    let got = got.json();
    assert_eq!(got["id"], id(&first));
    assert!(
        got["assets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|asset| asset["exifInfo"].is_object())
    );

    // An API key needs the operation's permission.
    let reader = api_key(&p.ann, &["asset.read"]).await;
    for (method, path, body, permission) in [
        (
            Method::GET,
            "/api/stacks".to_string(),
            json!({}),
            "stack.read",
        ),
        (
            Method::POST,
            "/api/stacks".into(),
            json!({"assetIds": [a[2], a[3]]}),
            "stack.create",
        ),
        (
            Method::DELETE,
            "/api/stacks".into(),
            json!({"ids": [id(&first)]}),
            "stack.delete",
        ),
        (
            Method::GET,
            format!("/api/stacks/{}", id(&first)),
            json!({}),
            "stack.read",
        ),
        (
            Method::PUT,
            format!("/api/stacks/{}", id(&first)),
            json!({}),
            "stack.update",
        ),
        (
            Method::DELETE,
            format!("/api/stacks/{}", id(&first)),
            json!({}),
            "stack.delete",
        ),
        (
            Method::DELETE,
            format!("/api/stacks/{}/assets/{}", id(&first), a[1]),
            json!({}),
            "stack.update",
        ),
    ] {
        reader
            .send_json(method, &path, body)
            .await
            .assert_error(403, &format!("Missing required permission: {permission}"));
    }
    let key = api_key(&p.ann, &["stack.read"]).await;
    assert_eq!(
        key.get("/api/stacks")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Someone else's stack, or none, is refused as Immich refuses it.
    for (client, stack) in [(&p.bob, id(&first)), (&p.ann, MISSING)] {
        client
            .get(&format!("/api/stacks/{stack}"))
            .await
            .assert_error(400, "Not found or no stack.read access");
        client
            .put(
                &format!("/api/stacks/{stack}"),
                json!({"primaryAssetId": a[1]}),
            )
            .await
            .assert_error(400, "Not found or no stack.update access");
        client
            .delete(&format!("/api/stacks/{stack}"))
            .await
            .assert_error(400, "Not found or no stack.delete access");
        client
            .send_json(Method::DELETE, "/api/stacks", json!({"ids": [stack]}))
            .await
            .assert_error(400, "Not found or no stack.delete access");
        client
            .delete(&format!("/api/stacks/{stack}/assets/{}", a[1]))
            .await
            .assert_error(400, "Not found or no stack.update access");
    }
    assert_eq!(p.bob.get("/api/stacks").await.json(), json!([]));
    // Bob cannot read Ann's asset, so neither its stack.
    p.bob
        .get(&format!("/api/assets/{}", a[0]))
        .await
        .assert_error(400, "Not found or no asset.read access");

    // Headed by a[0]: the first stack merges into the new one; the count stays.
    let merged = create(&p.ann, &[&a[0], &a[2]]).await;
    assert_eq!(merged["primaryAssetId"], a[0].as_str());
    let mut members = asset_ids(&merged);
    members.sort();
    let mut want = vec![a[0].as_str(), a[1].as_str(), a[2].as_str()];
    want.sort();
    assert_eq!(members, want);
    let all = p.ann.get("/api/stacks").await.json();
    assert_eq!(all.as_array().unwrap().len(), 1);
    p.ann
        .get(&format!("/api/stacks/{}", id(&first)))
        .await
        .assert_error(400, "Not found or no stack.read access");
    let by_primary = p
        .ann
        .get(&format!("/api/stacks?primaryAssetId={}", a[0]))
        .await
        .json();
    assert_eq!(by_primary.as_array().unwrap().len(), 1);
    let by_other = p
        .ann
        .get(&format!("/api/stacks?primaryAssetId={}", a[1]))
        .await
        .json();
    assert_eq!(by_other, json!([]));
    p.ann
        .get("/api/stacks?primaryAssetId=nope")
        .await
        .assert_invalid(json!(["primaryAssetId"]), "Invalid UUID");

    // Another primary: one of its assets only.
    let stack = id(&merged).to_string();
    p.ann
        .put(
            &format!("/api/stacks/{stack}"),
            json!({"primaryAssetId": a[4]}),
        )
        .await
        .assert_error(400, "Primary asset must be in the stack");
    let changed = p
        .ann
        .put(
            &format!("/api/stacks/{stack}"),
            json!({"primaryAssetId": a[2]}),
        )
        .await;
    assert_eq!(changed.status, 200);
    let changed = changed.json();
    assert_eq!(changed["primaryAssetId"], a[2].as_str());
    assert_eq!(asset_ids(&changed)[0], a[2].as_str());
    assert_eq!(
        stack_of(&p.ann, &a[1]).await["primaryAssetId"],
        a[2].as_str()
    );
    // Nothing to change is an answer too.
    let same = p.ann.put(&format!("/api/stacks/{stack}"), json!({})).await;
    assert_eq!(same.status, 200);
    assert_eq!(same.json()["primaryAssetId"], a[2].as_str());

    // Taking assets out: not the primary, not one from elsewhere.
    p.ann
        .delete(&format!("/api/stacks/{stack}/assets/{}", a[2]))
        .await
        .assert_error(400, "Cannot remove stack's primary asset");
    for outside in [a[4].as_str(), MISSING, bobs.as_str()] {
        p.ann
            .delete(&format!("/api/stacks/{stack}/assets/{outside}"))
            .await
            .assert_error(400, "Asset not in stack");
    }
    let r = p
        .ann
        .delete(&format!("/api/stacks/{stack}/assets/{}", a[0]))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(stack_of(&p.ann, &a[0]).await, Value::Null);
    assert_eq!(stack_of(&p.ann, &a[1]).await["assetCount"], 2);
    // One asset left: the stack goes (Immich would keep a stack of one).
    let r = p
        .ann
        .delete(&format!("/api/stacks/{stack}/assets/{}", a[1]))
        .await;
    assert_eq!(r.status, 204);
    p.ann
        .get(&format!("/api/stacks/{stack}"))
        .await
        .assert_error(400, "Not found or no stack.read access");
    assert_eq!(stack_of(&p.ann, &a[2]).await, Value::Null);

    // Deleting: one, then several at once, all or none.
    let one = create(&p.ann, &[&a[0], &a[1]]).await;
    let r = p.ann.delete(&format!("/api/stacks/{}", id(&one))).await;
    assert_eq!(r.status, 204);
    assert_eq!(stack_of(&p.ann, &a[0]).await, Value::Null);
    let x = create(&p.ann, &[&a[0], &a[1]]).await;
    let y = create(&p.ann, &[&a[2], &a[3]]).await;
    let bobs_other = upload_fake(&p.bob, 101).await;
    let bobs_stack = create(&p.bob, &[&bobs, &bobs_other]).await;
    p.ann
        .send_json(
            Method::DELETE,
            "/api/stacks",
            json!({"ids": [id(&x), id(&bobs_stack)]}),
        )
        .await
        .assert_error(400, "Not found or no stack.delete access");
    assert_eq!(
        p.ann
            .get("/api/stacks")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = p
        .ann
        .send_json(
            Method::DELETE,
            "/api/stacks",
            json!({"ids": [id(&x), id(&y)]}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(p.ann.get("/api/stacks").await.json(), json!([]));
    assert_eq!(
        p.bob
            .get("/api/stacks")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    drop(p.admin);
}

/// The ids of a month's bucket and its `stack` column.
async fn bucket(client: &Client, query: &str) -> (Vec<String>, Option<Value>) {
    let r = client
        .get(&format!(
            "/api/timeline/bucket?timeBucket=2024-05-01&{query}"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let cols = r.json();
    let ids = cols["id"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    (ids, cols.get("stack").cloned())
}

async fn month_count(client: &Client, query: &str) -> i64 {
    let r = client
        .get(&format!("/api/timeline/buckets?{query}"))
        .await
        .json();
    r.as_array()
        .unwrap()
        .iter()
        .find(|b| b["timeBucket"] == "2024-05-01")
        .map(|b| b["count"].as_i64().unwrap())
        .unwrap_or(0)
}

async fn the_timeline_shows_a_stack_once(backend: Backend) {
    let p = people(backend).await;
    let mut a = Vec::new();
    for seed in 1..=5 {
        a.push(upload_fake(&p.ann, seed).await);
    }
    let stack = create(&p.ann, &[&a[1], &a[2], &a[3]]).await;
    let stack_id = id(&stack).to_string();
    let stacked = "visibility=timeline&withStacked=true";

    // Without withStacked: every asset, no stack column.
    let (ids, column) = bucket(&p.ann, "visibility=timeline").await;
    assert_eq!(ids.len(), 5);
    assert!(column.is_none());
    assert_eq!(month_count(&p.ann, "visibility=timeline").await, 5);
    // With it: the stack once, as its primary, with its id and count.
    let (ids, column) = bucket(&p.ann, stacked).await;
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&a[1]) && !ids.contains(&a[2]) && !ids.contains(&a[3]));
    let column = column.expect("the stack column");
    for (i, asset) in ids.iter().enumerate() {
        if *asset == a[1] {
            assert_eq!(column[i], json!([stack_id, "3"]));
        } else {
            assert_eq!(column[i], Value::Null);
        }
    }
    assert_eq!(month_count(&p.ann, stacked).await, 3);

    // Another primary shows instead.
    let r = p
        .ann
        .put(
            &format!("/api/stacks/{stack_id}"),
            json!({"primaryAssetId": a[3]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let (ids, _) = bucket(&p.ann, stacked).await;
    assert!(ids.contains(&a[3]) && !ids.contains(&a[1]));

    // A member in the trash: not counted, not listed; the stack stays (as Immich).
    let r = p
        .ann
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [a[2]]}))
        .await;
    assert_eq!(r.status, 204);
    let (ids, column) = bucket(&p.ann, stacked).await;
    let at = ids.iter().position(|x| *x == a[3]).unwrap();
    assert_eq!(column.unwrap()[at], json!([stack_id, "2"]));
    assert_eq!(stack_of(&p.ann, &a[3]).await["assetCount"], 2);
    let listed = p.ann.get(&format!("/api/stacks/{stack_id}")).await.json();
    assert_eq!(asset_ids(&listed), [a[3].as_str(), a[1].as_str()]);
    // Trashing the primary hides the whole stack from the timeline, as in Immich.
    let r = p
        .ann
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [a[3]]}))
        .await;
    assert_eq!(r.status, 204);
    let (ids, _) = bucket(&p.ann, stacked).await;
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&a[1]));
    let r = p
        .ann
        .post("/api/trash/restore/assets", json!({"ids": [a[2], a[3]]}))
        .await;
    assert_eq!(r.status, 200);

    // Deleted for good: the primary's place goes to another member; one left, the stack goes.
    let r = p
        .ann
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({"ids": [a[3]], "force": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    let promoted = stack_of(&p.ann, &a[1]).await;
    assert_eq!(promoted["id"], stack_id.as_str());
    assert_eq!(promoted["assetCount"], 2);
    let primary = promoted["primaryAssetId"].as_str().unwrap().to_string();
    assert!(primary == a[1] || primary == a[2]);
    let (ids, _) = bucket(&p.ann, stacked).await;
    assert!(ids.contains(&primary));
    assert_eq!(ids.len(), 3);
    let r = p
        .ann
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({"ids": [a[2]], "force": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(stack_of(&p.ann, &a[1]).await, Value::Null);
    assert_eq!(p.ann.get("/api/stacks").await.json(), json!([]));
    assert_eq!(month_count(&p.ann, stacked).await, 3);
    drop(p.admin);
}

/// The phone hears of stacks (its own and a partner's) through the sync stream, every line
/// checked against the spec, and the web through `on_asset_stack_update`.
#[tokio::test]
async fn stacks_reach_the_phone_and_the_sockets() {
    ensure_installed();
    let p = people(Backend::Sqlite).await;
    let base = p.server.base.clone();
    let ann_id = user_id(&p.ann).await;
    let bob_id = user_id(&p.bob).await;
    let r = p
        .ann
        .post("/api/partners", json!({"sharedWithId": bob_id}))
        .await;
    assert_eq!(r.status, 201);
    let mut a = Vec::new();
    for seed in 1..=3 {
        a.push(upload_fake(&p.ann, seed).await);
    }
    let anns_phone = authed(&p.ann);
    let bobs_phone = authed(&p.bob);
    let types = json!({ "types": APP_SYNC_TYPES });
    ack(
        &anns_phone,
        &base,
        acks_of(&sync(&anns_phone, &base, types.clone()).await),
    )
    .await;
    ack(
        &bobs_phone,
        &base,
        acks_of(&sync(&bobs_phone, &base, types.clone()).await),
    )
    .await;

    let plans = json!([
        socket("ann", "websocket", bearer(&token(&p.ann))),
        socket("bob", "websocket", bearer(&token(&p.bob))),
    ]);
    let mut script = open_sockets(&base, &plans, std::time::Duration::from_secs(30));
    for label in ["ann", "bob"] {
        let line = format!("CONNECTED {label} websocket");
        script.wait_for(&line, std::time::Duration::from_secs(30), |l| l == line);
    }

    let stack = create(&p.ann, &[&a[0], &a[1]]).await;
    let stack_id = id(&stack).to_string();
    assert_eq!(
        expect_event(&mut script, "ann", "on_asset_stack_update", |_| true),
        json!([])
    );

    let made = sync(&anns_phone, &base, types.clone()).await;
    check_order(&made);
    let stacks = of_kind(&made, "StackV1");
    assert_eq!(stacks.len(), 1);
    let line = &stacks[0].data;
    assert_eq!(line["id"], stack_id.as_str());
    assert_eq!(line["ownerId"], ann_id.as_str());
    assert_eq!(line["primaryAssetId"], a[0].as_str());
    let members: Vec<(&str, &Value)> = of_kind(&made, "AssetV2")
        .iter()
        .map(|l| (l.data["id"].as_str().unwrap(), &l.data["stackId"]))
        .collect();
    for asset in [&a[0], &a[1]] {
        assert!(
            members.contains(&(asset.as_str(), &json!(stack_id))),
            "{asset} in {members:?}"
        );
    }
    ack(&anns_phone, &base, acks_of(&made)).await;
    let partner = sync(&bobs_phone, &base, types.clone()).await;
    check_order(&partner);
    let lines = of_kind(&partner, "PartnerStackV1");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].data["id"], stack_id.as_str());
    assert!(of_kind(&partner, "StackV1").is_empty());
    let shared: Vec<&Value> = of_kind(&partner, "PartnerAssetV2")
        .iter()
        .map(|l| &l.data["stackId"])
        .collect();
    assert!(shared.contains(&&json!(stack_id)));
    ack(&bobs_phone, &base, acks_of(&partner)).await;

    // Another primary: the stack again; then its end: a delete line, the assets freed.
    let r = p
        .ann
        .put(
            &format!("/api/stacks/{stack_id}"),
            json!({"primaryAssetId": a[1]}),
        )
        .await;
    assert_eq!(r.status, 200);
    expect_event(&mut script, "ann", "on_asset_stack_update", |_| true);
    let changed = sync(&anns_phone, &base, types.clone()).await;
    assert_eq!(
        of_kind(&changed, "StackV1")[0].data["primaryAssetId"],
        a[1].as_str()
    );
    ack(&anns_phone, &base, acks_of(&changed)).await;
    let r = p.ann.delete(&format!("/api/stacks/{stack_id}")).await;
    assert_eq!(r.status, 204);
    expect_event(&mut script, "ann", "on_asset_stack_update", |_| true);
    let ended = sync(&anns_phone, &base, types.clone()).await;
    check_order(&ended);
    assert_eq!(
        kinds(&ended)
            .into_iter()
            .filter(|k| k.starts_with("Stack"))
            .collect::<Vec<_>>(),
        ["StackDeleteV1"]
    );
    assert_eq!(
        of_kind(&ended, "StackDeleteV1")[0].data,
        json!({"stackId": stack_id})
    );
    assert!(
        of_kind(&ended, "AssetV2")
            .iter()
            .filter(|l| l.data["id"] == a[0].as_str() || l.data["id"] == a[1].as_str())
            .all(|l| l.data["stackId"].is_null())
    );
    let partner_ended = sync(&bobs_phone, &base, types).await;
    assert_eq!(
        of_kind(&partner_ended, "PartnerStackDeleteV1")[0].data,
        json!({"stackId": stack_id})
    );
    // Only the owner's sockets hear of their stacks.
    assert!(
        !script
            .lines()
            .iter()
            .any(|l| l.starts_with("EVENT bob on_asset_stack_update")),
        "{}",
        script.transcript()
    );
    let status = script.finish();
    assert!(status.success(), "socket-check.mjs failed: {status}");
    drop(p.admin);
}

/// `GET` (or `PUT {enabled}`) `/api/ferrotype/auto-stack`, ours and so outside the OpenAPI
/// document the test client checks answers against: status and body.
async fn auto_stack(client: &Client, enabled: Option<bool>) -> (u16, Value) {
    let request = match enabled {
        None => client.request(Method::GET, "/api/ferrotype/auto-stack"),
        Some(on) => client
            .request(Method::PUT, "/api/ferrotype/auto-stack")
            .json(&json!({ "enabled": on })),
    };
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `exiftool` over a copy: whatever the arguments write.
fn exiftool(args: &[&str], file: &std::path::Path) {
    let status = std::process::Command::new("exiftool")
        .args(args)
        .arg("-overwrite_original")
        .arg(file)
        .status()
        .expect("exiftool (installed by scripts/test)");
    assert!(status.success());
}

/// Beyond Immich: with automatic stacking on, a RAW and its JPEG (same name, same second) and
/// a burst (same second, same camera) stack themselves, the JPEG first; off, nothing happens.
#[tokio::test]
async fn raw_and_jpeg_pairs_and_bursts_stack_themselves() {
    let p = people(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let raw = repo_root().join("tests/fixtures/raw");
    // A real photo made the JPEG of the Canon sample: its name, its second of capture (the
    // sample's DateTimeOriginal), nothing else of its own metadata.
    let jpeg = dir.path().join("CanonRaw.jpg");
    std::fs::copy(fixtures().join("nature/silver_fir.jpg"), &jpeg).unwrap();
    exiftool(&["-all=", "-DateTimeOriginal=2005:08:03 18:59:18"], &jpeg);
    // Another photo of another second, which stays alone.
    let alone = dir.path().join("alone.jpg");
    std::fs::copy(fixtures().join("nature/tanners_ridge.jpg"), &alone).unwrap();
    exiftool(&["-all=", "-DateTimeOriginal=2005:08:03 18:59:19"], &alone);

    // Off by default, and for Bob: his pair stays two photos.
    assert_eq!(
        auto_stack(&p.bob, None).await,
        (200, json!({"enabled": false}))
    );
    assert_eq!(
        auto_stack(&Client::new(&p.server, Cred::None), None).await,
        (401, json!({"message": "Authentication required"}))
    );
    // Beside Immich's scopes: reading and changing it are the preferences' permissions.
    let reader = api_key(&p.ann, &["userPreference.read"]).await;
    assert_eq!(auto_stack(&reader, None).await.0, 200);
    assert_eq!(
        auto_stack(&reader, Some(true)).await,
        (
            403,
            json!({"message": "Missing required permission: userPreference.update"})
        )
    );
    upload_path(&p.bob, &raw.join("CanonRaw.cr2")).await;
    upload_path(&p.bob, &jpeg).await;

    assert_eq!(
        auto_stack(&p.ann, Some(true)).await,
        (200, json!({"enabled": true}))
    );
    assert_eq!(
        auto_stack(&p.ann, None).await,
        (200, json!({"enabled": true}))
    );
    let cr2 = upload_path(&p.ann, &raw.join("CanonRaw.cr2")).await;
    let jpg = upload_path(&p.ann, &jpeg).await;
    let lone = upload_path(&p.ann, &alone).await;
    wait_for_media_jobs(&p.admin).await;
    let stacks = p.ann.get("/api/stacks").await.json();
    assert_eq!(stacks.as_array().unwrap().len(), 1, "{stacks}");
    assert_eq!(stacks[0]["primaryAssetId"], jpg.as_str());
    assert_eq!(asset_ids(&stacks[0]), [jpg.as_str(), cr2.as_str()]);
    assert_eq!(stack_of(&p.ann, &lone).await, Value::Null);
    assert_eq!(p.bob.get("/api/stacks").await.json(), json!([]));

    // The DNG sample: the same camera in the same second, a burst with the pair; the JPEG
    // stays first.
    let dng = upload_path(&p.ann, &raw.join("DNG.dng")).await;
    wait_for_media_jobs(&p.admin).await;
    let stacks = p.ann.get("/api/stacks").await.json();
    assert_eq!(stacks.as_array().unwrap().len(), 1, "{stacks}");
    assert_eq!(stacks[0]["primaryAssetId"], jpg.as_str());
    // The primary first; the others by capture time, which here is one second for both, so
    // in no set order between them.
    let ids = asset_ids(&stacks[0]);
    assert_eq!(ids[0], jpg.as_str());
    let mut rest = ids[1..].to_vec();
    rest.sort();
    let mut expected = vec![cr2.as_str(), dng.as_str()];
    expected.sort();
    assert_eq!(rest, expected);
    assert_eq!(stack_of(&p.ann, &dng).await["assetCount"], 3);

    // Reading the metadata again changes nothing.
    let stack_id = id(&stacks[0]).to_string();
    let r = p
        .ann
        .post(
            "/api/assets/jobs",
            json!({"assetIds": [cr2], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    wait_for_media_jobs(&p.admin).await;
    let again = p.ann.get("/api/stacks").await.json();
    assert_eq!(again.as_array().unwrap().len(), 1);
    assert_eq!(again[0]["id"], stack_id.as_str());

    // Turned off: new photos stay apart.
    assert_eq!(auto_stack(&p.ann, Some(false)).await.0, 200);
    let burst = dir.path().join("burst.jpg");
    std::fs::copy(fixtures().join("nature/prairie_falcon.jpg"), &burst).unwrap();
    exiftool(
        &[
            "-all=",
            "-DateTimeOriginal=2005:08:03 18:59:19",
            "-Make=Canon",
            "-Model=Canon EOS 350D DIGITAL",
        ],
        &burst,
    );
    let later = upload_path(&p.ann, &burst).await;
    wait_for_media_jobs(&p.admin).await;
    assert_eq!(stack_of(&p.ann, &later).await, Value::Null);
}
