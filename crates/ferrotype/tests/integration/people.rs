//! People (`/people`), listed once seen on the timeline (three faces each, drawn by hand):
//! every route with its refusals (no credential, an API key
//! without the permission, another user's person, a missing one, invalid bodies and queries:
//! bad ids, a birth date in the future, a bad colour, bad pages), Immich's defaults, the list's
//! order (favourites first, hidden last, named by name, unnamed last), its pages and counts,
//! changes one by one and in bulk, the closest person and the feature face that cannot be
//! found, deletions one by one
//! and in bulk; the sync lines (PersonV1, PersonDeleteV1) checked against the spec; on a SQLite
//! and on a PostgreSQL catalog.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;
use crate::sync::{ack, acks_of, authed, check_order, kinds, of_kind, sync};

struct Setup {
    server: Server,
    ann: Client,
    bob: Client,
}

async fn setup(backend: Backend) -> Setup {
    let server = backend.server().await;
    let (_, [ann, bob]) = admin_and_users(&server, ["Ann", "Bob"]).await;
    Setup { server, ann, bob }
}

on_both_backends!(
    people_refuse_what_immich_refuses,
    people_are_made_listed_changed_and_deleted,
    people_reach_the_phone,
);

const MISSING: &str = "4f1b2b4e-8c1e-4d55-9b1a-0d6f1c2b3a4d";
const COLOR_PATTERN: &str = "Invalid string: must match pattern \
    /^#?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$/";

