//! Notifications (`notifications` table, migration 0013).

use async_trait::async_trait;
use chrono::{Duration, Utc};
use ferrotype_core::catalog::{CatalogResult, NotificationRepo};
use ferrotype_core::model::Timestamp;
use ferrotype_core::notifications::{
    Notification, NotificationFilter, NotificationLevel, NotificationType, retention,
};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{SqliteCatalog, opt_parse_ts, opt_ts, parse_ts, parse_uuid, ts};

const COLUMNS: &str = "id, user_id, created_at, updated_at, deleted_at, level, type, title, \
    description, data, read_at";

fn conversion(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, what.to_string().into())
}

fn notification_at(r: &Row<'_>) -> rusqlite::Result<Notification> {
    let level: String = r.get(5)?;
    let kind: String = r.get(6)?;
    let data: Option<String> = r.get(9)?;
    Ok(Notification {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        user_id: parse_uuid(&r.get::<_, String>(1)?)?,
        created_at: parse_ts(&r.get::<_, String>(2)?)?,
        updated_at: parse_ts(&r.get::<_, String>(3)?)?,
        deleted_at: opt_parse_ts(r.get(4)?)?,
        level: NotificationLevel::parse(&level)
            .ok_or_else(|| conversion(5, "unknown notification level"))?,
        kind: NotificationType::parse(&kind)
            .ok_or_else(|| conversion(6, "unknown notification type"))?,
        title: r.get(7)?,
        description: r.get(8)?,
        data: data
            .map(|d| serde_json::from_str(&d).map_err(|e| conversion(9, &e.to_string())))
            .transpose()?,
        read_at: opt_parse_ts(r.get(10)?)?,
    })
}

/// Ids as the JSON array `json_each` reads.
fn id_list(ids: &[Uuid]) -> String {
    serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

pub(crate) fn create(conn: &Connection, n: &Notification) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT INTO notifications ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
        params![
            n.id.to_string(),
            n.user_id.to_string(),
            ts(&n.created_at),
            ts(&n.updated_at),
            opt_ts(&n.deleted_at),
            n.level.as_str(),
            n.kind.as_str(),
            n.title,
            n.description,
            n.data.as_ref().map(|d| d.to_string()),
            opt_ts(&n.read_at),
        ],
    )?;
    Ok(())
}

pub(crate) fn of_user(
    conn: &Connection,
    user_id: Uuid,
    filter: &NotificationFilter,
) -> rusqlite::Result<Vec<Notification>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notifications
         WHERE user_id = ?1 AND deleted_at IS NULL
           AND (?2 IS NULL OR id = ?2)
           AND (?3 IS NULL OR level = ?3)
           AND (?4 IS NULL OR type = ?4)
           AND (NOT ?5 OR read_at IS NULL)
         ORDER BY created_at DESC, rowid DESC"
    ))?;
    stmt.query_map(
        params![
            user_id.to_string(),
            filter.id.map(|id| id.to_string()),
            filter.level.map(NotificationLevel::as_str),
            filter.kind.map(NotificationType::as_str),
            filter.unread,
        ],
        notification_at,
    )?
    .collect()
}

pub(crate) fn find(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<Notification>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM notifications WHERE id = ?1"),
        [id.to_string()],
        notification_at,
    )
    .optional()
}

pub(crate) fn owned(conn: &Connection, user_id: Uuid, ids: &[Uuid]) -> rusqlite::Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM notifications
         WHERE user_id = ?1 AND id IN (SELECT value FROM json_each(?2))",
    )?;
    stmt.query_map(params![user_id.to_string(), id_list(ids)], |r| {
        parse_uuid(&r.get::<_, String>(0)?)
    })?
    .collect()
}

pub(crate) fn set_read(
    conn: &Connection,
    ids: &[Uuid],
    read_at: Option<Timestamp>,
    now: Timestamp,
) -> rusqlite::Result<u64> {
    let n = conn.execute(
        "UPDATE notifications SET read_at = ?1, updated_at = ?2
         WHERE deleted_at IS NULL AND id IN (SELECT value FROM json_each(?3))",
        params![opt_ts(&read_at), ts(&now), id_list(ids)],
    )?;
    Ok(n as u64)
}

pub(crate) fn delete(conn: &Connection, ids: &[Uuid], now: Timestamp) -> rusqlite::Result<u64> {
    let n = conn.execute(
        "UPDATE notifications SET deleted_at = ?1, updated_at = ?1
         WHERE deleted_at IS NULL AND id IN (SELECT value FROM json_each(?2))",
        params![ts(&now), id_list(ids)],
    )?;
    Ok(n as u64)
}

