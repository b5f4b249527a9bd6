//! The PostgreSQL catalog against a real throwaway cluster (one per run of this binary, a fresh
//! database per test; see `ferrotype_postgres::testing`).

mod accounts;
mod assets;
mod bus;
mod jobs;
mod notifications;
mod schema;
mod sharing;
mod sync;
mod timeline;

use chrono::{SubsecRound, Utc};
use ferrotype_core::model::{User, UserStatus};
use ferrotype_postgres::PgCatalog;
use ferrotype_postgres::testing::TestCluster;
use uuid::Uuid;

pub async fn catalog() -> PgCatalog {
    TestCluster::shared().catalog().await
}

pub fn user(email: &str) -> User {
    let now = Utc::now().trunc_subsecs(3);
    User {
        id: Uuid::new_v4(),
        email: email.to_string(),
        name: email.split('@').next().unwrap_or("").to_string(),
        password_hash: Some("$argon2id$hash".into()),
        is_admin: false,
        avatar_color: "primary".into(),
        profile_image_path: String::new(),
        profile_changed_at: now,
        should_change_password: false,
        storage_label: None,
        oauth_id: String::new(),
        quota_size_in_bytes: None,
        quota_usage_in_bytes: 0,
        status: UserStatus::Active,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}
