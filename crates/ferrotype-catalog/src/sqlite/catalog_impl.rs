//! `Catalog` for SQLite: the SQL of each operation and the mapping of rows to domain records.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{Catalog, CatalogResult, SyncSink};
use ferrotype_core::jobs::{AssetSelection, Job, JobState, NewJob, QueueName, QueueStatus};
use ferrotype_core::model::*;
use ferrotype_core::notifications::{Notification, NotificationFilter};
use ferrotype_core::sync::SyncQuery;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{
    SqliteCatalog, albums, edits, jobs, metadata, notifications, opt_ts, parse_ts, parse_uuid,
    shared_links, sync, timeline, ts,
};

pub(crate) const USER_COLUMNS: &str = "u.id, u.email, u.name, u.password_hash, u.is_admin, u.avatar_color, \
    u.profile_image_path, u.profile_changed_at, u.should_change_password, u.storage_label, \
    u.oauth_id, u.quota_size_in_bytes, u.quota_usage_in_bytes, u.status, u.created_at, \
    u.updated_at, u.deleted_at";

pub(crate) fn opt_parse_ts(s: Option<String>) -> rusqlite::Result<Option<Timestamp>> {
    s.as_deref().map(parse_ts).transpose()
}

pub(crate) fn opt_parse_uuid(s: Option<String>) -> rusqlite::Result<Option<Uuid>> {
    s.as_deref().map(parse_uuid).transpose()
}

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
        status: r.get(at + 13)?,
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
            u.status,
            ts(&u.created_at),
            ts(&u.updated_at),
            opt_ts(&u.deleted_at),
        ],
    )?;
    Ok(())
}

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

const API_KEY_COLUMNS: &str = "k.id, k.name, k.user_id, k.permissions, k.created_at, k.updated_at";
const API_KEY_COLUMN_COUNT: usize = 6;

fn api_key_at(r: &Row<'_>, at: usize) -> rusqlite::Result<ApiKey> {
    let permissions: String = r.get(at + 3)?;
    Ok(ApiKey {
        id: parse_uuid(&r.get::<_, String>(at)?)?,
        name: r.get(at + 1)?,
        user_id: parse_uuid(&r.get::<_, String>(at + 2)?)?,
        permissions: serde_json::from_str(&permissions).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(at + 3, rusqlite::types::Type::Text, e.into())
        })?,
        created_at: parse_ts(&r.get::<_, String>(at + 4)?)?,
        updated_at: parse_ts(&r.get::<_, String>(at + 5)?)?,
    })
}

pub(crate) const ASSET_COLUMNS: &str = "a.id, a.owner_id, a.type, a.original_path, a.original_file_name, \
    a.checksum, a.file_size, a.file_created_at, a.file_modified_at, a.local_date_time, \
    a.created_at, a.updated_at, a.deleted_at, a.visibility, a.is_favorite, a.duration_ms, \
    a.live_photo_video_id, a.sidecar_path, a.device_asset_id, a.device_id, a.width, a.height, \
    a.thumbhash";

fn conversion_error(at: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        at,
        rusqlite::types::Type::Text,
        format!("unknown {what}").into(),
    )
}

pub(crate) fn asset_at(r: &Row<'_>) -> rusqlite::Result<Asset> {
    let asset_type: String = r.get(2)?;
    let visibility: String = r.get(13)?;
    Ok(Asset {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        owner_id: parse_uuid(&r.get::<_, String>(1)?)?,
        asset_type: AssetType::parse(&asset_type).ok_or_else(|| conversion_error(2, "type"))?,
        original_path: r.get(3)?,
        original_file_name: r.get(4)?,
        checksum: r.get(5)?,
        file_size: r.get(6)?,
        file_created_at: parse_ts(&r.get::<_, String>(7)?)?,
        file_modified_at: parse_ts(&r.get::<_, String>(8)?)?,
        local_date_time: parse_ts(&r.get::<_, String>(9)?)?,
        created_at: parse_ts(&r.get::<_, String>(10)?)?,
        updated_at: parse_ts(&r.get::<_, String>(11)?)?,
        deleted_at: opt_parse_ts(r.get(12)?)?,
        visibility: Visibility::parse(&visibility)
            .ok_or_else(|| conversion_error(13, "visibility"))?,
        is_favorite: r.get(14)?,
        duration_ms: r.get(15)?,
        live_photo_video_id: opt_parse_uuid(r.get(16)?)?,
        sidecar_path: r.get(17)?,
        device_asset_id: r.get(18)?,
        device_id: r.get(19)?,
        width: r.get(20)?,
        height: r.get(21)?,
        thumbhash: r.get(22)?,
    })
}

