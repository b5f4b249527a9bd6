//! Forward-only migrations (`migrations/NNNN_*.sql`), applied in order at open and recorded in
//! `ferrotype_migrations`, all in one transaction that first takes an advisory lock: when two
//! processes start at once, the second waits and then finds the work done.

use ferrotype_core::catalog::{CatalogError, CatalogResult};
use tokio_postgres::Client;

use crate::map_error;

pub(crate) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial",
        include_str!("../migrations/0001_initial.sql"),
    ),
    (
        "0002_partners",
        include_str!("../migrations/0002_partners.sql"),
    ),
    (
        "0003_job_leases",
        include_str!("../migrations/0003_job_leases.sql"),
    ),
    (
        "0004_instances",
        include_str!("../migrations/0004_instances.sql"),
    ),
    ("0005_search", include_str!("../migrations/0005_search.sql")),
    ("0006_tags", include_str!("../migrations/0006_tags.sql")),
    (
        "0007_activities",
        include_str!("../migrations/0007_activities.sql"),
    ),
    (
        "0008_asset_metadata_sync",
        include_str!("../migrations/0008_asset_metadata_sync.sql"),
    ),
    ("0009_stacks", include_str!("../migrations/0009_stacks.sql")),
    (
        "0010_memories",
        include_str!("../migrations/0010_memories.sql"),
    ),
    (
        "0011_asset_edits",
        include_str!("../migrations/0011_asset_edits.sql"),
    ),
    ("0012_people", include_str!("../migrations/0012_people.sql")),
    ("0013_faces", include_str!("../migrations/0013_faces.sql")),
];

/// The advisory lock's key: "ferrotyp" in ASCII, so it does not collide with another program's.
const LOCK_KEY: i64 = 0x6665_7272_6f74_7970;

pub(crate) async fn migrate(client: &mut Client) -> CatalogResult<()> {
    let tx = client.transaction().await.map_err(map_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await
        .map_err(map_error)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ferrotype_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(map_error)?;
    let applied: i64 = tx
        .query_one("SELECT count(*) FROM ferrotype_migrations", &[])
        .await
        .map_err(map_error)?
        .get(0);
    let applied = applied as usize;
    if applied > MIGRATIONS.len() {
        return Err(CatalogError::Backend(format!(
            "the catalog has schema version {applied}, newer than this Ferrotype knows ({}); \
             run a newer Ferrotype",
            MIGRATIONS.len()
        )));
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| CatalogError::Backend(format!("migration {name} failed: {e:?}")))?;
        let version = (index + 1) as i32;
        tx.execute(
            "INSERT INTO ferrotype_migrations (version, name) VALUES ($1, $2)",
            &[&version, name],
        )
        .await
        .map_err(map_error)?;
        tracing::info!(migration = name, "applied catalog migration");
    }
    tx.commit().await.map_err(map_error)
}
