//! Album activity (`/activities`): Immich's e2e spec's stories (listing with its filters, comments
//! and likes on an album and its assets, a repeated like answered 200, who may delete what), the
//! statistics, what an album's, an asset's and a member's fate does to activity, and every
//! refusal: other people's albums, an asset not in the album, someone else's comment, activity
//! turned off, a bad type, a comment without text, links and API keys.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

struct Album {
    server: Server,
    /// The album's owner (the admin).
    owner: Client,
    /// An editor of the album.
    member: Client,
    /// Someone the album is not shared with.
    stranger: Client,
    owner_id: String,
    member_id: String,
    album_id: String,
    asset_id: String,
    /// The owner's asset that is not in the album.
    outside_id: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// The e2e spec's setup: the admin's album of one asset, shared with an editor.
async fn album() -> Album {
    let server = Server::start();
    let owner = admin(&server).await;
    create_user(&server, "member@example.com", "password-1234");
    create_user(&server, "stranger@example.com", "password-1234");
    let member = login(&server, "member@example.com", "password-1234").await;
    let stranger = login(&server, "stranger@example.com", "password-1234").await;
    let (owner_id, member_id) = (user_id(&owner).await, user_id(&member).await);
    let asset_id = id(&owner.upload("in.jpg", fake_jpeg(1, 500)).await.json());
    let outside_id = id(&owner.upload("out.jpg", fake_jpeg(2, 500)).await.json());
    let r = owner
        .post(
            "/api/albums",
            json!({"albumName": "Album 1", "assetIds": [asset_id],
                   "albumUsers": [{"userId": member_id, "role": "editor"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let album_id = id(&r.json());
    Album {
        server,
        owner,
        member,
        stranger,
        owner_id,
        member_id,
        album_id,
        asset_id,
        outside_id,
    }
}

/// Posts an activity and expects it created (201); returns it.
async fn create(client: &Client, body: Value) -> Value {
    let r = client.post("/api/activities", body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

async fn list(client: &Client, query: &str) -> Vec<Value> {
    let r = client.get(&format!("/api/activities?{query}")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json().as_array().unwrap().clone()
}

async fn statistics(client: &Client, query: &str) -> Value {
    let r = client
        .get(&format!("/api/activities/statistics?{query}"))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[tokio::test]
async fn comments_and_likes_are_made_listed_and_deleted_as_immich_does() {
    let a = album().await;
    let album = &a.album_id;
    let asset = &a.asset_id;
    assert!(list(&a.owner, &format!("albumId={album}")).await.is_empty());

    let comment = create(
        &a.owner,
        json!({"albumId": album, "type": "comment", "comment": "This is my first comment"}),
    )
    .await;
    assert_eq!(comment["type"], "comment");
    assert_eq!(comment["comment"], "This is my first comment");
    assert_eq!(comment["assetId"], Value::Null);
    assert_eq!(comment["user"]["email"], "admin@example.com");
    assert_eq!(comment["user"]["id"], a.owner_id.as_str());

    let like = create(&a.owner, json!({"albumId": album, "type": "like"})).await;
    assert_eq!(like["type"], "like");
    assert_eq!(like["comment"], Value::Null);
    // The same like again: 200 and the first one.
    let r = a
        .owner
        .post("/api/activities", json!({"albumId": album, "type": "like"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), like);
    // A like of the asset is another like; again, it is the same.
    let asset_like = create(
        &a.owner,
        json!({"albumId": album, "assetId": asset, "type": "like"}),
    )
    .await;
    assert_ne!(asset_like["id"], like["id"]);
    assert_eq!(asset_like["assetId"], asset.as_str());
    let r = a
        .owner
        .post(
            "/api/activities",
            json!({"albumId": album, "assetId": asset, "type": "like"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), asset_like);
    // A member comments on the asset; an empty comment on a like is no comment.
    let member_comment = create(
        &a.member,
        json!({"albumId": album, "assetId": asset, "type": "comment", "comment": "Nice"}),
    )
    .await;
    assert_eq!(member_comment["user"]["id"], a.member_id.as_str());
    let member_like = create(
        &a.member,
        json!({"albumId": album, "type": "like", "comment": ""}),
    )
    .await;
    assert_eq!(member_like["comment"], Value::Null);

    // Oldest first, with the filters.
    let ids = |list: Vec<Value>| list.iter().map(id).collect::<Vec<_>>();
    let everything = vec![
        id(&comment),
        id(&like),
        id(&asset_like),
        id(&member_comment),
        id(&member_like),
    ];
    assert_eq!(
        ids(list(&a.member, &format!("albumId={album}")).await),
        everything
    );
    assert_eq!(
        list(&a.owner, &format!("albumId={album}")).await[0],
        comment,
        "listed as created"
    );
    assert_eq!(
        ids(list(&a.owner, &format!("albumId={album}&type=comment")).await),
        vec![id(&comment), id(&member_comment)]
    );
    assert_eq!(
        ids(list(&a.owner, &format!("albumId={album}&type=like")).await),
        vec![id(&like), id(&asset_like), id(&member_like)]
    );
    assert_eq!(
        ids(list(&a.owner, &format!("albumId={album}&userId={}", a.member_id)).await),
        vec![id(&member_comment), id(&member_like)]
    );
    let nobody = "00000000-0000-4000-a000-000000000000";
    assert!(
        list(&a.owner, &format!("albumId={album}&userId={nobody}"))
            .await
            .is_empty()
    );
    assert_eq!(
        ids(list(&a.owner, &format!("albumId={album}&assetId={asset}")).await),
        vec![id(&asset_like), id(&member_comment)]
    );
    assert_eq!(
        ids(list(&a.owner, &format!("albumId={album}&level=album")).await),
        vec![id(&comment), id(&like), id(&member_like)]
    );
    // `level=album` wins over an asset id; `level=asset` alone filters nothing.
    assert_eq!(
        ids(list(
            &a.owner,
            &format!("albumId={album}&level=album&assetId={asset}")
        )
        .await),
        vec![id(&comment), id(&like), id(&member_like)]
    );
    assert_eq!(
        ids(list(&a.owner, &format!("albumId={album}&level=asset")).await),
        everything
    );

    assert_eq!(
        statistics(&a.member, &format!("albumId={album}")).await,
        json!({"comments": 2, "likes": 3})
    );
    assert_eq!(
        statistics(&a.owner, &format!("albumId={album}&assetId={asset}")).await,
        json!({"comments": 1, "likes": 1})
    );

    // Deleting: the author their own, the owner anyone's; a member not someone else's.
    a.member
        .delete(&format!("/api/activities/{}", id(&comment)))
        .await
        .assert_error(400, "Not found or no activity.delete access");
    let r = a
        .member
        .delete(&format!("/api/activities/{}", id(&member_like)))
        .await;
    assert_eq!(r.status, 204);
    let r = a
        .owner
        .delete(&format!("/api/activities/{}", id(&member_comment)))
        .await;
    assert_eq!(r.status, 204);
    let r = a
        .owner
        .delete(&format!("/api/activities/{}", id(&like)))
        .await;
    assert_eq!(r.status, 204);
    a.owner
        .delete(&format!("/api/activities/{}", id(&like)))
        .await
        .assert_error(400, "Not found or no activity.delete access");
    assert_eq!(
        ids(list(&a.owner, &format!("albumId={album}")).await),
        vec![id(&comment), id(&asset_like)]
    );
    assert_eq!(
        statistics(&a.owner, &format!("albumId={album}")).await,
        json!({"comments": 1, "likes": 1})
    );
    // A like given again after its deletion is a new one.
    let again = create(&a.owner, json!({"albumId": album, "type": "like"})).await;
    assert_ne!(again["id"], like["id"]);
}

#[tokio::test]
async fn activity_is_refused_to_outsiders_and_for_bad_input() {
    let a = album().await;
    let album = &a.album_id;

    // Someone else's album: no listing, counting nor commenting.
    a.stranger
        .get(&format!("/api/activities?albumId={album}"))
        .await
        .assert_error(400, "Not found or no album.read access");
    a.stranger
        .get(&format!("/api/activities/statistics?albumId={album}"))
        .await
        .assert_error(400, "Not found or no album.read access");
    a.stranger
        .post(
            "/api/activities",
            json!({"albumId": album, "type": "comment", "comment": "hi"}),
        )
        .await
        .assert_error(400, "Not found or no activity.create access");
    let unknown = "00000000-0000-4000-a000-000000000000";
    a.owner
        .post(
            "/api/activities",
            json!({"albumId": unknown, "type": "like"}),
        )
        .await
        .assert_error(400, "Not found or no activity.create access");
    a.owner
        .get(&format!("/api/activities?albumId={unknown}"))
        .await
        .assert_error(400, "Not found or no album.read access");

    // An asset that is not in the album, and one that does not exist.
    for asset in [a.outside_id.as_str(), unknown] {
        a.owner
            .post(
                "/api/activities",
                json!({"albumId": album, "assetId": asset, "type": "like"}),
            )
            .await
            .assert_error(400, "Not found or no activity.create access");
    }

    // Someone else's comment, by a stranger and by a member; an unknown activity.
    let comment = create(
        &a.owner,
        json!({"albumId": album, "type": "comment", "comment": "mine"}),
    )
    .await;
    for client in [&a.stranger, &a.member] {
        client
            .delete(&format!("/api/activities/{}", id(&comment)))
            .await
            .assert_error(400, "Not found or no activity.delete access");
    }
    a.owner
        .delete(&format!("/api/activities/{unknown}"))
        .await
        .assert_error(400, "Not found or no activity.delete access");

    // Bad input: the contract's checks, then Immich's refinements of the comment.
    a.owner
        .post("/api/activities", json!({"albumId": album, "type": "love"}))
        .await
        .assert_invalid(
            json!(["type"]),
            "Invalid option: expected one of \"comment\"|\"like\"",
        );
    let r = a
        .owner
        .post(
            "/api/activities",
            json!({"albumId": "nope", "type": "like"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "Validation failed");
    assert_eq!(
        a.owner.get("/api/activities?albumId=nope").await.json()["message"],
        "Validation failed"
    );
    assert_eq!(a.owner.get("/api/activities").await.status, 400);
    assert_eq!(
        a.owner
            .get(&format!("/api/activities?albumId={album}&type=love"))
            .await
            .status,
        400
    );
    for body in [
        json!({"albumId": album, "type": "comment"}),
        json!({"albumId": album, "type": "comment", "comment": "   "}),
    ] {
        a.owner.post("/api/activities", body).await.assert_invalid(
            json!(["comment"]),
            "Comment is required when type is COMMENT",
        );
    }
    a.owner
        .post(
            "/api/activities",
            json!({"albumId": album, "type": "like", "comment": "hi"}),
        )
        .await
        .assert_invalid(
            json!(["comment"]),
            "Comment must not be provided when type is not COMMENT",
        );
    a.owner
        .delete("/api/activities/nope")
        .await
        .json()
        .get("message")
        .map(|m| assert_eq!(m, "Validation failed"))
        .unwrap();

    // Activity turned off: nothing new, not even by the owner; reading goes on.
    let r = a
        .owner
        .send_json(
            Method::PATCH,
            &format!("/api/albums/{album}"),
            json!({"isActivityEnabled": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["isActivityEnabled"], false);
    for client in [&a.owner, &a.member] {
        client
            .post("/api/activities", json!({"albumId": album, "type": "like"}))
            .await
            .assert_error(400, "Not found or no activity.create access");
    }
    assert_eq!(list(&a.member, &format!("albumId={album}")).await.len(), 1);
    let r = a
        .owner
        .delete(&format!("/api/activities/{}", id(&comment)))
        .await;
    assert_eq!(r.status, 204, "deleting stays possible");

    // Without credentials; with a link to the album; with an API key short of the permission.
    let anon = Client::new(&a.server, Cred::None);
    anon.get(&format!("/api/activities?albumId={album}"))
        .await
        .assert_error(401, "Authentication required");
    let r = a
        .owner
        .post(
            "/api/shared-links",
            json!({"type": "ALBUM", "albumId": album}),
        )
        .await;
    assert_eq!(r.status, 201);
    let key = r.json()["key"].as_str().unwrap().to_string();
    anon.get(&format!("/api/activities?albumId={album}&key={key}"))
        .await
        .assert_error(403, "Forbidden");
    let reader = api_key(&a.owner, &["activity.read"]).await;
    assert_eq!(list(&reader, &format!("albumId={album}")).await.len(), 0);
    reader
        .get(&format!("/api/activities/statistics?albumId={album}"))
        .await
        .assert_error(403, "Missing required permission: activity.statistics");
    reader
        .post("/api/activities", json!({"albumId": album, "type": "like"}))
        .await
        .assert_error(403, "Missing required permission: activity.create");
}

#[tokio::test]
async fn activity_follows_its_album_its_assets_and_its_people() {
    let a = album().await;
    let album = &a.album_id;
    let asset = &a.asset_id;
    let on_asset = create(
        &a.member,
        json!({"albumId": album, "assetId": asset, "type": "comment", "comment": "look"}),
    )
    .await;
    let on_album = create(&a.member, json!({"albumId": album, "type": "like"})).await;

    // Another album holding the same asset: its activity is its own (the e2e spec's album 3).
    let r = a
        .owner
        .post(
            "/api/albums",
            json!({"albumName": "Album 3", "assetIds": [asset]}),
        )
        .await;
    let third = id(&r.json());
    create(
        &a.owner,
        json!({"albumId": third, "assetId": asset, "type": "like"}),
    )
    .await;
    assert_eq!(list(&a.owner, &format!("albumId={third}")).await.len(), 1);

    // An asset in the trash: its activity is hidden and not counted; restored, it is back.
    let r = a
        .owner
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [asset]}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        list(&a.owner, &format!("albumId={album}")).await,
        vec![on_album.clone()]
    );
    assert_eq!(
        statistics(&a.owner, &format!("albumId={album}")).await,
        json!({"comments": 0, "likes": 1})
    );
    let r = a
        .owner
        .post("/api/trash/restore/assets", json!({"ids": [asset]}))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(list(&a.owner, &format!("albumId={album}")).await.len(), 2);

    // An asset taken out of an album takes its activity there along, not elsewhere.
    let r = a
        .owner
        .send_json(
            Method::DELETE,
            &format!("/api/albums/{third}/assets"),
            json!({"ids": [asset]}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(list(&a.owner, &format!("albumId={third}")).await.is_empty());
    assert_eq!(list(&a.owner, &format!("albumId={album}")).await.len(), 2);

    // A member who leaves keeps their words in the album (as in Immich) and may still delete
    // them, but no longer sees the album's activity.
    let r = a
        .owner
        .delete(&format!("/api/albums/{album}/user/{}", a.member_id))
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(list(&a.owner, &format!("albumId={album}")).await.len(), 2);
    a.member
        .get(&format!("/api/activities?albumId={album}"))
        .await
        .assert_error(400, "Not found or no album.read access");
    a.member
        .post("/api/activities", json!({"albumId": album, "type": "like"}))
        .await
        .assert_error(400, "Not found or no activity.create access");
    let r = a
        .member
        .delete(&format!("/api/activities/{}", id(&on_album)))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        list(&a.owner, &format!("albumId={album}")).await,
        vec![on_asset.clone()]
    );

    // A deleted album takes its activity along.
    let r = a.owner.delete(&format!("/api/albums/{album}")).await;
    assert_eq!(r.status, 204);
    a.owner
        .delete(&format!("/api/activities/{}", id(&on_asset)))
        .await
        .assert_error(400, "Not found or no activity.delete access");
}