/// Album columns followed by the figures of its (non-trashed) assets.
const ALBUM_SUMMARY_SELECT: &str = "SELECT al.id, al.owner_id, al.name, al.description,
        al.thumbnail_asset_id, al.is_activity_enabled, al.sort_order, al.created_at,
        al.updated_at,
        (SELECT COUNT(*) FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
          WHERE aa.album_id = al.id AND a.deleted_at IS NULL),
        (SELECT MIN(a.local_date_time) FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
          WHERE aa.album_id = al.id AND a.deleted_at IS NULL),
        (SELECT MAX(a.local_date_time) FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
          WHERE aa.album_id = al.id AND a.deleted_at IS NULL),
        (SELECT MAX(a.updated_at) FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
          WHERE aa.album_id = al.id AND a.deleted_at IS NULL),
        EXISTS(SELECT 1 FROM shared_links sl WHERE sl.album_id = al.id),
        u.id, u.email, u.name, u.password_hash, u.is_admin, u.avatar_color,
        u.profile_image_path, u.profile_changed_at, u.should_change_password, u.storage_label,
        u.oauth_id, u.quota_size_in_bytes, u.quota_usage_in_bytes, u.status, u.created_at,
        u.updated_at, u.deleted_at
    FROM albums al JOIN users u ON u.id = al.owner_id";

fn album_summary_at(r: &Row<'_>) -> rusqlite::Result<AlbumSummary> {
    Ok(AlbumSummary {
        album: Album {
            id: parse_uuid(&r.get::<_, String>(0)?)?,
            owner_id: parse_uuid(&r.get::<_, String>(1)?)?,
            name: r.get(2)?,
            description: r.get(3)?,
            thumbnail_asset_id: opt_parse_uuid(r.get(4)?)?,
            is_activity_enabled: r.get(5)?,
            order: r.get(6)?,
            created_at: parse_ts(&r.get::<_, String>(7)?)?,
            updated_at: parse_ts(&r.get::<_, String>(8)?)?,
        },
        asset_count: r.get(9)?,
        start_date: opt_parse_ts(r.get(10)?)?,
        end_date: opt_parse_ts(r.get(11)?)?,
        last_modified_asset_timestamp: opt_parse_ts(r.get(12)?)?,
        has_shared_link: r.get(13)?,
        owner: user_at(r, 14)?,
        // Filled in by `with_members`.
        members: Vec::new(),
    })
}

/// Reads the people an album is shared with into each summary.
fn with_members(
    conn: &Connection,
    mut summaries: Vec<AlbumSummary>,
) -> rusqlite::Result<Vec<AlbumSummary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS}, m.role FROM album_users m JOIN users u ON u.id = m.user_id
         WHERE m.album_id = ?1 ORDER BY m.created_at, u.email"
    ))?;
    for summary in &mut summaries {
        let rows = stmt.query_map([summary.album.id.to_string()], |r| {
            let role: String = r.get(17)?;
            Ok(AlbumMember {
                user: user_at(r, 0)?,
                role: AlbumRole::parse(&role).ok_or_else(|| conversion_error(17, "album role"))?,
            })
        })?;
        summary.members = rows.collect::<rusqlite::Result<_>>()?;
    }
    Ok(summaries)
}

