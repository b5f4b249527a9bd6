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

/// 0006 gives keywords kept as whole paths the levels above them, and every tag its parent
/// (the migrations before it applied from their files, then legacy rows, then 0006).
#[tokio::test]
async fn tag_paths_get_their_levels() {
    let url = TestCluster::shared().database_url().await;
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension() == Some("sql".as_ref()))
        .collect();
    files.sort();
    let tags_at = files
        .iter()
        .position(|p| p.ends_with("0006_tags.sql"))
        .unwrap();
    for file in &files[..tags_at] {
        client
            .batch_execute(&std::fs::read_to_string(file).unwrap())
            .await
            .unwrap();
    }
    client
        .batch_execute(
            "INSERT INTO users (id, email, name, avatar_color, profile_changed_at, created_at,
                updated_at)
             VALUES ('00000000-0000-4000-8000-000000000001', 'u@x', 'u', 'primary', now(), now(),
                now()),
                ('00000000-0000-4000-8000-000000000002', 'w@x', 'w', 'primary', now(), now(),
                now());
             INSERT INTO tags (id, user_id, value, created_at, updated_at) VALUES
                (gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'Trips/Rome/Forum',
                    now(), now()),
                (gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'Trips', now(), now()),
                (gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'Sun', now(), now()),
                (gen_random_uuid(), '00000000-0000-4000-8000-000000000002', 'Trips/Paris',
                    now(), now());",
        )
        .await
        .unwrap();
    client
        .batch_execute(&std::fs::read_to_string(&files[tags_at]).unwrap())
        .await
        .unwrap();
    let rows = client
        .query(
            "SELECT u.email, t.value, p.value FROM tags t JOIN users u ON u.id = t.user_id
             LEFT JOIN tags p ON p.id = t.parent_id ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap();
    let rows: Vec<(String, String, Option<String>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let row =
        |u: &str, v: &str, p: Option<&str>| (u.to_string(), v.to_string(), p.map(str::to_string));
    assert_eq!(
        rows,
        [
            row("u@x", "Sun", None),
            row("u@x", "Trips", None),
            row("u@x", "Trips/Rome", Some("Trips")),
            row("u@x", "Trips/Rome/Forum", Some("Trips/Rome")),
            row("w@x", "Trips", None),
            row("w@x", "Trips/Paris", Some("Trips")),
        ]
    );
}
