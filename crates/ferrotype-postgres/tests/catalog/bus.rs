//! The bus between processes (`BusRepo`), which only PostgreSQL has more than one of.

use std::time::Duration;

use ferrotype_core::catalog::BusRepo;
use ferrotype_postgres::PgCatalog;
use ferrotype_postgres::testing::TestCluster;

/// The bus between processes: two catalogs on one database stand for two processes; what one
/// publishes, the other's subscribers hear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bus_reaches_another_process() {
    let url = TestCluster::shared().database_url().await;
    let api = PgCatalog::connect(&url).await.unwrap();
    let worker = PgCatalog::connect(&url).await.unwrap();
    let mut heard_by_api = api.subscribe().await.unwrap();
    let long = "x".repeat(30_000);
    worker.publish("from the worker").await.unwrap();
    worker.publish(&long).await.unwrap();
    for expected in ["from the worker", long.as_str()] {
        let message = tokio::time::timeout(Duration::from_secs(10), heard_by_api.recv())
            .await
            .expect("the other process's message arrives")
            .unwrap();
        assert_eq!(&*message, expected);
    }
}
