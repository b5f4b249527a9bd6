//! The server on a PostgreSQL catalog (`database.url`): a throwaway cluster's fresh database, and
//! the everyday path (sign-up, login, upload, read back, the timeline) through it. The catalog's
//! own behaviour is covered area by area by the story suite on both backends.

use ferrotype_postgres::testing::TestCluster;

use crate::common::*;

#[tokio::test]
async fn serves_from_a_postgres_catalog_named_by_database_url() {
    let url = TestCluster::shared().database_url().await;
    let mut server = Server::start_with(&[("FERROTYPE_DATABASE_URL", url.as_str())]);
    let admin = admin(&server).await;
    let r = admin.upload("pg.jpg", fake_jpeg(7, 2000)).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = admin.get(&format!("/api/assets/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["originalFileName"], "pg.jpg");
    let r = admin.get("/api/timeline/buckets").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()[0]["count"], 1);
    // The data folder holds files only: no SQLite catalog was made.
    assert!(!server.data_dir.join("ferrotype.db").exists());

    // Restarted on the same database: the account and the asset are still there.
    assert!(server.stop().success());
    server.restart();
    let admin = login(&server, "admin@example.com", "admin-password").await;
    assert_eq!(admin.get(&format!("/api/assets/{id}")).await.status, 200);
    assert!(server.stop().success());
}

#[tokio::test]
async fn a_database_url_that_is_not_postgres_is_refused_at_start() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ferrotype"))
        .arg("serve")
        .env("FERROTYPE_DATABASE_URL", "mysql://nope")
        .env(
            "FERROTYPE_STORAGE_DATA_DIR",
            tempfile::tempdir().unwrap().path(),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("database.url"), "{stderr}");
    assert!(stderr.contains("is not a postgres:// URL"), "{stderr}");
}

/// Two servers on one database (each its own data folder): both serve, and exactly one leads
/// the scheduled work (the clean-up, the repairs), so that it runs once.
#[tokio::test]
async fn two_servers_on_one_database_serve_and_one_leads() {
    let url = TestCluster::shared().database_url().await;
    let mut first = Server::start_with(&[("FERROTYPE_DATABASE_URL", url.as_str())]);
    let admin = admin(&first).await;
    let mut second = Server::start_with(&[("FERROTYPE_DATABASE_URL", url.as_str())]);
    let on_second = login(&second, "admin@example.com", "admin-password").await;
    assert_eq!(on_second.get("/api/users/me").await.status, 200);
    assert_eq!(admin.get("/api/users/me").await.status, 200);
    const LEADS: &str = "this process leads the scheduled work";
    for _ in 0..100 {
        if first.log().contains(LEADS) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(first.log().contains(LEADS), "{}", first.log());
    assert!(!second.log().contains(LEADS), "{}", second.log());
    assert!(second.stop().success());
    assert!(first.stop().success());
}
