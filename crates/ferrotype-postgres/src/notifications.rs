//! Notifications: messages to one user, soft-deleted, purged by `notifications::retention`.

use async_trait::async_trait;
use chrono::Duration;
use ferrotype_core::catalog::NotificationRepo;
use ferrotype_core::catalog::{CatalogError, CatalogResult};
use ferrotype_core::model::Timestamp;
use ferrotype_core::notifications::{
    Notification, NotificationFilter, NotificationLevel, NotificationType, retention,
};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::{PgCatalog, map_error, ms, now, opt_ms};

const COLUMNS: &str = "id, user_id, created_at, updated_at, deleted_at, level, type, title, \
    description, data, read_at";

fn notification_at(r: &Row) -> CatalogResult<Notification> {
    let level: String = r.get(5);
    let kind: String = r.get(6);
    Ok(Notification {
        id: r.get(0),
        user_id: r.get(1),
        created_at: r.get(2),
        updated_at: r.get(3),
        deleted_at: r.get(4),
        level: NotificationLevel::parse(&level)
            .ok_or_else(|| CatalogError::Backend(format!("unknown notification level {level}")))?,
        kind: NotificationType::parse(&kind)
            .ok_or_else(|| CatalogError::Backend(format!("unknown notification type {kind}")))?,
        title: r.get(7),
        description: r.get(8),
        data: r.get(9),
        read_at: r.get(10),
    })
}

#[async_trait]
impl NotificationRepo for PgCatalog {
    async fn create_notification(&self, n: &Notification) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            &format!(
                "INSERT INTO notifications ({COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ),
            &[
                &n.id,
                &n.user_id,
                &ms(&n.created_at),
                &ms(&n.updated_at),
                &opt_ms(&n.deleted_at),
                &n.level.as_str(),
                &n.kind.as_str(),
                &n.title,
                &n.description,
                &n.data,
                &opt_ms(&n.read_at),
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// The user's notifications that match and are not deleted, newest first.
    async fn notifications_of(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
    ) -> CatalogResult<Vec<Notification>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM notifications
                     WHERE user_id = $1 AND deleted_at IS NULL
                       AND ($2::uuid IS NULL OR id = $2)
                       AND ($3::text IS NULL OR level = $3)
                       AND ($4::text IS NULL OR type = $4)
                       AND (NOT $5 OR read_at IS NULL)
                     ORDER BY created_at DESC, seq DESC"
                ),
                &[
                    &user_id,
                    &filter.id,
                    &filter.level.map(NotificationLevel::as_str),
                    &filter.kind.map(NotificationType::as_str),
                    &filter.unread,
                ],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(notification_at).collect()
    }

    /// One notification, deleted or not.
    async fn notification(&self, id: Uuid) -> CatalogResult<Option<Notification>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!("SELECT {COLUMNS} FROM notifications WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| notification_at(&r)).transpose()
    }

    /// Those of `ids` that belong to the user (deleted ones too).
    async fn notifications_owned(&self, user_id: Uuid, ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT id FROM notifications WHERE user_id = $1 AND id = ANY($2)",
                &[&user_id, &ids],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Sets (or clears) when these notifications were read; deleted ones are left alone.
    async fn set_notifications_read(
        &self,
        ids: &[Uuid],
        read_at: Option<Timestamp>,
    ) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE notifications SET read_at = $1, updated_at = $2
             WHERE deleted_at IS NULL AND id = ANY($3)",
            &[&opt_ms(&read_at), &now(), &ids],
        )
        .await
        .map_err(map_error)
    }

    /// Marks these notifications deleted (they leave every listing at once).
    async fn delete_notifications(&self, ids: &[Uuid]) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE notifications SET deleted_at = $1, updated_at = $1
             WHERE deleted_at IS NULL AND id = ANY($2)",
            &[&now(), &ids],
        )
        .await
        .map_err(map_error)
    }

    /// Deletes for good what `notifications::retention` no longer keeps; returns how many.
    async fn purge_notifications(&self, now: Timestamp) -> CatalogResult<u64> {
        let days = |d: i64| now - Duration::days(d);
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM notifications
             WHERE (deleted_at IS NOT NULL AND deleted_at < $1)
                OR (read_at IS NOT NULL AND read_at < $2 AND created_at < $3)
                OR (read_at IS NULL AND created_at < $4)",
            &[
                &days(retention::DELETED_DAYS),
                &days(retention::READ_GRACE_DAYS),
                &days(retention::READ_DAYS),
                &days(retention::UNREAD_DAYS),
            ],
        )
        .await
        .map_err(map_error)
    }
}
