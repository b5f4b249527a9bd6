//! `MemoryGenerate` and `MemoryCleanup`, as Immich runs them nightly.
//!
//! Generation covers the days from three before today to three after (UTC), so a phone in any
//! zone finds today's memories, and a day missed by a stopped server is made up later. The last
//! day done is kept in the system metadata (`memories-state`, Immich's `lastOnThisDayDate`): a day
//! is made once, so a memory its owner deleted does not come back the next night. Each (user,
//! day) is one catalog transaction that skips the years that have their memory already, so two
//! runs at once, or a run retried after a failure, make no duplicates.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use super::payloads::{MemoryCleanupJob, MemoryGenerateJob};
use super::{Completion, Job, JobError, TypedJobHandler};
use crate::catalog::memories::day_start;
use crate::catalog::{Catalog, CatalogResult};
use crate::system_config::keys;

/// Memories are made this many days either side of today (Immich's `DAYS`).
pub const DAYS_AROUND: i64 = 3;

/// Unsaved memories are deleted this many days after they were made.
pub const KEEP_UNSAVED_DAYS: i64 = 30;

/// Makes the "on this day" memories due on `today` (see the module's comment); answers how many
/// were made.
pub async fn generate(catalog: &dyn Catalog, today: NaiveDate) -> CatalogResult<usize> {
    let users = catalog.users(false).await?;
    let mut state = catalog
        .system_metadata(keys::MEMORIES_STATE)
        .await?
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| json!({}));
    let start = today - Duration::days(DAYS_AROUND);
    // Without a state the first day is taken as done, as Immich's default is `start` itself.
    let last_done = state["lastOnThisDayDate"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or(start, |t| t.with_timezone(&Utc).date_naive());
    let mut made = 0;
    for offset in 0..=DAYS_AROUND * 2 {
        let day = start + Duration::days(offset);
        if last_done >= day {
            continue;
        }
        for user in &users {
            made += catalog
                .create_on_this_day_memories(user.id, day)
                .await?
                .len();
        }
        // Only after every user's memories of the day: a failure above leaves the day to the
        // retry, which skips what is made already.
        state["lastOnThisDayDate"] =
            json!(day_start(day).to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        catalog
            .set_system_metadata(keys::MEMORIES_STATE, &state)
            .await?;
        tracing::info!(%day, "made the memories of the day");
    }
    Ok(made)
}

/// `MemoryGenerate`.
pub struct GenerateMemories {
    pub catalog: Arc<dyn Catalog>,
}

#[async_trait]
impl TypedJobHandler for GenerateMemories {
    type Payload = MemoryGenerateJob;

    async fn run(&self, _job: &Job, _payload: MemoryGenerateJob) -> Result<Completion, JobError> {
        let made = generate(self.catalog.as_ref(), Utc::now().date_naive()).await?;
        if made > 0 {
            tracing::info!(made, "memories made");
        }
        Ok(Completion::Done)
    }
}

/// `MemoryCleanup`.
pub struct CleanUpMemories {
    pub catalog: Arc<dyn Catalog>,
}

#[async_trait]
impl TypedJobHandler for CleanUpMemories {
    type Payload = MemoryCleanupJob;

    async fn run(&self, _job: &Job, _payload: MemoryCleanupJob) -> Result<Completion, JobError> {
        let before = Utc::now() - Duration::days(KEEP_UNSAVED_DAYS);
        let deleted = self.catalog.clean_up_memories(before).await?;
        if deleted > 0 {
            tracing::info!(deleted, "old unsaved memories deleted");
        }
        Ok(Completion::Done)
    }
}
