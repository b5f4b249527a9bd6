//! Sessions and PIN codes: `SessionRepo` for SQLite.

use async_trait::async_trait;
use ferrotype_core::catalog::{CatalogResult, SessionRepo};
use ferrotype_core::model::*;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::users::{USER_COLUMNS, user_at};
use super::{SqliteCatalog, opt_parse_ts, opt_parse_uuid, parse_ts, parse_uuid, ts};

const SESSION_COLUMNS: &str = "s.id, s.user_id, s.device_type, s.device_os, s.app_version, \
    s.created_at, s.updated_at, s.parent_id, s.expires_at, s.pin_expires_at, s.is_pending_sync_reset";
const SESSION_COLUMN_COUNT: usize = 11;

fn session_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Session> {
    Ok(Session {
        id: parse_uuid(&r.get::<_, String>(at)?)?,
        user_id: parse_uuid(&r.get::<_, String>(at + 1)?)?,
        device_type: r.get(at + 2)?,
        device_os: r.get(at + 3)?,
        app_version: r.get(at + 4)?,
        created_at: parse_ts(&r.get::<_, String>(at + 5)?)?,
        updated_at: parse_ts(&r.get::<_, String>(at + 6)?)?,
        parent_id: opt_parse_uuid(r.get(at + 7)?)?,
        expires_at: opt_parse_ts(r.get(at + 8)?)?,
        pin_expires_at: opt_parse_ts(r.get(at + 9)?)?,
        is_pending_sync_reset: r.get(at + 10)?,
    })
}

#[async_trait]
impl SessionRepo for SqliteCatalog {
    async fn create_session(&self, session: &Session, token_hash: &[u8]) -> CatalogResult<()> {
        let s = session.clone();
        let hash = token_hash.to_vec();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO sessions (id, token_hash, user_id, device_type, device_os,
                    app_version, created_at, updated_at, parent_id, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    s.id.to_string(),
                    hash,
                    s.user_id.to_string(),
                    s.device_type,
                    s.device_os,
                    s.app_version,
                    ts(&s.created_at),
                    ts(&s.updated_at),
                    s.parent_id.map(|p| p.to_string()),
                    s.expires_at.as_ref().map(ts),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &[u8],
    ) -> CatalogResult<Option<(Session, User)>> {
        let hash = token_hash.to_vec();
        self.read(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {SESSION_COLUMNS}, {USER_COLUMNS} FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1 AND u.deleted_at IS NULL
                       AND (s.expires_at IS NULL OR s.expires_at > ?2)"
                ),
                params![hash, ts(&chrono::Utc::now())],
                |r| Ok((session_at(r, 0)?, user_at(r, SESSION_COLUMN_COUNT)?)),
            )
            .optional()
        })
        .await
    }

    async fn delete_session(&self, id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM sessions WHERE id = ?1", [id.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn sessions_of(&self, user_id: Uuid) -> CatalogResult<Vec<Session>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.user_id = ?1
                 ORDER BY s.created_at DESC"
            ))?;
            let rows = stmt.query_map([user_id.to_string()], |r| session_at(r, 0))?;
            rows.collect()
        })
        .await
    }

    async fn update_session(&self, id: Uuid, change: &SessionChange) -> CatalogResult<()> {
        let change = change.clone();
        self.write(move |conn| {
            if let Some(pin) = change.pin_expires_at {
                conn.execute(
                    "UPDATE sessions SET pin_expires_at = ?2 WHERE id = ?1",
                    params![id.to_string(), pin.as_ref().map(ts)],
                )?;
            }
            if let Some(reset) = change.is_pending_sync_reset {
                conn.execute(
                    "UPDATE sessions SET is_pending_sync_reset = ?2 WHERE id = ?1",
                    params![id.to_string(), reset],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn lock_sessions_of(&self, user_id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE sessions SET pin_expires_at = NULL WHERE user_id = ?1",
                [user_id.to_string()],
            )?;
            Ok(())
        })
        .await
    }

    async fn pin_code_hash(&self, user_id: Uuid) -> CatalogResult<Option<String>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT pin_code_hash FROM users WHERE id = ?1",
                    [user_id.to_string()],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten())
        })
        .await
    }

    async fn set_pin_code_hash(&self, user_id: Uuid, hash: Option<&str>) -> CatalogResult<()> {
        let hash = hash.map(str::to_string);
        self.write(move |conn| {
            conn.execute(
                "UPDATE users SET pin_code_hash = ?2 WHERE id = ?1",
                params![user_id.to_string(), hash],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_sessions_of(&self, user_id: Uuid, keep: Option<Uuid>) -> CatalogResult<u64> {
        self.write(move |conn| {
            let n = conn.execute(
                "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR id != ?2)",
                params![user_id.to_string(), keep.map(|k| k.to_string())],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn delete_session_of(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            let n = conn.execute(
                "DELETE FROM sessions WHERE user_id = ?1 AND id = ?2",
                [user_id.to_string(), id.to_string()],
            )?;
            Ok(n > 0)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_count_matches() {
        assert_eq!(SESSION_COLUMNS.split(',').count(), SESSION_COLUMN_COUNT);
    }
}