#[async_trait]
impl Catalog for SqliteCatalog {
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
                    status = CASE WHEN ?11 THEN (CASE WHEN ?12 IS NULL THEN 'active' ELSE 'removing' END)
                                  ELSE status END,
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
                ],
            )?;
            Ok(())
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

    async fn system_metadata(&self, key: &str) -> CatalogResult<Option<serde_json::Value>> {
        let key = key.to_string();
        self.read(move |conn| {
            let raw: Option<String> = conn
                .query_row(
                    "SELECT value FROM system_metadata WHERE key = ?1",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
        })
        .await
    }

    async fn set_system_metadata(&self, key: &str, value: &serde_json::Value) -> CatalogResult<()> {
        let key = key.to_string();
        let value = value.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO system_metadata (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at = ?3",
                params![key, value, ts(&Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_system_metadata(&self, key: &str) -> CatalogResult<()> {
        let key = key.to_string();
        self.write(move |conn| {
            conn.execute("DELETE FROM system_metadata WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }

    async fn record_version(&self, version: &str) -> CatalogResult<bool> {
        let version = version.to_string();
        self.write(move |conn| {
            let latest: Option<String> = conn
                .query_row(
                    "SELECT version FROM version_history ORDER BY created_at DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            if latest.as_deref() == Some(version.as_str()) {
                return Ok(false);
            }
            conn.execute(
                "INSERT INTO version_history (id, created_at, version) VALUES (?1, ?2, ?3)",
                params![Uuid::new_v4().to_string(), ts(&Utc::now()), version],
            )?;
            Ok(true)
        })
        .await
    }

    async fn version_history(&self) -> CatalogResult<Vec<VersionRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, created_at, version FROM version_history ORDER BY created_at DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(VersionRecord {
                    id: parse_uuid(&r.get::<_, String>(0)?)?,
                    created_at: parse_ts(&r.get::<_, String>(1)?)?,
                    version: r.get(2)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
    }

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

    async fn create_api_key(&self, key: &ApiKey, secret_hash: &[u8]) -> CatalogResult<()> {
        let k = key.clone();
        let hash = secret_hash.to_vec();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO api_keys (id, secret_hash, name, user_id, permissions, created_at,
                    updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    k.id.to_string(),
                    hash,
                    k.name,
                    k.user_id.to_string(),
                    serde_json::to_string(&k.permissions).unwrap_or_else(|_| "[]".into()),
                    ts(&k.created_at),
                    ts(&k.updated_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn api_key_by_secret_hash(
        &self,
        secret_hash: &[u8],
    ) -> CatalogResult<Option<(ApiKey, User)>> {
        let hash = secret_hash.to_vec();
        self.read(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {API_KEY_COLUMNS}, {USER_COLUMNS} FROM api_keys k
                     JOIN users u ON u.id = k.user_id
                     WHERE k.secret_hash = ?1 AND u.deleted_at IS NULL"
                ),
                [hash],
                |r| Ok((api_key_at(r, 0)?, user_at(r, API_KEY_COLUMN_COUNT)?)),
            )
            .optional()
        })
        .await
    }

    async fn api_keys_of(&self, user_id: Uuid) -> CatalogResult<Vec<ApiKey>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {API_KEY_COLUMNS} FROM api_keys k WHERE k.user_id = ?1
                 ORDER BY k.created_at"
            ))?;
            let rows = stmt.query_map([user_id.to_string()], |r| api_key_at(r, 0))?;
            rows.collect()
        })
        .await
    }

    async fn api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<Option<ApiKey>> {
        self.read(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys k WHERE k.id = ?1 AND k.user_id = ?2"
                ),
                [id.to_string(), user_id.to_string()],
                |r| api_key_at(r, 0),
            )
            .optional()
        })
        .await
    }

    async fn update_api_key(&self, key: &ApiKey) -> CatalogResult<()> {
        let k = key.clone();
        self.write(move |conn| {
            conn.execute(
                "UPDATE api_keys SET name = ?3, permissions = ?4, updated_at = ?5
                 WHERE id = ?1 AND user_id = ?2",
                params![
                    k.id.to_string(),
                    k.user_id.to_string(),
                    k.name,
                    serde_json::to_string(&k.permissions).unwrap_or_else(|_| "[]".into()),
                    ts(&k.updated_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            let n = conn.execute(
                "DELETE FROM api_keys WHERE id = ?1 AND user_id = ?2",
                [id.to_string(), user_id.to_string()],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn assets_by_checksums(
        &self,
        owner_id: Uuid,
        checksums: &[Vec<u8>],
    ) -> CatalogResult<Vec<ChecksumMatch>> {
        let checksums = checksums.to_vec();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, deleted_at IS NOT NULL FROM assets WHERE owner_id = ?1 AND checksum = ?2",
            )?;
            let owner = owner_id.to_string();
            let mut found = Vec::new();
            for checksum in checksums {
                let hit = stmt
                    .query_row(params![owner, checksum], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
                    })
                    .optional()?;
                if let Some((id, is_trashed)) = hit {
                    found.push(ChecksumMatch {
                        checksum,
                        asset_id: parse_uuid(&id)?,
                        is_trashed,
                    });
                }
            }
            Ok(found)
        })
        .await
    }

    async fn record_upload_intent(&self, path: &str) -> CatalogResult<()> {
        let path = path.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT OR REPLACE INTO upload_intents (path, created_at) VALUES (?1, ?2)",
                params![path, ts(&Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn insert_asset(
        &self,
        asset: &Asset,
        metadata: &[(String, String)],
        first_jobs: &[NewJob],
    ) -> CatalogResult<InsertOutcome> {
        let a = asset.clone();
        let metadata = metadata.to_vec();
        let first_jobs = first_jobs.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT id FROM assets WHERE owner_id = ?1 AND checksum = ?2",
                    params![a.owner_id.to_string(), a.checksum],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = existing {
                return Ok(InsertOutcome::Duplicate(parse_uuid(&id)?));
            }
            tx.execute(
                "INSERT INTO assets (id, owner_id, type, original_path, original_file_name,
                    checksum, file_size, file_created_at, file_modified_at, local_date_time,
                    created_at, updated_at, deleted_at, visibility, is_favorite, duration_ms,
                    live_photo_video_id, sidecar_path, device_asset_id, device_id, width, height,
                    thumbhash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
                params![
                    a.id.to_string(),
                    a.owner_id.to_string(),
                    a.asset_type.as_str(),
                    a.original_path,
                    a.original_file_name,
                    a.checksum,
                    a.file_size,
                    ts(&a.file_created_at),
                    ts(&a.file_modified_at),
                    ts(&a.local_date_time),
                    ts(&a.created_at),
                    ts(&a.updated_at),
                    opt_ts(&a.deleted_at),
                    a.visibility.as_str(),
                    a.is_favorite,
                    a.duration_ms,
                    a.live_photo_video_id.map(|u| u.to_string()),
                    a.sidecar_path,
                    a.device_asset_id,
                    a.device_id,
                    a.width,
                    a.height,
                    a.thumbhash,
                ],
            )?;
            tx.execute(
                "DELETE FROM upload_intents WHERE path = ?1 OR path = ?2",
                params![a.original_path, a.sidecar_path],
            )?;
            tx.execute(
                "UPDATE users SET quota_usage_in_bytes = quota_usage_in_bytes + ?2 WHERE id = ?1",
                params![a.owner_id.to_string(), a.file_size],
            )?;
            for (key, value) in &metadata {
                tx.execute(
                    "INSERT INTO asset_metadata (asset_id, key, value, updated_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (asset_id, key) DO UPDATE SET value = ?3, updated_at = ?4",
                    params![a.id.to_string(), key, value, ts(&a.created_at)],
                )?;
            }
            // The motion part of a live photo is shown only through its still.
            if let Some(motion) = a.live_photo_video_id {
                tx.execute(
                    "UPDATE assets SET visibility = 'hidden', updated_at = ?3
                     WHERE id = ?1 AND owner_id = ?2 AND visibility = 'timeline'",
                    params![
                        motion.to_string(),
                        a.owner_id.to_string(),
                        ts(&a.created_at)
                    ],
                )?;
            }
            jobs::insert(&tx, &first_jobs)?;
            tx.commit()?;
            Ok(InsertOutcome::Created)
        })
        .await
    }

    async fn asset_metadata(
        &self,
        asset_id: Uuid,
    ) -> CatalogResult<Vec<(String, String, Timestamp)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, value, updated_at FROM asset_metadata WHERE asset_id = ?1
                 ORDER BY key",
            )?;
            let rows = stmt.query_map([asset_id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, parse_ts(&r.get::<_, String>(2)?)?))
            })?;
            rows.collect()
        })
        .await
    }

    async fn pending_upload_intents(&self) -> CatalogResult<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT i.path FROM upload_intents i
                 WHERE NOT EXISTS (SELECT 1 FROM assets a
                                   WHERE a.original_path = i.path OR a.sidecar_path = i.path)",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        })
        .await
    }

    async fn clear_upload_intent(&self, path: &str) -> CatalogResult<()> {
        let path = path.to_string();
        self.write(move |conn| {
            conn.execute("DELETE FROM upload_intents WHERE path = ?1", [path])?;
            Ok(())
        })
        .await
    }

    async fn begin_move(&self, mv: &PendingMove) -> CatalogResult<()> {
        let mv = mv.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT OR REPLACE INTO pending_moves
                    (asset_id, old_path, new_path, old_sidecar_path, new_sidecar_path)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    mv.asset_id.to_string(),
                    mv.old_path,
                    mv.new_path,
                    mv.old_sidecar_path,
                    mv.new_sidecar_path
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn finish_move(&self, mv: &PendingMove) -> CatalogResult<()> {
        let mv = mv.clone();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let id = mv.asset_id.to_string();
            tx.execute(
                "UPDATE assets SET original_path = ?2,
                    sidecar_path = CASE WHEN ?3 IS NULL THEN sidecar_path ELSE ?3 END,
                    updated_at = ?4
                 WHERE id = ?1",
                params![id, mv.new_path, mv.new_sidecar_path, ts(&Utc::now())],
            )?;
            tx.execute("DELETE FROM pending_moves WHERE asset_id = ?1", [&id])?;
            tx.commit()
        })
        .await
    }

    async fn cancel_move(&self, asset_id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM pending_moves WHERE asset_id = ?1",
                [asset_id.to_string()],
            )?;
            Ok(())
        })
        .await
    }

    async fn pending_moves(&self) -> CatalogResult<Vec<PendingMove>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT asset_id, old_path, new_path, old_sidecar_path, new_sidecar_path
                 FROM pending_moves",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(PendingMove {
                    asset_id: parse_uuid(&r.get::<_, String>(0)?)?,
                    old_path: r.get(1)?,
                    new_path: r.get(2)?,
                    old_sidecar_path: r.get(3)?,
                    new_sidecar_path: r.get(4)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn asset(&self, id: Uuid) -> CatalogResult<Option<Asset>> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {ASSET_COLUMNS} FROM assets a WHERE a.id = ?1"),
                [id.to_string()],
                asset_at,
            )
            .optional()
        })
        .await
    }

    async fn update_assets(
        &self,
        owner_id: Uuid,
        ids: &[Uuid],
        change: &AssetChange,
    ) -> CatalogResult<u64> {
        let (ids, change) = (ids.to_vec(), change.clone());
        self.write(move |conn| edits::update(conn, owner_id, &ids, &change))
            .await
    }

    async fn trash_assets(&self, owner_id: Uuid, ids: &[Uuid]) -> CatalogResult<u64> {
        let ids = ids.to_vec();
        self.write(move |conn| edits::trash(conn, owner_id, &ids))
            .await
    }

    async fn restore_assets(&self, owner_id: Uuid, ids: Option<&[Uuid]>) -> CatalogResult<u64> {
        let ids = ids.map(<[Uuid]>::to_vec);
        self.write(move |conn| edits::restore(conn, owner_id, ids.as_deref()))
            .await
    }

    async fn purge_assets(&self, selection: &PurgeSelection) -> CatalogResult<Vec<PurgedAsset>> {
        let selection = selection.clone();
        self.write(move |conn| edits::purge(conn, &selection)).await
    }

    async fn save_metadata(
        &self,
        asset_id: Uuid,
        info: &ExifInfo,
        displayed_size: Option<(i64, i64)>,
        next: &[NewJob],
    ) -> CatalogResult<()> {
        let info = info.clone();
        let next = next.to_vec();
        self.write(move |conn| metadata::save(conn, asset_id, &info, displayed_size, &next))
            .await
    }

    async fn save_thumbnails(
        &self,
        asset_id: Uuid,
        thumbhash: &[u8],
        size: Option<(i64, i64)>,
        next: &[NewJob],
    ) -> CatalogResult<()> {
        let thumbhash = thumbhash.to_vec();
        let next = next.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let id = asset_id.to_string();
            tx.execute(
                "UPDATE assets SET thumbhash = ?2, width = COALESCE(?3, width),
                    height = COALESCE(?4, height), updated_at = ?5
                 WHERE id = ?1",
                params![id, thumbhash, size.map(|s| s.0), size.map(|s| s.1), now],
            )?;
            tx.execute(
                "INSERT INTO asset_job_status (asset_id, thumbnails_generated_at) VALUES (?1, ?2)
                 ON CONFLICT (asset_id) DO UPDATE SET thumbnails_generated_at = ?2",
                params![id, now],
            )?;
            jobs::insert(&tx, &next)?;
            tx.commit()
        })
        .await
    }

    async fn asset_exif(&self, asset_id: Uuid) -> CatalogResult<Option<ExifInfo>> {
        self.read(move |conn| metadata::exif(conn, asset_id)).await
    }

    async fn asset_tags(&self, asset_id: Uuid) -> CatalogResult<Vec<Tag>> {
        self.read(move |conn| metadata::tags(conn, asset_id)).await
    }

    async fn asset_stats(
        &self,
        owner_id: Uuid,
        filter: &AssetStatsFilter,
    ) -> CatalogResult<AssetStats> {
        let filter = filter.clone();
        self.read(move |conn| {
            let mut sql = String::from(
                "SELECT COALESCE(SUM(type = 'IMAGE'), 0), COALESCE(SUM(type = 'VIDEO'), 0)
                 FROM assets WHERE owner_id = ?1",
            );
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(owner_id.to_string())];
            match filter.is_trashed {
                Some(true) => sql.push_str(" AND deleted_at IS NOT NULL"),
                // Immich counts only live assets unless asked for the trash.
                _ => sql.push_str(" AND deleted_at IS NULL"),
            }
            if let Some(fav) = filter.is_favorite {
                sql.push_str(" AND is_favorite = ?2");
                args.push(Box::new(fav));
            }
            match filter.visibility {
                Some(v) => {
                    sql.push_str(&format!(" AND visibility = ?{}", args.len() + 1));
                    args.push(Box::new(v.as_str()));
                }
                // Without a filter, hidden (live-photo motion parts) and locked assets are not counted.
                None => sql.push_str(" AND visibility IN ('timeline', 'archive')"),
            }
            conn.query_row(&sql, rusqlite::params_from_iter(args.iter()), |r| {
                Ok(AssetStats {
                    images: r.get(0)?,
                    videos: r.get(1)?,
                })
            })
        })
        .await
    }

    async fn usage_by_user(&self) -> CatalogResult<Vec<UserUsage>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT u.id, u.name, u.quota_size_in_bytes,
                    COALESCE(SUM(a.type = 'IMAGE'), 0), COALESCE(SUM(a.type = 'VIDEO'), 0),
                    COALESCE(SUM(CASE WHEN a.type = 'IMAGE' THEN a.file_size END), 0),
                    COALESCE(SUM(CASE WHEN a.type = 'VIDEO' THEN a.file_size END), 0)
                 FROM users u LEFT JOIN assets a ON a.owner_id = u.id AND a.deleted_at IS NULL
                 WHERE u.deleted_at IS NULL
                 GROUP BY u.id ORDER BY u.created_at",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(UserUsage {
                    user_id: parse_uuid(&r.get::<_, String>(0)?)?,
                    user_name: r.get(1)?,
                    quota_size_in_bytes: r.get(2)?,
                    photos: r.get(3)?,
                    videos: r.get(4)?,
                    usage_photos: r.get(5)?,
                    usage_videos: r.get(6)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn create_album(&self, album: &Album) -> CatalogResult<()> {
        let al = album.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO albums (id, owner_id, name, description, thumbnail_asset_id,
                    is_activity_enabled, sort_order, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    al.id.to_string(),
                    al.owner_id.to_string(),
                    al.name,
                    al.description,
                    al.thumbnail_asset_id.map(|u| u.to_string()),
                    al.is_activity_enabled,
                    al.order,
                    ts(&al.created_at),
                    ts(&al.updated_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn album(&self, id: Uuid) -> CatalogResult<Option<AlbumSummary>> {
        self.read(move |conn| {
            let found = conn
                .query_row(
                    &format!("{ALBUM_SUMMARY_SELECT} WHERE al.id = ?1"),
                    [id.to_string()],
                    album_summary_at,
                )
                .optional()?;
            Ok(with_members(conn, found.into_iter().collect())?.pop())
        })
        .await
    }

    async fn albums_of(
        &self,
        owner_id: Uuid,
        containing: Option<Uuid>,
    ) -> CatalogResult<Vec<AlbumSummary>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "{ALBUM_SUMMARY_SELECT}
                 WHERE (al.owner_id = ?1 OR EXISTS (SELECT 1 FROM album_users m
                                                    WHERE m.album_id = al.id AND m.user_id = ?1))
                   -- A deleted owner's albums are gone for their members too (Immich
                   -- deletes them with the owner).
                   AND u.deleted_at IS NULL
                   AND (?2 IS NULL OR EXISTS (SELECT 1 FROM album_assets c
                                              WHERE c.album_id = al.id AND c.asset_id = ?2))
                 ORDER BY al.created_at DESC"
            ))?;
            let rows = stmt.query_map(
                params![owner_id.to_string(), containing.map(|u| u.to_string())],
                album_summary_at,
            )?;
            let summaries = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            with_members(conn, summaries)
        })
        .await
    }

    async fn update_album(&self, album_id: Uuid, change: &AlbumChange) -> CatalogResult<()> {
        let change = change.clone();
        self.write(move |conn| albums::update(conn, album_id, &change))
            .await
    }

    async fn delete_album(&self, album_id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM albums WHERE id = ?1", [album_id.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn daily_asset_counts(
        &self,
        owner_id: Uuid,
        from: &str,
        to: &str,
        by_taken: bool,
    ) -> CatalogResult<Vec<(String, i64)>> {
        let (from, to) = (from.to_string(), to.to_string());
        self.read(move |conn| {
            // Both columns are RFC 3339 text in UTC: the day is its first ten characters.
            let column = if by_taken {
                "local_date_time"
            } else {
                "created_at"
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT substr({column}, 1, 10) AS day, COUNT(*) FROM assets
                 WHERE owner_id = ?1 AND deleted_at IS NULL AND {column} >= ?2 AND {column} < ?3
                 GROUP BY day ORDER BY day"
            ))?;
            let rows = stmt.query_map(params![owner_id.to_string(), from, to], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect()
        })
        .await
    }

    async fn album_contributor_counts(&self, album_id: Uuid) -> CatalogResult<Vec<(Uuid, i64)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a.owner_id, COUNT(*) AS n FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
                 WHERE aa.album_id = ?1 AND a.deleted_at IS NULL
                 GROUP BY a.owner_id ORDER BY n DESC, a.owner_id",
            )?;
            let rows = stmt.query_map([album_id.to_string()], |r| {
                Ok((parse_uuid(&r.get::<_, String>(0)?)?, r.get(1)?))
            })?;
            rows.collect()
        })
        .await
    }

    async fn album_contains(&self, album_id: Uuid, asset_id: Uuid) -> CatalogResult<bool> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM album_assets WHERE album_id = ?1 AND asset_id = ?2)",
                params![album_id.to_string(), asset_id.to_string()],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn remove_album_assets(
        &self,
        album_id: Uuid,
        actor_id: Uuid,
        any: bool,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumRemoveResult)>> {
        let ids = asset_ids.to_vec();
        self.write(move |conn| albums::remove_assets(conn, album_id, actor_id, any, &ids))
            .await
    }

    async fn assets_for_download(
        &self,
        owner_id: Option<Uuid>,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<Asset>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ASSET_COLUMNS} FROM assets a
                 WHERE a.deleted_at IS NULL
                   AND (?1 IS NULL OR a.owner_id = ?1)
                   AND (?2 IS NULL OR a.id IN (SELECT asset_id FROM album_assets WHERE album_id = ?2))
                 ORDER BY a.local_date_time, a.id"
            ))?;
            let rows = stmt.query_map(
                params![owner_id.map(|u| u.to_string()), album_id.map(|u| u.to_string())],
                asset_at,
            )?;
            rows.collect()
        })
        .await
    }

    async fn album_map_markers(&self, album_id: Uuid) -> CatalogResult<Vec<MapMarker>> {
        self.read(move |conn| albums::map_markers(conn, album_id))
            .await
    }

    async fn add_album_members(
        &self,
        album_id: Uuid,
        members: &[(Uuid, AlbumRole)],
    ) -> CatalogResult<bool> {
        let members = members.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            for (user, role) in &members {
                let added = tx.execute(
                    "INSERT OR IGNORE INTO album_users (album_id, user_id, role, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![album_id.to_string(), user.to_string(), role.as_str(), now],
                )?;
                if added == 0 {
                    return Ok(false);
                }
            }
            tx.execute(
                "UPDATE albums SET updated_at = ?2 WHERE id = ?1",
                params![album_id.to_string(), now],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn asset_in_shared_album(&self, user_id: Uuid, asset_id: Uuid) -> CatalogResult<bool> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM album_assets aa JOIN albums al ON al.id = aa.album_id
                 WHERE aa.asset_id = ?2 AND (al.owner_id = ?1 OR EXISTS (
                     SELECT 1 FROM album_users m WHERE m.album_id = al.id AND m.user_id = ?1)))",
                params![user_id.to_string(), asset_id.to_string()],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn remove_album_member(&self, album_id: Uuid, user_id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            let removed = conn.execute(
                "DELETE FROM album_users WHERE album_id = ?1 AND user_id = ?2",
                params![album_id.to_string(), user_id.to_string()],
            )?;
            Ok(removed > 0)
        })
        .await
    }

    async fn set_album_member_role(
        &self,
        album_id: Uuid,
        user_id: Uuid,
        role: AlbumRole,
    ) -> CatalogResult<bool> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE album_users SET role = ?3 WHERE album_id = ?1 AND user_id = ?2",
                params![album_id.to_string(), user_id.to_string(), role.as_str()],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn add_album_assets(
        &self,
        album_id: Uuid,
        owner_id: Uuid,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumAddResult)>> {
        let ids = asset_ids.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let album = album_id.to_string();
            let owner = owner_id.to_string();
            let mut results = Vec::with_capacity(ids.len());
            let mut first_added: Option<String> = None;
            {
                let mut owned = tx.prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM assets WHERE id = ?1 AND owner_id = ?2)",
                )?;
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO album_assets (album_id, asset_id, created_at)
                     VALUES (?1, ?2, ?3)",
                )?;
                for id in ids {
                    let id_text = id.to_string();
                    let result = if !owned.query_row(params![id_text, owner], |r| r.get(0))? {
                        AlbumAddResult::NoPermission
                    } else if insert.execute(params![album, id_text, now])? == 0 {
                        AlbumAddResult::AlreadyThere
                    } else {
                        first_added.get_or_insert_with(|| id_text.clone());
                        AlbumAddResult::Added
                    };
                    results.push((id, result));
                }
            }
            if let Some(first) = first_added {
                // The first asset added becomes the cover when the album has none, as in Immich.
                tx.execute(
                    "UPDATE albums SET updated_at = ?2,
                        thumbnail_asset_id = COALESCE(thumbnail_asset_id, ?3)
                     WHERE id = ?1",
                    params![album, now, first],
                )?;
            }
            tx.commit()?;
            Ok(results)
        })
        .await
    }

    async fn enqueue_jobs(&self, new: &[NewJob]) -> CatalogResult<u64> {
        let new = new.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let n = jobs::insert(&tx, &new)?;
            tx.commit()?;
            Ok(n)
        })
        .await
    }

    async fn enqueue_asset_jobs(
        &self,
        queue: QueueName,
        name: &'static str,
        selection: AssetSelection,
    ) -> CatalogResult<u64> {
        self.write(move |conn| jobs::insert_for_assets(conn, queue, name, selection))
            .await
    }

    async fn claim_job(&self, queue: QueueName, worker: &str) -> CatalogResult<Option<Job>> {
        let worker = worker.to_string();
        self.write(move |conn| jobs::claim(conn, queue, &worker))
            .await
    }

    async fn complete_job(&self, id: i64) -> CatalogResult<()> {
        self.write(move |conn| jobs::complete(conn, id)).await
    }

    async fn fail_job(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> CatalogResult<()> {
        let error = error.to_string();
        self.write(move |conn| jobs::fail(conn, id, &error, retry_at))
            .await
    }

    async fn release_job(&self, id: i64) -> CatalogResult<()> {
        self.write(move |conn| jobs::release(conn, id)).await
    }

    async fn requeue_active_jobs(&self) -> CatalogResult<u64> {
        self.write(jobs::requeue_active).await
    }

    async fn queue_status(&self, queue: QueueName) -> CatalogResult<QueueStatus> {
        self.read(move |conn| jobs::status(conn, queue)).await
    }

    async fn set_queue_paused(&self, queue: QueueName, paused: bool) -> CatalogResult<()> {
        self.write(move |conn| jobs::set_paused(conn, queue, paused))
            .await
    }

    async fn empty_queue(&self, queue: QueueName) -> CatalogResult<u64> {
        self.write(move |conn| jobs::empty(conn, queue)).await
    }

    async fn clear_failed_jobs(&self, queue: QueueName) -> CatalogResult<u64> {
        self.write(move |conn| jobs::clear_failed(conn, queue))
            .await
    }

    async fn list_jobs(
        &self,
        queue: QueueName,
        states: &[JobState],
        limit: u32,
    ) -> CatalogResult<Vec<(Job, JobState)>> {
        let states = states.to_vec();
        self.read(move |conn| jobs::list(conn, queue, &states, limit))
            .await
    }

    async fn create_notification(&self, notification: &Notification) -> CatalogResult<()> {
        let notification = notification.clone();
        self.write(move |conn| notifications::create(conn, &notification))
            .await
    }

    async fn notifications_of(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
    ) -> CatalogResult<Vec<Notification>> {
        let filter = filter.clone();
        self.read(move |conn| notifications::of_user(conn, user_id, &filter))
            .await
    }

    async fn notification(&self, id: Uuid) -> CatalogResult<Option<Notification>> {
        self.read(move |conn| notifications::find(conn, id)).await
    }

    async fn notifications_owned(&self, user_id: Uuid, ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let ids = ids.to_vec();
        self.read(move |conn| notifications::owned(conn, user_id, &ids))
            .await
    }

    async fn set_notifications_read(
        &self,
        ids: &[Uuid],
        read_at: Option<Timestamp>,
    ) -> CatalogResult<u64> {
        let ids = ids.to_vec();
        self.write(move |conn| notifications::set_read(conn, &ids, read_at, Utc::now()))
            .await
    }

    async fn delete_notifications(&self, ids: &[Uuid]) -> CatalogResult<u64> {
        let ids = ids.to_vec();
        self.write(move |conn| notifications::delete(conn, &ids, Utc::now()))
            .await
    }

    async fn purge_notifications(&self, now: Timestamp) -> CatalogResult<u64> {
        self.write(move |conn| notifications::purge(conn, now))
            .await
    }

    async fn create_shared_link(&self, link: &SharedLink, asset_ids: &[Uuid]) -> CatalogResult<()> {
        let (link, ids) = (link.clone(), asset_ids.to_vec());
        self.write(move |conn| shared_links::create(conn, &link, &ids))
            .await
    }

    async fn shared_link(&self, id: Uuid) -> CatalogResult<Option<SharedLink>> {
        self.read(move |conn| shared_links::find(conn, "id", &id.to_string()))
            .await
    }

    async fn shared_link_by_key(&self, key: &[u8]) -> CatalogResult<Option<SharedLink>> {
        let key = key.to_vec();
        self.read(move |conn| shared_links::find(conn, "key", &key))
            .await
    }

    async fn shared_link_by_slug(&self, slug: &str) -> CatalogResult<Option<SharedLink>> {
        let slug = slug.to_string();
        self.read(move |conn| shared_links::find(conn, "slug", &slug))
            .await
    }

    async fn shared_links_of(
        &self,
        user_id: Uuid,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<SharedLink>> {
        self.read(move |conn| shared_links::of_user(conn, user_id, album_id))
            .await
    }

    async fn update_shared_link(&self, link: &SharedLink) -> CatalogResult<()> {
        let link = link.clone();
        self.write(move |conn| shared_links::update(conn, &link))
            .await
    }

    async fn delete_shared_link(&self, id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM shared_links WHERE id = ?1", [id.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn shared_link_assets(&self, id: Uuid) -> CatalogResult<Vec<Asset>> {
        self.read(move |conn| shared_links::assets(conn, id)).await
    }

    async fn shared_link_reaches(&self, link: &SharedLink, asset_id: Uuid) -> CatalogResult<bool> {
        let link = link.clone();
        self.read(move |conn| shared_links::reaches(conn, &link, asset_id))
            .await
    }

    async fn change_shared_link_assets(
        &self,
        link: &SharedLink,
        asset_ids: &[Uuid],
        add: bool,
    ) -> CatalogResult<Vec<(Uuid, LinkAssetResult)>> {
        let (link, ids) = (link.clone(), asset_ids.to_vec());
        self.write(move |conn| shared_links::change_assets(conn, &link, &ids, add))
            .await
    }

    async fn timeline_buckets(&self, query: &TimelineQuery) -> CatalogResult<Vec<(String, i64)>> {
        let query = query.clone();
        self.read(move |conn| timeline::buckets(conn, &query)).await
    }

    async fn timeline_bucket(
        &self,
        query: &TimelineQuery,
        month: &str,
    ) -> CatalogResult<Vec<TimelineAsset>> {
        let (query, month) = (query.clone(), month.to_string());
        self.read(move |conn| timeline::bucket(conn, &query, &month))
            .await
    }

    async fn stream_sync(&self, query: SyncQuery, mut sink: SyncSink) -> CatalogResult<String> {
        self.read(move |conn| sync::stream(conn, &query, &mut sink))
            .await
    }

    async fn sync_checkpoints(&self, session_id: Uuid) -> CatalogResult<Vec<(String, String)>> {
        self.read(move |conn| sync::checkpoints(conn, session_id))
            .await
    }

    async fn set_sync_checkpoints(
        &self,
        session_id: Uuid,
        acks: &[(String, String)],
    ) -> CatalogResult<()> {
        let acks = acks.to_vec();
        self.write(move |conn| sync::set_checkpoints(conn, session_id, &acks))
            .await
    }

    async fn delete_sync_checkpoints(
        &self,
        session_id: Uuid,
        types: Option<&[String]>,
    ) -> CatalogResult<()> {
        let types = types.map(<[String]>::to_vec);
        self.write(move |conn| sync::delete_checkpoints(conn, session_id, types.as_deref()))
            .await
    }

    async fn sync_reset_pending(&self, session_id: Uuid) -> CatalogResult<bool> {
        self.read(move |conn| sync::reset_pending(conn, session_id))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_counts_match() {
        assert_eq!(SESSION_COLUMNS.split(',').count(), SESSION_COLUMN_COUNT);
        assert_eq!(API_KEY_COLUMNS.split(',').count(), API_KEY_COLUMN_COUNT);
    }
}
