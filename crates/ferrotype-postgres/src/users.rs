//! Users and their metadata (the `Catalog` port's user methods).

use async_trait::async_trait;
use ferrotype_core::catalog::{CatalogError, CatalogResult, UserRepo};
use ferrotype_core::model::{Timestamp, User, UserChange, UserStatus};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::{PgCatalog, map_error, ms, now, opt_ms};

pub(crate) const USER_COLUMNS: &str = "u.id, u.email, u.name, u.password_hash, u.is_admin, \
    u.avatar_color, u.profile_image_path, u.profile_changed_at, u.should_change_password, \
    u.storage_label, u.oauth_id, u.quota_size_in_bytes, u.quota_usage_in_bytes, u.status, \
    u.created_at, u.updated_at, u.deleted_at";

/// Reads a user from `USER_COLUMNS` starting at column `at`.
pub(crate) fn user_at(r: &Row, at: usize) -> CatalogResult<User> {
    let status: String = r.get(at + 13);
    Ok(User {
        id: r.get(at),
        email: r.get(at + 1),
        name: r.get(at + 2),
        password_hash: r.get(at + 3),
        is_admin: r.get(at + 4),
        avatar_color: r.get(at + 5),
        profile_image_path: r.get(at + 6),
        profile_changed_at: r.get(at + 7),
        should_change_password: r.get(at + 8),
        storage_label: r.get(at + 9),
        oauth_id: r.get(at + 10),
        quota_size_in_bytes: r.get(at + 11),
        quota_usage_in_bytes: r.get(at + 12),
        status: UserStatus::parse(&status)
            .ok_or_else(|| CatalogError::Backend(format!("unknown user status {status:?}")))?,
        created_at: r.get(at + 14),
        updated_at: r.get(at + 15),
        deleted_at: r.get(at + 16),
    })
}

const INSERT_USER: &str = "INSERT INTO users (id, email, name, password_hash, is_admin,
        avatar_color, profile_image_path, profile_changed_at, should_change_password,
        storage_label, oauth_id, quota_size_in_bytes, quota_usage_in_bytes, status, created_at,
        updated_at, deleted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

async fn insert_user(
    client: &impl deadpool_postgres::GenericClient,
    u: &User,
) -> Result<(), tokio_postgres::Error> {
    let status = u.status.as_str();
    let (profile_changed_at, created_at, updated_at, deleted_at) = (
        ms(&u.profile_changed_at),
        ms(&u.created_at),
        ms(&u.updated_at),
        opt_ms(&u.deleted_at),
    );
    let params: [&(dyn ToSql + Sync); 17] = [
        &u.id,
        &u.email,
        &u.name,
        &u.password_hash,
        &u.is_admin,
        &u.avatar_color,
        &u.profile_image_path,
        &profile_changed_at,
        &u.should_change_password,
        &u.storage_label,
        &u.oauth_id,
        &u.quota_size_in_bytes,
        &u.quota_usage_in_bytes,
        &status,
        &created_at,
        &updated_at,
        &deleted_at,
    ];
    client.execute(INSERT_USER, &params).await?;
    Ok(())
}

/// Serialises the first-admin check: two setups at once must not both make an admin.
const FIRST_ADMIN_LOCK: i64 = 0x6665_7272_0000_0001;

