use std::time::Instant;

use ferrotype_postgres::PgCatalog;
use ferrotype_postgres::testing::TestCluster;

/// How many migrations this build has: one file each.
fn migrations() -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
        .count()
}

#[tokio::test]
async fn migrations_apply_once_even_when_processes_start_together() {
    let started = Instant::now();
    let url = TestCluster::shared().database_url().await;
    eprintln!("cluster and database ready in {:?}", started.elapsed());
    // Four "processes" opening one empty database at once: each waits for the advisory lock,
    // and all but the first find the schema made.
    let opens = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { PgCatalog::connect(&url).await })
    });
    for open in opens {
        let catalog = open.await.unwrap().expect("open");
        assert_eq!(catalog.schema_version().await.unwrap(), migrations());
    }
    // Opening again applies nothing.
    let catalog = PgCatalog::connect(&url).await.unwrap();
    assert_eq!(catalog.schema_version().await.unwrap(), migrations());
}

#[tokio::test]
async fn a_schema_newer_than_this_build_is_refused() {
    let url = TestCluster::shared().database_url().await;
    PgCatalog::connect(&url).await.unwrap();
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute("INSERT INTO ferrotype_migrations (version, name) VALUES (99, 'future')")
        .await
        .unwrap();
    let err = PgCatalog::connect(&url).await.err().expect("refused");
    assert!(
        err.to_string().contains("newer than this Ferrotype knows"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_an_error_not_a_hang() {
    let err = PgCatalog::connect("postgres://postgres@127.0.0.1:1/nothing")
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(err, ferrotype_core::catalog::CatalogError::Unavailable(_)),
        "{err}"
    );
}
