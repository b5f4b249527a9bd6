//! Memories (`/memories`): every route of Immich's e2e spec with its refusals (no credential, an
//! API key without the permission, another user's memory, a missing one, invalid bodies and
//! queries), the search's filters and statistics; "on this day" made by the `memory-create` job
//! from photos whose date was set to past years on today's month and day (only those that
//! qualify, once however often it runs); and the memories on the phone through the sync stream.
//! The routes and the generation run on a SQLite and on a PostgreSQL catalog.

use chrono::{Datelike, Utc};

use crate::common::*;
use crate::sync::{ack, acks_of, authed, check_order, kinds, of_kind, sync};
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
    memories_are_made_read_changed_and_deleted,
    memories_are_searched_and_counted,
    on_this_day_is_made_by_the_job,
);

const MISSING: &str = "4f1b2b4e-8c1e-4d55-9b1a-0d6f1c2b3a4d";

async fn create(client: &Client, body: Value) -> Value {
    let r = client.post("/api/memories", body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

fn asset_ids(memory: &Value) -> Vec<&str> {
    memory["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

fn on_this_day(year: i32) -> Value {
    json!({
        "type": "on_this_day",
        "memoryAt": format!("{year}-06-01T00:00:00.000Z"),
        "data": { "year": year },
    })
}

/// Immich's e2e story (`memory.e2e-spec.ts`) and the refusals around it.
async fn memories_are_made_read_changed_and_deleted(backend: Backend) {
    let p = people(backend).await;
    let (admin_asset, ann_asset) = (upload_fake(&p.admin, 1).await, upload_fake(&p.ann, 2).await);

    // As the e2e spec makes it: `new Date(2021).toISOString()`, no assets.
    let memory = create(
        &p.ann,
        json!({
            "type": "on_this_day",
            "memoryAt": "1970-01-01T00:00:02.021Z",
            "data": { "year": 2021 },
            "assetIds": [],
        }),
    )
    .await;
    let memory_id = id(&memory).to_string();
    assert_eq!(memory["ownerId"], user_id(&p.ann).await);
    assert_eq!(memory["type"], "on_this_day");
    assert_eq!(memory["data"], json!({ "year": 2021 }));
    assert_eq!(memory["memoryAt"], "1970-01-01T00:00:02.021Z");
    assert_eq!(memory["isSaved"], false);
    assert_eq!(memory["assets"], json!([]));
    for absent in ["seenAt", "showAt", "hideAt", "deletedAt"] {
        assert!(memory.get(absent).is_none(), "{absent}");
    }

    // Without a credential, nothing.
    let anon = Client::new(&p.server, Cred::None);
    let path = format!("/api/memories/{memory_id}");
    let assets_path = format!("/api/memories/{memory_id}/assets");
    for (method, path) in [
        (Method::GET, "/api/memories".to_string()),
        (Method::POST, "/api/memories".into()),
        (Method::GET, "/api/memories/statistics".into()),
        (Method::GET, path.clone()),
        (Method::PUT, path.clone()),
        (Method::DELETE, path.clone()),
        (Method::PUT, assets_path.clone()),
        (Method::DELETE, assets_path.clone()),
    ] {
        anon.send_json(method, &path, json!({}))
            .await
            .assert_error(401, "Authentication required");
    }
    // An API key needs the operation's permission.
    let reader = api_key(&p.ann, &["asset.read"]).await;
    for (method, path, body, permission) in [
        (
            Method::GET,
            "/api/memories".to_string(),
            json!({}),
            "memory.read",
        ),
        (
            Method::POST,
            "/api/memories".into(),
            on_this_day(2020),
            "memory.create",
        ),
        (
            Method::GET,
            "/api/memories/statistics".into(),
            json!({}),
            "memory.statistics",
        ),
        (Method::GET, path.clone(), json!({}), "memory.read"),
        (
            Method::PUT,
            path.clone(),
            json!({"isSaved": true}),
            "memory.update",
        ),
        (Method::DELETE, path.clone(), json!({}), "memory.delete"),
        (
            Method::PUT,
            assets_path.clone(),
            json!({"ids": []}),
            "memoryAsset.create",
        ),
        (
            Method::DELETE,
            assets_path.clone(),
            json!({"ids": []}),
            "memoryAsset.delete",
        ),
    ] {
        reader
            .send_json(method, &path, body)
            .await
            .assert_error(403, &format!("Missing required permission: {permission}"));
    }
    let key = api_key(&p.ann, &["memory.read"]).await;
    assert_eq!(key.get(&path).await.status, 200);

    // GET /memories/:id: the owner's alone.
    p.admin
        .get(&path)
        .await
        .assert_error(400, "Not found or no memory.read access");
    p.ann
        .get(&format!("/api/memories/{MISSING}"))
        .await
        .assert_error(400, "Not found or no memory.read access");
    p.ann
        .get("/api/memories/not-a-uuid")
        .await
        .assert_invalid(json!(["id"]), "Invalid UUID");
    let got = p.ann.get(&path).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), memory);

    // PUT /memories/:id.
    p.admin
        .put(&path, json!({"isSaved": true}))
        .await
        .assert_error(400, "Not found or no memory.update access");
    p.ann.put(&path, json!({})).await.assert_invalid(
        json!([]),
        "At least one of the following fields is required: isSaved, seenAt, memoryAt",
    );
    p.ann
        .put(&path, json!({"isSaved": "yes"}))
        .await
        .assert_invalid(
            json!(["isSaved"]),
            "Invalid input: expected boolean, received string",
        );
    let saved = p.ann.put(&path, json!({"isSaved": true})).await;
    assert_eq!(saved.status, 200);
    assert_eq!(saved.json()["isSaved"], true);
    let seen = p
        .ann
        .send_json(
            Method::PATCH,
            &path,
            json!({"seenAt": "2025-01-02T03:04:05.678Z", "memoryAt": "2021-06-01T00:00:00.000Z"}),
        )
        .await;
    assert_eq!(seen.status, 200);
    let seen = seen.json();
    assert_eq!(seen["seenAt"], "2025-01-02T03:04:05.678Z");
    assert_eq!(seen["memoryAt"], "2021-06-01T00:00:00.000Z");
    assert_eq!(seen["isSaved"], true, "left as it was");

    // PUT /memories/:id/assets: Immich checks memory.read on the memory.
    p.admin
        .put(&assets_path, json!({"ids": [ann_asset]}))
        .await
        .assert_error(400, "Not found or no memory.read access");
    let r = p.ann.put(&assets_path, json!({"ids": [admin_asset]})).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!([{"id": admin_asset, "success": false, "error": "no_permission"}])
    );
    let r = p
        .ann
        .put(
            &assets_path,
            json!({"ids": [ann_asset, ann_asset, MISSING]}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!([
            {"id": ann_asset, "success": true},
            {"id": ann_asset, "success": false, "error": "duplicate"},
            {"id": MISSING, "success": false, "error": "no_permission"},
        ])
    );
    let r = p.ann.put(&assets_path, json!({"ids": [ann_asset]})).await;
    assert_eq!(
        r.json(),
        json!([{"id": ann_asset, "success": false, "error": "duplicate"}])
    );
    p.ann
        .put(&assets_path, json!({"ids": ["nope"]}))
        .await
        .assert_invalid(json!(["ids", 0]), "Invalid UUID");
    let with_asset = p.ann.get(&path).await.json();
    assert_eq!(asset_ids(&with_asset), vec![ann_asset.as_str()]);
    assert!(with_asset["updatedAt"].as_str() > seen["updatedAt"].as_str());

    // DELETE /memories/:id/assets.
    p.admin
        .send_json(Method::DELETE, &assets_path, json!({"ids": [ann_asset]}))
        .await
        .assert_error(400, "Not found or no memory.update access");
    let r = p
        .ann
        .send_json(Method::DELETE, &assets_path, json!({"ids": [admin_asset]}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!([{"id": admin_asset, "success": false, "error": "not_found"}])
    );
    let r = p
        .ann
        .send_json(Method::DELETE, &assets_path, json!({"ids": [ann_asset]}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!([{"id": ann_asset, "success": true}]));
    assert_eq!(p.ann.get(&path).await.json()["assets"], json!([]));

    // POST /memories: assets the caller may not share are left out; each once.
    let made = create(
        &p.ann,
        json!({
            "type": "on_this_day",
            "memoryAt": "2019-06-01T10:00Z",
            "data": { "year": 2019 },
            "assetIds": [ann_asset, admin_asset, ann_asset],
            "isSaved": true,
            "seenAt": "2025-06-01T10:00:00+02:00",
            "showAt": "2025-06-01T00:00:00.000Z",
            "hideAt": "2025-06-01T23:59:59.999Z",
        }),
    )
    .await;
    assert_eq!(asset_ids(&made), vec![ann_asset.as_str()]);
    assert_eq!(made["memoryAt"], "2019-06-01T10:00:00.000Z");
    assert_eq!(made["seenAt"], "2025-06-01T08:00:00.000Z");
    assert_eq!(made["showAt"], "2025-06-01T00:00:00.000Z");
    assert_eq!(made["hideAt"], "2025-06-01T23:59:59.999Z");
    assert_eq!(made["isSaved"], true);
    assert_eq!(made["assets"][0]["ownerId"], user_id(&p.ann).await);
    p.ann
        .post(
            "/api/memories",
            json!({"type": "on_this_day", "data": {"year": 2019}}),
        )
        .await
        .assert_invalid(
            json!(["memoryAt"]),
            "Invalid input: expected ISO 8601 datetime string, received undefined",
        );
    let mut bad = on_this_day(2019);
    bad["type"] = json!("yearly");
    assert_eq!(p.ann.post("/api/memories", bad).await.status, 400);
    let mut bad = on_this_day(2019);
    bad["data"] = json!({"year": 999});
    assert_eq!(p.ann.post("/api/memories", bad).await.status, 400);
    let mut bad = on_this_day(2019);
    bad["memoryAt"] = json!("yesterday");
    assert_eq!(p.ann.post("/api/memories", bad).await.status, 400);

    // An asset in the trash is not listed; restored, it is again.
    let r = p
        .ann
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [ann_asset]}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        p.ann
            .get(&format!("/api/memories/{}", id(&made)))
            .await
            .json()["assets"],
        json!([])
    );
    let r = p
        .ann
        .post("/api/trash/restore/assets", json!({"ids": [ann_asset]}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        asset_ids(
            &p.ann
                .get(&format!("/api/memories/{}", id(&made)))
                .await
                .json()
        ),
        vec![ann_asset.as_str()]
    );

    // DELETE /memories/:id.
    p.admin
        .delete(&path)
        .await
        .assert_error(400, "Not found or no memory.delete access");
    assert_eq!(p.ann.delete(&path).await.status, 204);
    p.ann
        .get(&path)
        .await
        .assert_error(400, "Not found or no memory.read access");
    p.ann
        .delete(&path)
        .await
        .assert_error(400, "Not found or no memory.delete access");
}

/// `GET /memories` and its statistics: only the caller's, those with assets to show (counted
/// all the same), by `for`, `isSaved`, `type`, `order` and `size`.
async fn memories_are_searched_and_counted(backend: Backend) {
    let p = people(backend).await;
    let asset = upload_fake(&p.ann, 3).await;
    let with = |year: i32, extra: Value| {
        let mut body = on_this_day(year);
        body["assetIds"] = json!([asset]);
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let m2019 = create(&p.ann, with(2019, json!({}))).await;
    let m2020 = create(
        &p.ann,
        with(
            2020,
            json!({"showAt": "2025-06-01T00:00:00.000Z", "hideAt": "2025-06-01T23:59:59.999Z"}),
        ),
    )
    .await;
    let m2021 = create(&p.ann, with(2021, json!({"isSaved": true}))).await;
    let empty = create(&p.ann, on_this_day(2022)).await;
    create(&p.admin, on_this_day(2018)).await;

    let list = |q: &str| {
        let (ann, q) = (p.ann.clone(), q.to_string());
        async move {
            let r = ann.get(&format!("/api/memories{q}")).await;
            assert_eq!(r.status, 200, "{q}: {}", String::from_utf8_lossy(&r.body));
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let count = |q: &str| {
        let (ann, q) = (p.ann.clone(), q.to_string());
        async move {
            let r = ann.get(&format!("/api/memories/statistics{q}")).await;
            assert_eq!(r.status, 200, "{q}: {}", String::from_utf8_lossy(&r.body));
            r.json()["total"].as_u64().unwrap()
        }
    };
    let ids = |ms: &[&Value]| ms.iter().map(|m| id(m).to_string()).collect::<Vec<_>>();
    // Newest memoryAt first; the one without assets is left out but counted.
    assert_eq!(list("").await, ids(&[&m2021, &m2020, &m2019]));
    assert_eq!(count("").await, 4);
    assert_eq!(list("?order=asc").await, ids(&[&m2019, &m2020, &m2021]));
    assert_eq!(list("?order=desc").await, ids(&[&m2021, &m2020, &m2019]));
    assert_eq!(list("?order=random").await.len(), 3);
    assert_eq!(list("?order=asc&size=2").await, ids(&[&m2019, &m2020]));
    // `size` counts before the empty ones go, as in Immich.
    assert_eq!(list("?size=1").await, Vec::<String>::new());
    assert_eq!(list("?isSaved=true").await, ids(&[&m2021]));
    assert_eq!(count("?isSaved=false").await, 3);
    assert_eq!(list("?type=on_this_day&order=asc").await.len(), 3);
    assert_eq!(count("?isTrashed=true").await, 0);
    // Shown on a day: those without a window, and those whose window holds its midnight.
    assert_eq!(
        list("?for=2025-06-01&order=asc").await,
        ids(&[&m2019, &m2020, &m2021])
    );
    assert_eq!(
        list("?for=2025-06-02&order=asc").await,
        ids(&[&m2019, &m2021])
    );
    assert_eq!(count("?for=2025-06-02").await, 3);
    assert!(!list("").await.contains(&id(&empty).to_string()));

    // Invalid filters: Immich's messages.
    for (query, path, message) in [
        (
            "?for=2025-13-01",
            "for",
            "Invalid input: expected ISO date string (YYYY-MM-DD), received string",
        ),
        (
            "?isSaved=yes",
            "isSaved",
            "Invalid option: expected one of \"true\"|\"false\"",
        ),
        (
            "?type=yearly",
            "type",
            "Invalid input: expected \"on_this_day\"",
        ),
        (
            "?order=sideways",
            "order",
            "Invalid option: expected one of \"asc\"|\"desc\"|\"random\"",
        ),
        ("?size=0", "size", "Too small: expected number to be >=1"),
    ] {
        for route in ["/api/memories", "/api/memories/statistics"] {
            p.ann
                .get(&format!("{route}{query}"))
                .await
                .assert_invalid(json!([path]), message);
        }
    }
}

/// A photo with its date (and so its local date) set through the API.
async fn dated(client: &Client, asset: &str, taken: &str) {
    let r = client
        .put(
            &format!("/api/assets/{asset}"),
            json!({ "dateTimeOriginal": taken }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["localDateTime"], taken);
}

/// Immich's "on this day": photos taken on today's month and day in earlier years, a memory per
/// year, made by the admin's `memory-create`; running it again makes nothing new. The phone gets
/// them through the sync stream, and later what was taken out and deleted.
async fn on_this_day_is_made_by_the_job(backend: Backend) {
    let p = people(backend).await;
    let today = Utc::now().date_naive();
    // Years back whose calendar has today's date (29 February included).
    let (y1, y2) = (today.year() - 4, today.year() - 8);
    let on = |year: i32, hour: u32| {
        format!(
            "{year}-{:02}-{:02}T{hour:02}:00:00.000Z",
            today.month(),
            today.day()
        )
    };
    let mut photos = Vec::new();
    for name in [
        "prairie_falcon.jpg",
        "tanners_ridge.jpg",
        "silver_fir.jpg",
        "wood_anemones.jpg",
        "el_torcal_rocks.jpg",
    ] {
        photos.push(upload_path(&p.ann, &fixtures().join("nature").join(name)).await);
    }
    wait_for_media_jobs(&p.admin).await;
    dated(&p.ann, &photos[0], &on(y1, 9)).await;
    dated(&p.ann, &photos[1], &on(y1, 18)).await;
    dated(&p.ann, &photos[2], &on(y2, 12)).await;
    // Not on this day: another day of that year; archived.
    let other_day = today - chrono::Duration::days(10);
    dated(
        &p.ann,
        &photos[3],
        &format!(
            "{}T12:00:00.000Z",
            other_day.with_year(y1).unwrap_or(other_day)
        ),
    )
    .await;
    dated(&p.ann, &photos[4], &on(y1, 12)).await;
    let r = p
        .ann
        .put(
            &format!("/api/assets/{}", photos[4]),
            json!({"visibility": "archive"}),
        )
        .await;
    assert_eq!(r.status, 200);
    // The admin's own photo of that day is the admin's memory, not Ann's.
    let admins = upload_path(&p.admin, &fixtures().join("nature/silver_fir.jpg")).await;
    wait_for_media_jobs(&p.admin).await;
    dated(&p.admin, &admins, &on(y2, 8)).await;

    // Only an admin starts it.
    p.ann
        .post("/api/jobs", json!({"name": "memory-create"}))
        .await
        .assert_error(403, "Forbidden");
    let for_today = format!("/api/memories?for={today}");
    assert_eq!(p.ann.get(&for_today).await.json(), json!([]));
    for _ in 0..2 {
        let r = p
            .admin
            .post("/api/jobs", json!({"name": "memory-create"}))
            .await;
        assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
        wait_for_queue(&p.admin, "backgroundTask").await;
    }
    let memories = p.ann.get(&for_today).await.json();
    let memories = memories.as_array().unwrap();
    assert_eq!(memories.len(), 2, "one a year, once: {memories:?}");
    let (newest, oldest) = (&memories[0], &memories[1]);
    assert_eq!(newest["type"], "on_this_day");
    assert_eq!(newest["data"], json!({ "year": y1 }));
    assert_eq!(newest["memoryAt"], on(y1, 0));
    assert_eq!(newest["showAt"], format!("{today}T00:00:00.000Z"));
    assert_eq!(newest["hideAt"], format!("{today}T23:59:59.999Z"));
    assert_eq!(newest["isSaved"], false);
    assert_eq!(
        asset_ids(newest),
        vec![photos[0].as_str(), photos[1].as_str()]
    );
    assert_eq!(oldest["data"], json!({ "year": y2 }));
    assert_eq!(asset_ids(oldest), vec![photos[2].as_str()]);
    let admin_memories = p.admin.get(&for_today).await.json();
    assert_eq!(admin_memories.as_array().unwrap().len(), 1);
    assert_eq!(asset_ids(&admin_memories[0]), vec![admins.as_str()]);
    // Not shown the day after tomorrow's window.
    let later = today + chrono::Duration::days(1);
    assert_eq!(
        p.ann
            .get(&format!("/api/memories?for={later}"))
            .await
            .json(),
        json!([])
    );
    // The clean-up keeps memories younger than 30 days.
    let r = p
        .admin
        .post("/api/jobs", json!({"name": "memory-cleanup"}))
        .await;
    assert_eq!(r.status, 204);
    wait_for_queue(&p.admin, "backgroundTask").await;
    assert_eq!(
        p.ann.get(&for_today).await.json().as_array().unwrap().len(),
        2
    );

    // The phone: memories and their assets, every line checked against its schema.
    let phone = authed(&p.ann);
    let base = p.server.base.clone();
    let types = json!({ "types": ["MemoriesV1", "MemoryToAssetsV1"] });
    let first = sync(&phone, &base, types.clone()).await;
    check_order(&first);
    assert_eq!(
        kinds(&first),
        [
            "MemoryV1",
            "MemoryV1",
            "MemoryToAssetV1",
            "MemoryToAssetV1",
            "MemoryToAssetV1",
            "SyncCompleteV1"
        ]
    );
    let synced = of_kind(&first, "MemoryV1");
    let newest_line = synced
        .iter()
        .find(|l| l.data["id"] == newest["id"])
        .expect("the newest memory");
    assert_eq!(newest_line.data["data"], json!({ "year": y1 }));
    assert_eq!(newest_line.data["ownerId"], user_id(&p.ann).await);
    assert_eq!(newest_line.data["seenAt"], Value::Null);
    assert_eq!(newest_line.data["deletedAt"], Value::Null);
    assert_eq!(newest_line.data["hideAt"], newest["hideAt"]);
    let links: Vec<(&Value, &Value)> = of_kind(&first, "MemoryToAssetV1")
        .iter()
        .map(|l| (&l.data["memoryId"], &l.data["assetId"]))
        .collect();
    assert!(links.contains(&(&newest["id"], &json!(photos[1]))));
    assert!(links.contains(&(&oldest["id"], &json!(photos[2]))));
    ack(&phone, &base, acks_of(&first)).await;

    // Seen, one photo taken out, the other memory deleted: the phone hears of each.
    let r = p
        .ann
        .put(
            &format!("/api/memories/{}", id(newest)),
            json!({"seenAt": "2030-01-01T00:00:00.000Z"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = p
        .ann
        .send_json(
            Method::DELETE,
            &format!("/api/memories/{}/assets", id(newest)),
            json!({"ids": [photos[0]]}),
        )
        .await;
    assert_eq!(r.json(), json!([{"id": photos[0], "success": true}]));
    assert_eq!(
        p.ann
            .delete(&format!("/api/memories/{}", id(oldest)))
            .await
            .status,
        204
    );
    let second = sync(&phone, &base, types.clone()).await;
    check_order(&second);
    assert_eq!(
        kinds(&second),
        [
            "MemoryDeleteV1",
            "MemoryV1",
            "MemoryToAssetDeleteV1",
            "SyncCompleteV1"
        ]
    );
    assert_eq!(second[0].data, json!({"memoryId": oldest["id"]}));
    assert_eq!(second[1].data["seenAt"], "2030-01-01T00:00:00.000Z");
    assert_eq!(
        second[2].data,
        json!({"memoryId": newest["id"], "assetId": photos[0]})
    );
    ack(&phone, &base, acks_of(&second)).await;
    assert_eq!(kinds(&sync(&phone, &base, types).await), ["SyncCompleteV1"]);

    // Deleted, it is not made again: the day is done.
    let r = p
        .admin
        .post("/api/jobs", json!({"name": "memory-create"}))
        .await;
    assert_eq!(r.status, 204);
    wait_for_queue(&p.admin, "backgroundTask").await;
    let left = p.ann.get(&for_today).await.json();
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["id"], newest["id"]);
}
