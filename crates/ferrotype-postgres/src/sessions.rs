//! Sessions and PIN codes.

use async_trait::async_trait;
use ferrotype_core::catalog::CatalogResult;
use ferrotype_core::catalog::SessionRepo;
use ferrotype_core::model::{Session, SessionChange, User};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::users::{USER_COLUMNS, user_at};
use crate::{PgCatalog, map_error, ms, now, opt_ms};

const SESSION_COLUMNS: &str = "s.id, s.user_id, s.device_type, s.device_os, s.app_version, \
    s.created_at, s.updated_at, s.parent_id, s.expires_at, s.pin_expires_at, \
    s.is_pending_sync_reset";
const SESSION_COLUMN_COUNT: usize = 11;

fn session_at(r: &Row, at: usize) -> Session {
    Session {
        id: r.get(at),
        user_id: r.get(at + 1),
        device_type: r.get(at + 2),
        device_os: r.get(at + 3),
        app_version: r.get(at + 4),
        created_at: r.get(at + 5),
        updated_at: r.get(at + 6),
        parent_id: r.get(at + 7),
        expires_at: r.get(at + 8),
        pin_expires_at: r.get(at + 9),
        is_pending_sync_reset: r.get(at + 10),
    }
}

#[async_trait]
impl SessionRepo for PgCatalog {
    async fn create_session(&self, s: &Session, token_hash: &[u8]) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO sessions (id, token_hash, user_id, device_type, device_os, app_version,
                created_at, updated_at, parent_id, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &s.id,
                &token_hash,
                &s.user_id,
                &s.device_type,
                &s.device_os,
                &s.app_version,
                &ms(&s.created_at),
                &ms(&s.updated_at),
                &s.parent_id,
                &opt_ms(&s.expires_at),
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &[u8],
    ) -> CatalogResult<Option<(Session, User)>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!(
                    "SELECT {SESSION_COLUMNS}, {USER_COLUMNS} FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = $1 AND u.deleted_at IS NULL
                       AND (s.expires_at IS NULL OR s.expires_at > $2)"
                ),
                &[&token_hash, &now()],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| Ok((session_at(&r, 0), user_at(&r, SESSION_COLUMN_COUNT)?)))
            .transpose()
    }

    async fn delete_session(&self, id: Uuid) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM sessions WHERE id = $1", &[&id])
            .await
            .map_err(map_error)?;
        Ok(())
    }

    /// The user's sessions, newest first.
    async fn sessions_of(&self, user_id: Uuid) -> CatalogResult<Vec<Session>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.user_id = $1
                     ORDER BY s.created_at DESC"
                ),
                &[&user_id],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| session_at(r, 0)).collect())
    }

    /// Changes a session's PIN unlock time and sync reset flag (fields left `None` stay).
    async fn update_session(&self, id: Uuid, change: &SessionChange) -> CatalogResult<()> {
        let set_pin = change.pin_expires_at.is_some();
        let pin = change.pin_expires_at.flatten().as_ref().map(ms);
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE sessions SET
                pin_expires_at = CASE WHEN $2 THEN $3 ELSE pin_expires_at END,
                is_pending_sync_reset = COALESCE($4, is_pending_sync_reset)
             WHERE id = $1",
            &[&id, &set_pin, &pin, &change.is_pending_sync_reset],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Locks every session of the user (their PIN code was reset).
    async fn lock_sessions_of(&self, user_id: Uuid) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE sessions SET pin_expires_at = NULL WHERE user_id = $1",
            &[&user_id],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// The argon2 hash of the user's PIN code, if they set one.
    async fn pin_code_hash(&self, user_id: Uuid) -> CatalogResult<Option<String>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt("SELECT pin_code_hash FROM users WHERE id = $1", &[&user_id])
            .await
            .map_err(map_error)?;
        Ok(row.and_then(|r| r.get(0)))
    }

    async fn set_pin_code_hash(&self, user_id: Uuid, hash: Option<&str>) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE users SET pin_code_hash = $2 WHERE id = $1",
            &[&user_id, &hash],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Deletes the user's sessions except `keep`; returns how many.
    async fn delete_sessions_of(&self, user_id: Uuid, keep: Option<Uuid>) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND ($2::uuid IS NULL OR id <> $2)",
            &[&user_id, &keep],
        )
        .await
        .map_err(map_error)
    }

    /// Deletes one of the user's sessions; false if they have no such session.
    async fn delete_session_of(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let n = conn
            .execute(
                "DELETE FROM sessions WHERE user_id = $1 AND id = $2",
                &[&user_id, &id],
            )
            .await
            .map_err(map_error)?;
        Ok(n > 0)
    }
}