pub(crate) fn purge(conn: &Connection, now: Timestamp) -> rusqlite::Result<u64> {
    let days = |d: i64| ts(&(now - Duration::days(d)));
    let n = conn.execute(
        "DELETE FROM notifications
         WHERE (deleted_at IS NOT NULL AND deleted_at < ?1)
            OR (read_at IS NOT NULL AND read_at < ?2 AND created_at < ?3)
            OR (read_at IS NULL AND created_at < ?4)",
        params![
            days(retention::DELETED_DAYS),
            days(retention::READ_GRACE_DAYS),
            days(retention::READ_DAYS),
            days(retention::UNREAD_DAYS),
        ],
    )?;
    Ok(n as u64)
}

#[async_trait]
impl NotificationRepo for SqliteCatalog {
    async fn create_notification(&self, notification: &Notification) -> CatalogResult<()> {
        let notification = notification.clone();
        self.write(move |conn| create(conn, &notification)).await
    }

    async fn notifications_of(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
    ) -> CatalogResult<Vec<Notification>> {
        let filter = filter.clone();
        self.read(move |conn| of_user(conn, user_id, &filter)).await
    }

    async fn notification(&self, id: Uuid) -> CatalogResult<Option<Notification>> {
        self.read(move |conn| find(conn, id)).await
    }

    async fn notifications_owned(&self, user_id: Uuid, ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let ids = ids.to_vec();
        self.read(move |conn| owned(conn, user_id, &ids)).await
    }

    async fn set_notifications_read(
        &self,
        ids: &[Uuid],
        read_at: Option<Timestamp>,
    ) -> CatalogResult<u64> {
        let ids = ids.to_vec();
        self.write(move |conn| set_read(conn, &ids, read_at, Utc::now()))
            .await
    }

    async fn delete_notifications(&self, ids: &[Uuid]) -> CatalogResult<u64> {
        let ids = ids.to_vec();
        self.write(move |conn| delete(conn, &ids, Utc::now())).await
    }

    async fn purge_notifications(&self, now: Timestamp) -> CatalogResult<u64> {
        self.write(move |conn| purge(conn, now)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn catalog_with_user() -> (Connection, Uuid) {
        let mut conn = super::super::open_connection(std::path::Path::new(":memory:")).unwrap();
        super::super::migrate(&mut conn).unwrap();
        let user = Uuid::new_v4();
        let now = ts(&Utc::now());
        conn.execute(
            "INSERT INTO users (id, email, name, avatar_color, profile_changed_at, created_at, updated_at)
             VALUES (?1, 'u@example.com', 'U', 'primary', ?2, ?2, ?2)",
            params![user.to_string(), now],
        )
        .unwrap();
        (conn, user)
    }

    fn add(conn: &Connection, user: Uuid, age_days: i64, read_days: Option<i64>) -> Uuid {
        let now = Utc::now();
        let mut n = Notification::new(
            user,
            NotificationLevel::Info,
            NotificationType::Custom,
            format!("{age_days} days old"),
            None,
            None,
            now - Duration::days(age_days),
        );
        n.read_at = read_days.map(|d| now - Duration::days(d));
        create(conn, &n).unwrap();
        n.id
    }

    #[test]
    fn the_clean_up_keeps_what_is_recent_and_deleting_a_user_takes_theirs() {
        let (conn, user) = catalog_with_user();
        let now = Utc::now();
        let fresh_unread = add(&conn, user, 1, None);
        let old_unread = add(&conn, user, 31, None);
        let month_unread = add(&conn, user, 29, None);
        let old_read_long_ago = add(&conn, user, 16, Some(3));
        let old_read_just_now = add(&conn, user, 16, Some(1));
        let young_read = add(&conn, user, 10, Some(5));
        let deleted_long_ago = add(&conn, user, 1, None);
        let deleted_today = add(&conn, user, 1, None);
        delete(&conn, &[deleted_long_ago], now - Duration::days(4)).unwrap();
        delete(&conn, &[deleted_today], now).unwrap();

        assert_eq!(purge(&conn, now).unwrap(), 3);
        let left: Vec<Uuid> = [
            fresh_unread,
            old_unread,
            month_unread,
            old_read_long_ago,
            old_read_just_now,
            young_read,
            deleted_long_ago,
            deleted_today,
        ]
        .into_iter()
        .filter(|id| find(&conn, *id).unwrap().is_some())
        .collect();
        assert_eq!(
            left,
            [
                fresh_unread,
                month_unread,
                old_read_just_now,
                young_read,
                deleted_today
            ]
        );

        conn.execute("DELETE FROM users WHERE id = ?1", [user.to_string()])
            .unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM notifications", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
    }
}