#[async_trait]
impl UserRepo for PgCatalog {
    /// Creates `user` as the first admin, atomically refusing if an admin exists. Returns false
    /// if one did.
    async fn create_first_admin(&self, user: &User) -> CatalogResult<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FIRST_ADMIN_LOCK])
            .await
            .map_err(map_error)?;
        let exists: bool = tx
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM users WHERE is_admin AND deleted_at IS NULL)",
                &[],
            )
            .await
            .map_err(map_error)?
            .get(0);
        if exists {
            return Ok(false);
        }
        insert_user(&tx, user).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(true)
    }

    async fn create_user(&self, user: &User) -> CatalogResult<()> {
        let conn = self.conn().await?;
        insert_user(&conn, user).await.map_err(map_error)
    }

    async fn admin_exists(&self) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM users WHERE is_admin AND deleted_at IS NULL)",
                &[],
            )
            .await
            .map_err(map_error)?;
        Ok(row.get(0))
    }

    /// Every user in order of creation; soft-deleted ones only when asked.
    async fn users(&self, with_deleted: bool) -> CatalogResult<Vec<User>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {USER_COLUMNS} FROM users u WHERE $1 OR u.deleted_at IS NULL
                     ORDER BY u.created_at"
                ),
                &[&with_deleted],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(|r| user_at(r, 0)).collect()
    }

    async fn user_by_id(&self, id: Uuid) -> CatalogResult<Option<User>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"),
                &[&id],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| user_at(&r, 0)).transpose()
    }

    /// Case-insensitive.
    async fn user_by_email(&self, email: &str) -> CatalogResult<Option<User>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE lower(u.email) = lower($1)"),
                &[&email],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| user_at(&r, 0)).transpose()
    }

    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE users SET password_hash = $2, should_change_password = false, updated_at = $3
             WHERE id = $1",
            &[&user_id, &password_hash, &now()],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Deletes the user's row for good (their sessions, keys, albums and metadata go with it).
    async fn delete_user(&self, user_id: Uuid) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM users WHERE id = $1", &[&user_id])
            .await
            .map_err(map_error)?;
        Ok(())
    }

    /// Users deleted (softly) before `before`: due to be deleted for good.
    async fn users_deleted_before(&self, before: Timestamp) -> CatalogResult<Vec<Uuid>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT id FROM users WHERE deleted_at IS NOT NULL AND deleted_at < $1",
                &[&before],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Changes what the change gives; a taken email is a `Conflict`.
    async fn update_user(&self, user_id: Uuid, change: &UserChange) -> CatalogResult<()> {
        let c = change;
        let conn = self.conn().await?;
        // A nullable field is written when its outer Option is Some: flag and value apart.
        let set_quota = c.quota_size_in_bytes.is_some();
        let quota = c.quota_size_in_bytes.flatten();
        let set_label = c.storage_label.is_some();
        let label = c.storage_label.clone().flatten();
        let set_deleted = c.deleted_at.is_some();
        let deleted = c.deleted_at.flatten().as_ref().map(ms);
        let status = c.status.map(UserStatus::as_str);
        conn.execute(
            "UPDATE users SET name = COALESCE($2, name), email = COALESCE($3, email),
                avatar_color = COALESCE($4, avatar_color), is_admin = COALESCE($5, is_admin),
                quota_size_in_bytes = CASE WHEN $6 THEN $7 ELSE quota_size_in_bytes END,
                storage_label = CASE WHEN $8 THEN $9 ELSE storage_label END,
                should_change_password = COALESCE($10, should_change_password),
                deleted_at = CASE WHEN $11 THEN $12 ELSE deleted_at END,
                profile_image_path = COALESCE($14, profile_image_path),
                profile_changed_at = CASE WHEN $14::text IS NULL THEN profile_changed_at
                                          ELSE $13 END,
                status = COALESCE($15, status),
                updated_at = $13
             WHERE id = $1",
            &[
                &user_id,
                &c.name,
                &c.email,
                &c.avatar_color,
                &c.is_admin,
                &set_quota,
                &quota,
                &set_label,
                &label,
                &c.should_change_password,
                &set_deleted,
                &deleted,
                &now(),
                &c.profile_image_path,
                &status,
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn user_metadata(
        &self,
        user_id: Uuid,
        key: &str,
    ) -> CatalogResult<Option<serde_json::Value>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT value FROM user_metadata WHERE user_id = $1 AND key = $2",
                &[&user_id, &key],
            )
            .await
            .map_err(map_error)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn set_user_metadata(
        &self,
        user_id: Uuid,
        key: &str,
        value: &serde_json::Value,
    ) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO user_metadata (user_id, key, value, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, key) DO UPDATE SET value = $3, updated_at = $4",
            &[&user_id, &key, value, &now()],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn delete_user_metadata(&self, user_id: Uuid, key: &str) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM user_metadata WHERE user_id = $1 AND key = $2",
            &[&user_id, &key],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }
}