/// Makes a person, and nothing more: Immich lists no one not seen on the timeline.
async fn create_bare(client: &Client, body: Value) -> Value {
    let r = client.post("/api/people", body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// Makes a person and shows them on the timeline (`show`), as `GET /people` lists them; answers
/// them as they are then (their first face is their feature face: `updatedAt` moved).
async fn create(client: &Client, body: Value) -> Value {
    let made = create_bare(client, body).await;
    show(client, id(&made)).await;
    client
        .get(&format!("/api/people/{}", id(&made)))
        .await
        .json()
}

/// Three faces of the person (Immich's `minimumFaces` for the unnamed) on a new asset of the
/// owner's timeline.
async fn show(owner: &Client, person: &str) {
    static SEED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(7000);
    let seed = SEED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let asset = upload_fake(owner, seed).await;
    for x in [10, 20, 30] {
        let r = owner
            .post(
                "/api/faces",
                json!({"assetId": asset, "personId": person, "imageWidth": 100,
                       "imageHeight": 100, "x": x, "y": 10, "width": 5, "height": 5}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    }
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// `GET /people` with a query, answered 200.
async fn list(client: &Client, query: &str) -> Value {
    let r = client.get(&format!("/api/people{query}")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn names(list: &Value) -> Vec<&str> {
    list["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

/// Tomorrow (UTC), as a date.
fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

async fn people_refuse_what_immich_refuses(backend: Backend) {
    let s = setup(backend).await;
    let anon = Client::new(&s.server, Cred::None);
    let routes = |person: &str| {
        vec![
            (
                Method::GET,
                "/api/people".to_string(),
                json!({}),
                "person.read",
            ),
            (
                Method::POST,
                "/api/people".into(),
                json!({"name": "x"}),
                "person.create",
            ),
            (
                Method::PUT,
                "/api/people".into(),
                json!({"people": []}),
                "person.update",
            ),
            (
                Method::DELETE,
                "/api/people".into(),
                json!({"ids": []}),
                "person.delete",
            ),
            (
                Method::GET,
                format!("/api/people/{person}"),
                json!({}),
                "person.read",
            ),
            (
                Method::PUT,
                format!("/api/people/{person}"),
                json!({}),
                "person.update",
            ),
            (
                Method::PATCH,
                format!("/api/people/{person}"),
                json!({}),
                "person.update",
            ),
            (
                Method::DELETE,
                format!("/api/people/{person}"),
                json!({}),
                "person.delete",
            ),
        ]
    };
    for (method, path, body, _) in routes(MISSING) {
        anon.send_json(method, &path, body)
            .await
            .assert_error(401, "Authentication required");
    }

    // An API key needs the operation's permission, and with it may act.
    let anns = create(&s.ann, json!({"name": "Ann's"})).await;
    let reader = api_key(&s.ann, &["asset.read"]).await;
    for (method, path, body, permission) in routes(id(&anns)) {
        reader
            .send_json(method, &path, body)
            .await
            .assert_error(403, &format!("Missing required permission: {permission}"));
    }
    let key = api_key(&s.ann, &["person.create", "person.read"]).await;
    let made = create_bare(&key, json!({"name": "By key"})).await;
    let got = key.get(&format!("/api/people/{}", id(&made))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), made);
    show(&s.ann, id(&made)).await;
    key.put(&format!("/api/people/{}", id(&made)), json!({}))
        .await
        .assert_error(403, "Missing required permission: person.update");

    // Another user's person, and one that does not exist, answer alike.
    let bobs = create(&s.bob, json!({"name": "Bob's"})).await;
    for other in [id(&bobs), MISSING] {
        s.ann
            .get(&format!("/api/people/{other}"))
            .await
            .assert_error(400, "Not found or no person.read access");
        for method in [Method::PUT, Method::PATCH] {
            s.ann
                .send_json(
                    method,
                    &format!("/api/people/{other}"),
                    json!({"name": "x"}),
                )
                .await
                .assert_error(400, "Not found or no person.update access");
        }
        s.ann
            .delete(&format!("/api/people/{other}"))
            .await
            .assert_error(400, "Not found or no person.delete access");
        s.ann
            .send_json(
                Method::DELETE,
                "/api/people",
                json!({"ids": [id(&anns), other]}),
            )
            .await
            .assert_error(400, "Not found or no person.delete access");
    }
    assert_eq!(
        s.bob
            .get(&format!("/api/people/{}", id(&bobs)))
            .await
            .json()["name"],
        "Bob's",
        "untouched"
    );
    assert_eq!(
        s.ann
            .get(&format!("/api/people/{}", id(&anns)))
            .await
            .status,
        200,
        "a refused bulk deletion deletes none"
    );

    // Immich's validation: ids, birth dates, colours, types, pages.
    s.ann
        .get("/api/people/not-a-uuid")
        .await
        .assert_invalid(json!(["id"]), "Invalid UUID");
    s.ann
        .put("/api/people/not-a-uuid", json!({}))
        .await
        .assert_invalid(json!(["id"]), "Invalid UUID");
    s.ann
        .delete("/api/people/not-a-uuid")
        .await
        .assert_invalid(json!(["id"]), "Invalid UUID");
    for date in [tomorrow().as_str(), "3000-01-01", "not-a-date"] {
        s.ann
            .post("/api/people", json!({"birthDate": date}))
            .await
            .assert_invalid(json!(["birthDate"]), "Birth date cannot be in the future");
        s.ann
            .put(
                &format!("/api/people/{}", id(&anns)),
                json!({"birthDate": date}),
            )
            .await
            .assert_invalid(json!(["birthDate"]), "Birth date cannot be in the future");
        s.ann
            .put(
                "/api/people",
                json!({"people": [{"id": id(&anns), "birthDate": date}]}),
            )
            .await
            .assert_invalid(
                json!(["people", 0, "birthDate"]),
                "Birth date cannot be in the future",
            );
    }
    // Checked as Immich does, beside the other fields' issues.
    let both = s
        .ann
        .post("/api/people", json!({"name": 5, "birthDate": "3000-01-01"}))
        .await;
    both.assert_invalid(
        json!(["name"]),
        "Invalid input: expected string, received number",
    );
    both.assert_invalid(json!(["birthDate"]), "Birth date cannot be in the future");
    s.ann
        .post("/api/people", json!({"birthDate": 19900101}))
        .await
        .assert_invalid(
            json!(["birthDate"]),
            "Invalid input: expected string, received number",
        );
    for color in ["#12", "red", "#1234567", ""] {
        s.ann
            .post("/api/people", json!({"color": color}))
            .await
            .assert_invalid(json!(["color"]), COLOR_PATTERN);
        s.ann
            .put(
                &format!("/api/people/{}", id(&anns)),
                json!({"color": color}),
            )
            .await
            .assert_invalid(json!(["color"]), COLOR_PATTERN);
    }
    s.ann
        .post("/api/people", json!({"isHidden": "yes"}))
        .await
        .assert_invalid(
            json!(["isHidden"]),
            "Invalid input: expected boolean, received string",
        );
    s.ann
        .put(
            &format!("/api/people/{}", id(&anns)),
            json!({"featureFaceAssetId": "nope"}),
        )
        .await
        .assert_invalid(json!(["featureFaceAssetId"]), "Invalid UUID");
    s.ann
        .put("/api/people", json!({"people": [{"id": "nope"}]}))
        .await
        .assert_invalid(json!(["people", 0, "id"]), "Invalid UUID");
    s.ann.put("/api/people", json!({})).await.assert_invalid(
        json!(["people"]),
        "Invalid input: expected array, received undefined",
    );
    s.ann
        .send_json(Method::DELETE, "/api/people", json!({"ids": ["nope"]}))
        .await
        .assert_invalid(json!(["ids", 0]), "Invalid UUID");
    s.ann
        .get("/api/people?page=0")
        .await
        .assert_invalid(json!(["page"]), "Too small: expected number to be >=1");
    s.ann
        .get("/api/people?size=1001")
        .await
        .assert_invalid(json!(["size"]), "Too big: expected number to be <=1000");
    s.ann
        .get("/api/people?size=0")
        .await
        .assert_invalid(json!(["size"]), "Too small: expected number to be >=1");
    assert_eq!(
        s.ann.get("/api/people?withHidden=yes").await.status,
        400,
        "withHidden is true or false"
    );
    s.ann
        .get("/api/people?closestPersonId=nope")
        .await
        .assert_invalid(json!(["closestPersonId"]), "Invalid UUID");

    // The closest person needs a feature face to compare with (Immich's 404, whoever's the
    // person is): one without faces has none.
    let faceless = create_bare(&s.ann, json!({"name": "Faceless"})).await;
    for person in [id(&faceless), MISSING] {
        s.ann
            .get(&format!("/api/people?closestPersonId={person}"))
            .await
            .assert_error(404, "Person not found");
    }
    for person in [id(&anns), id(&bobs)] {
        assert_eq!(
            names(&list(&s.ann, &format!("?closestPersonId={person}")).await),
            ["Ann's", "By key"]
        );
    }
    assert_eq!(
        names(&list(&s.ann, &format!("?closestAssetId={MISSING}")).await),
        ["Ann's", "By key"]
    );
    let photo = s.ann.upload("face.jpg", fake_jpeg(1, 2000)).await;
    assert_eq!(photo.status, 201);
    let photo = photo.json()["id"].as_str().unwrap().to_string();
    let bobs_photo = s.bob.upload("bob.jpg", fake_jpeg(2, 2000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.ann
        .put(
            &format!("/api/people/{}", id(&anns)),
            json!({"featureFaceAssetId": photo, "name": "Renamed"}),
        )
        .await
        .assert_error(400, "Invalid assetId for feature face or asset is offline");
    for other in [bobs_photo.as_str(), MISSING] {
        s.ann
            .put(
                &format!("/api/people/{}", id(&anns)),
                json!({"featureFaceAssetId": other}),
            )
            .await
            .assert_error(400, "Not found or no asset.read access");
    }
    assert_eq!(
        s.ann
            .get(&format!("/api/people/{}", id(&anns)))
            .await
            .json()["name"],
        "Ann's",
        "a refused change changes nothing"
    );
    // An asset's people stay empty.
    let asset = s.ann.get(&format!("/api/assets/{photo}")).await.json();
    assert_eq!(asset["people"], json!([]));
}

async fn people_are_made_listed_changed_and_deleted(backend: Backend) {
    let s = setup(backend).await;
    assert_eq!(
        list(&s.ann, "").await,
        json!({"people": [], "total": 0, "hidden": 0, "hasNextPage": false})
    );

    // Immich's defaults.
    let unnamed = create(&s.ann, json!({})).await;
    assert_eq!(unnamed["name"], "");
    assert_eq!(unnamed["birthDate"], Value::Null);
    assert_eq!(unnamed["thumbnailPath"], "");
    assert_eq!(unnamed["isHidden"], false);
    assert_eq!(unnamed["isFavorite"], false);
    assert!(unnamed.get("color").is_none(), "no colour: {unnamed}");
    assert!(unnamed["updatedAt"].as_str().unwrap().ends_with('Z'));
    // Everything given; the colour gets its '#'.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let alice = create(
        &s.ann,
        json!({"name": "Alice", "birthDate": "1990-01-31", "color": "a0B1c2",
               "isFavorite": false, "isHidden": false}),
    )
    .await;
    assert_eq!(alice["name"], "Alice");
    assert_eq!(alice["birthDate"], "1990-01-31");
    assert_eq!(alice["color"], "#a0B1c2");
    let born_today = create(&s.ann, json!({"name": "Baby", "birthDate": today})).await;
    assert_eq!(
        born_today["birthDate"],
        today.as_str(),
        "today is not the future"
    );
    let dated = create(
        &s.ann,
        json!({"name": "Dated", "birthDate": "1985-06-15T12:00:00.000Z", "color": null}),
    )
    .await;
    assert_eq!(
        dated["birthDate"], "1985-06-15",
        "a date and time keeps its date"
    );
    assert!(dated.get("color").is_none());
    let freddy = create(&s.ann, json!({"name": "Freddy", "isFavorite": true})).await;
    assert_eq!(freddy["isFavorite"], true);
    let bill = create(&s.ann, json!({"name": "Bill", "isFavorite": true})).await;
    let hidden = create(&s.ann, json!({"name": "Aaron", "isHidden": true})).await;
    assert_eq!(hidden["isHidden"], true);
    let charlie = create(&s.ann, json!({"name": "Charlie", "color": "#333"})).await;
    create(&s.bob, json!({"name": "Bob's"})).await;

    // The list: favourites first, named by name, unnamed last; hidden ones last and only when
    // asked for; total and hidden count them all.
    let visible = list(&s.ann, "").await;
    assert_eq!(
        names(&visible),
        ["Bill", "Freddy", "Alice", "Baby", "Charlie", "Dated", ""]
    );
    assert_eq!(visible["total"], 8);
    assert_eq!(visible["hidden"], 1);
    assert_eq!(visible["hasNextPage"], false);
    assert_eq!(
        visible["people"][2], alice,
        "as GET /people/{{id}} shows it"
    );
    let all = list(&s.ann, "?withHidden=true").await;
    assert_eq!(
        names(&all),
        [
            "Bill", "Freddy", "Alice", "Baby", "Charlie", "Dated", "", "Aaron"
        ]
    );
    assert_eq!(
        names(&list(&s.ann, "?withHidden=false").await),
        names(&visible)
    );
    // Pages.
    let page = list(&s.ann, "?withHidden=true&page=5&size=1").await;
    assert_eq!(names(&page), ["Charlie"]);
    assert_eq!(page["hasNextPage"], true);
    assert_eq!(page["total"], 8);
    let page = list(&s.ann, "?withHidden=true&page=3&size=3").await;
    assert_eq!(names(&page), ["", "Aaron"]);
    assert_eq!(page["hasNextPage"], false);
    let page = list(&s.ann, "?page=2&size=7").await;
    assert_eq!(names(&page), Vec::<&str>::new());
    assert_eq!(page["hasNextPage"], false);
    let page = list(&s.ann, "?page=1&size=7").await;
    assert_eq!(page["hasNextPage"], false, "exactly one page");
    assert_eq!(names(&list(&s.bob, "").await), ["Bob's"]);

    // One person.
    let got = s.ann.get(&format!("/api/people/{}", id(&alice))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), alice);

    // Changes: what is given changes, null clears, the rest stays.
    let path = format!("/api/people/{}", id(&alice));
    let r = s.ann.put(&path, json!({"birthDate": "1991-02-03"})).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let changed = r.json();
    assert_eq!(changed["birthDate"], "1991-02-03");
    assert_eq!(changed["color"], "#a0B1c2");
    assert_eq!(changed["name"], "Alice");
    assert!(changed["updatedAt"].as_str() >= alice["updatedAt"].as_str());
    let changed = s.ann.put(&path, json!({"birthDate": null})).await.json();
    assert_eq!(changed["birthDate"], Value::Null);
    let changed = s.ann.put(&path, json!({"color": "555"})).await.json();
    assert_eq!(changed["color"], "#555");
    let changed = s.ann.put(&path, json!({"color": null})).await.json();
    assert!(changed.get("color").is_none(), "cleared: {changed}");
    let changed = s
        .ann
        .send_json(
            Method::PATCH,
            &path,
            json!({"name": "Alicia", "isFavorite": true}),
        )
        .await
        .json();
    assert_eq!(changed["name"], "Alicia");
    assert_eq!(changed["isFavorite"], true);
    assert_eq!(s.ann.get(&path).await.json(), changed, "kept as answered");
    let changed = s.ann.put(&path, json!({"isHidden": true})).await.json();
    assert_eq!(changed["isHidden"], true);
    let all = list(&s.ann, "?withHidden=true").await;
    assert_eq!(
        names(&all),
        [
            "Bill", "Freddy", "Baby", "Charlie", "Dated", "", "Alicia", "Aaron"
        ],
        "a hidden favourite before the other hidden ones"
    );
    assert_eq!(all["hidden"], 2);
    assert_eq!(all["total"], 8);

    // In bulk: each person on its own; another user's or a missing one fails alone; the colour
    // is left as it was (Immich's bulk update does not pass it on).
    let bobs = create(&s.bob, json!({"name": "Bob's second"})).await;
    let r = s
        .ann
        .put(
            "/api/people",
            json!({"people": [
                {"id": id(&charlie), "name": "Charles", "isFavorite": true, "color": "#999"},
                {"id": id(&bobs), "name": "Taken"},
                {"id": MISSING, "name": "Nobody"},
                {"id": id(&hidden), "isHidden": false, "birthDate": "2000-02-29"},
                {"id": id(&dated), "featureFaceAssetId": MISSING},
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.json(),
        json!([
            {"id": id(&charlie), "success": true},
            {"id": id(&bobs), "success": false, "error": "unknown"},
            {"id": MISSING, "success": false, "error": "unknown"},
            {"id": id(&hidden), "success": true},
            {"id": id(&dated), "success": false, "error": "unknown"},
        ])
    );
    let charles = s
        .ann
        .get(&format!("/api/people/{}", id(&charlie)))
        .await
        .json();
    assert_eq!(charles["name"], "Charles");
    assert_eq!(charles["isFavorite"], true);
    assert_eq!(
        charles["color"], "#333",
        "the colour is not changed in bulk"
    );
    let aaron = s
        .ann
        .get(&format!("/api/people/{}", id(&hidden)))
        .await
        .json();
    assert_eq!(aaron["isHidden"], false);
    assert_eq!(aaron["birthDate"], "2000-02-29");
    assert_eq!(
        s.bob
            .get(&format!("/api/people/{}", id(&bobs)))
            .await
            .json()["name"],
        "Bob's second"
    );
    assert_eq!(
        s.ann.put("/api/people", json!({"people": []})).await.json(),
        json!([])
    );
    let visible = list(&s.ann, "").await;
    assert_eq!(
        names(&visible),
        ["Bill", "Charles", "Freddy", "Aaron", "Baby", "Dated", ""]
    );
    assert_eq!(visible["hidden"], 1);

    // Deletions: one, then several at once.
    let r = s.ann.delete(&format!("/api/people/{}", id(&unnamed))).await;
    assert_eq!(r.status, 204);
    s.ann
        .get(&format!("/api/people/{}", id(&unnamed)))
        .await
        .assert_error(400, "Not found or no person.read access");
    let r = s
        .ann
        .send_json(
            Method::DELETE,
            "/api/people",
            json!({"ids": [id(&bill), id(&freddy), id(&bill)]}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = s
        .ann
        .send_json(Method::DELETE, "/api/people", json!({"ids": []}))
        .await;
    assert_eq!(r.status, 204);
    let all = list(&s.ann, "?withHidden=true").await;
    assert_eq!(names(&all), ["Charles", "Aaron", "Baby", "Dated", "Alicia"]);
    assert_eq!(all["total"], 5);
    assert_eq!(all["hidden"], 1);
    assert_eq!(list(&s.bob, "").await["total"], 2, "Bob's untouched");
}

/// The phone hears of its owner's people through the sync stream (PeopleV1), every line checked
/// against the spec: made, changed, deleted; nobody else's.
async fn people_reach_the_phone(backend: Backend) {
    let s = setup(backend).await;
    let base = s.server.base.clone();
    let ann_id = user_id(&s.ann).await;
    let anns_phone = authed(&s.ann);
    let bobs_phone = authed(&s.bob);
    let types = json!({ "types": APP_SYNC_TYPES });
    for phone in [&anns_phone, &bobs_phone] {
        ack(
            phone,
            &base,
            acks_of(&sync(phone, &base, types.clone()).await),
        )
        .await;
    }

    let alice = create_bare(
        &s.ann,
        json!({"name": "Alice", "birthDate": "1990-01-31", "color": "#333", "isFavorite": true}),
    )
    .await;
    let plain = create_bare(&s.ann, json!({})).await;
    let made = sync(&anns_phone, &base, types.clone()).await;
    check_order(&made);
    let lines = of_kind(&made, "PersonV1");
    assert_eq!(lines.len(), 2, "{:?}", kinds(&made));
    let line = lines.iter().find(|l| l.data["id"] == id(&alice)).unwrap();
    let updated_at = alice["updatedAt"].clone();
    assert_eq!(
        line.data,
        json!({"id": id(&alice), "createdAt": updated_at, "updatedAt": updated_at,
               "ownerId": ann_id, "name": "Alice", "birthDate": "1990-01-31T00:00:00.000Z",
               "isHidden": false, "isFavorite": true, "color": "#333", "faceAssetId": null})
    );
    let line = lines.iter().find(|l| l.data["id"] == id(&plain)).unwrap();
    assert_eq!(line.data["name"], "");
    assert_eq!(line.data["birthDate"], Value::Null);
    assert_eq!(line.data["color"], Value::Null);
    ack(&anns_phone, &base, acks_of(&made)).await;
    let quiet = sync(&bobs_phone, &base, types.clone()).await;
    assert!(
        kinds(&quiet).iter().all(|k| !k.starts_with("Person")),
        "{:?}",
        kinds(&quiet)
    );

    // A change comes again; a deletion as its own line.
    let r = s
        .ann
        .put(
            &format!("/api/people/{}", id(&alice)),
            json!({"isHidden": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = s.ann.delete(&format!("/api/people/{}", id(&plain))).await;
    assert_eq!(r.status, 204);
    let changed = sync(&anns_phone, &base, types.clone()).await;
    check_order(&changed);
    assert_eq!(
        kinds(&changed)
            .into_iter()
            .filter(|k| k.starts_with("Person"))
            .collect::<Vec<_>>(),
        ["PersonDeleteV1", "PersonV1"]
    );
    assert_eq!(
        of_kind(&changed, "PersonDeleteV1")[0].data,
        json!({"personId": id(&plain)})
    );
    assert_eq!(of_kind(&changed, "PersonV1")[0].data["isHidden"], true);
    ack(&anns_phone, &base, acks_of(&changed)).await;
    let again = sync(&anns_phone, &base, types.clone()).await;
    assert!(kinds(&again).iter().all(|k| !k.starts_with("Person")));
}
