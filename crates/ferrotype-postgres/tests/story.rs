//! The catalog behaviour suite (`ferrotype-catalog-story`) on PostgreSQL: each story on a fresh
//! database of the test binary's throwaway cluster (`ferrotype_postgres::testing`).

use ferrotype_catalog_story as story;
use ferrotype_postgres::testing::TestCluster;

macro_rules! stories {
    ($($area:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $area() {
                let catalog = TestCluster::shared().catalog().await;
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
