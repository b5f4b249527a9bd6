//! The catalog behaviour suite (`ferrotype-catalog-story`) on SQLite: each story on a fresh
//! catalog file in a temporary folder.

use ferrotype_catalog::SqliteCatalog;
use ferrotype_catalog_story as story;

fn catalog() -> (tempfile::TempDir, SqliteCatalog) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqliteCatalog::open(&dir.path().join("ferrotype.db")).unwrap();
    (dir, catalog)
}

macro_rules! stories {
    ($($area:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $area() {
                let (_dir, catalog) = catalog();
                story::$area(&catalog).await;
            }
        )*
    };
}

stories!(
    users,
    system,
    sessions,
    api_keys,
    assets,
    albums,
    shared_links,
    jobs,
    job_leases,
    job_ends,
    job_batches,
    job_wakeups,
    timeline,
    map,
    notifications,
    partners,
    search,
    folders,
    sync_checkpoints,
    sync,
    bus,
    instances,
    activities,
    tags,
    asset_metadata,
    search_common_terms,
    stacks,
    memories,
    asset_edits,
    people,
    faces,
);
