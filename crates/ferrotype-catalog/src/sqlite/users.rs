//! Users and their metadata: `UserRepo` for SQLite.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogResult, UserRepo};
use ferrotype_core::model::*;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{SqliteCatalog, opt_parse_ts, opt_ts, parse_ts, parse_uuid, ts};

pub(crate) const USER_COLUMNS: &str = "u.id, u.email, u.name, u.password_hash, u.is_admin, u.avatar_color, \
    u.profile_image_path, u.profile_changed_at, u.should_change_password, u.storage_label, \
    u.oauth_id, u.quota_size_in_bytes, u.quota_usage_in_bytes, u.status, u.created_at, \
    u.updated_at, u.deleted_at";

/// Reads a user from `USER_COLUMNS` starting at column `at`.
pub(crate) fn user_at(r: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: parse_uuid(&r.get::<_, String>(at)?)?,
        email: r.get(at + 1)?,
        name: r.get(at + 2)?,
        password_hash: r.get(at + 3)?,
        is_admin: r.get(at + 4)?,
        avatar_color: r.get(at + 5)?,
        profile_image_path: r.get(at + 6)?,
        profile_changed_at: parse_ts(&r.get::<_, String>(at + 7)?)?,
        should_change_password: r.get(at + 8)?,
        storage_label: r.get(at + 9)?,
        oauth_id: r.get(at + 10)?,
        quota_size_in_bytes: r.get(at + 11)?,
        quota_usage_in_bytes: r.get(at + 12)?,
        status: {
            let status: String = r.get(at + 13)?;
            UserStatus::parse(&status).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    at + 13,
                    rusqlite::types::Type::Text,
                    format!("unknown user status {status:?}").into(),
                )
            })?
        },
        created_at: parse_ts(&r.get::<_, String>(at + 14)?)?,
        updated_at: parse_ts(&r.get::<_, String>(at + 15)?)?,
        deleted_at: opt_parse_ts(r.get(at + 16)?)?,
    })
}

fn insert_user(conn: &Connection, u: &User) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO users (id, email, name, password_hash, is_admin, avatar_color,
            profile_image_path, profile_changed_at, should_change_password, storage_label,
            oauth_id, quota_size_in_bytes, quota_usage_in_bytes, status, created_at, updated_at,
            deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            u.id.to_string(),
            u.email,
            u.name,
            u.password_hash,
            u.is_admin,
            u.avatar_color,
            u.profile_image_path,
            ts(&u.profile_changed_at),
            u.should_change_password,
            u.storage_label,
            u.oauth_id,
            u.quota_size_in_bytes,
            u.quota_usage_in_bytes,
            u.status.as_str(),
            ts(&u.created_at),
            ts(&u.updated_at),
            opt_ts(&u.deleted_at),
        ],
    )?;
    Ok(())
}

#[async_trait]
impl UserRepo for SqliteCatalog {
    async fn create_first_admin(&self, user: &User) -> CatalogResult<bool> {
        let user = user.clone();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM users WHERE is_admin = 1 AND deleted_at IS NULL)",
                [],
                |r| r.get(0),
            )?;
            if exists {
                return Ok(false);
            }
            insert_user(&tx, &user)?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn create_user(&self, user: &User) -> CatalogResult<()> {
        let user = user.clone();
        self.write(move |conn| insert_user(conn, &user)).await
    }

    async fn admin_exists(&self) -> CatalogResult<bool> {
        self.read(|conn| {
            conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM users WHERE is_admin = 1 AND deleted_at IS NULL)",
                [],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn users(&self, with_deleted: bool) -> CatalogResult<Vec<User>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE ?1 OR u.deleted_at IS NULL
                 ORDER BY u.created_at"
            ))?;
            let rows = stmt.query_map([with_deleted], |r| user_at(r, 0))?;
            rows.collect()
        })
        .await
    }

    async fn user_by_id(&self, id: Uuid) -> CatalogResult<Option<User>> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"),
                [id.to_string()],
                |r| user_at(r, 0),
            )
            .optional()
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> CatalogResult<Option<User>> {
        let email = email.to_string();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = ?1"),
                [email],
                |r| user_at(r, 0),
            )
            .optional()
        })
        .await
    }

    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> CatalogResult<()> {
        let hash = password_hash.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE users SET password_hash = ?2, should_change_password = 0, updated_at = ?3
                 WHERE id = ?1",
                params![user_id.to_string(), hash, ts(&Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_user(&self, user_id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM users WHERE id = ?1", [user_id.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn users_deleted_before(&self, before: Timestamp) -> CatalogResult<Vec<Uuid>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare("SELECT id FROM users WHERE deleted_at IS NOT NULL AND deleted_at < ?1")?;
            let rows = stmt.query_map([ts(&before)], |r| parse_uuid(&r.get::<_, String>(0)?))?;
            rows.collect()
        })
        .await
    }

    async fn update_user(&self, user_id: Uuid, change: &UserChange) -> CatalogResult<()> {
        let c = change.clone();
        self.write(move |conn| {
            // A nullable field is written when its outer Option is Some: flag and value apart.
            conn.execute(
                "UPDATE users SET name = COALESCE(?2, name), email = COALESCE(?3, email),
                    avatar_color = COALESCE(?4, avatar_color), is_admin = COALESCE(?5, is_admin),
                    quota_size_in_bytes = CASE WHEN ?6 THEN ?7 ELSE quota_size_in_bytes END,
                    storage_label = CASE WHEN ?8 THEN ?9 ELSE storage_label END,
                    should_change_password = COALESCE(?10, should_change_password),
                    deleted_at = CASE WHEN ?11 THEN ?12 ELSE deleted_at END,
                    profile_image_path = COALESCE(?14, profile_image_path),
                    profile_changed_at = CASE WHEN ?14 IS NULL THEN profile_changed_at ELSE ?13 END,
                    status = COALESCE(?15, status),
                    updated_at = ?13
                 WHERE id = ?1",
                params![
                    user_id.to_string(),
                    c.name,
                    c.email,
                    c.avatar_color,
                    c.is_admin,
                    c.quota_size_in_bytes.is_some(),
                    c.quota_size_in_bytes.flatten(),
                    c.storage_label.is_some(),
                    c.storage_label.clone().flatten(),
                    c.should_change_password,
                    c.deleted_at.is_some(),
                    c.deleted_at.flatten().as_ref().map(ts),
                    ts(&Utc::now()),
                    c.profile_image_path,
                    c.status.map(|s| s.as_str()),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn user_metadata(
        &self,
        user_id: Uuid,
        key: &str,
    ) -> CatalogResult<Option<serde_json::Value>> {
        let key = key.to_string();
        self.read(move |conn| {
            let raw: Option<String> = conn
                .query_row(
                    "SELECT value FROM user_metadata WHERE user_id = ?1 AND key = ?2",
                    [user_id.to_string(), key],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
        })
        .await
    }

    async fn set_user_metadata(
        &self,
        user_id: Uuid,
        key: &str,
        value: &serde_json::Value,
    ) -> CatalogResult<()> {
        let key = key.to_string();
        let value = value.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO user_metadata (user_id, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, key) DO UPDATE SET value = ?3, updated_at = ?4",
                params![user_id.to_string(), key, value, ts(&Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_user_metadata(&self, user_id: Uuid, key: &str) -> CatalogResult<()> {
        let key = key.to_string();
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM user_metadata WHERE user_id = ?1 AND key = ?2",
                params![user_id.to_string(), key],
            )?;
            Ok(())
        })
        .await
    }
}
