//! Stacks (`stacks`, migration 0009): the merge of `create_stack` in one transaction that locks
//! the assets first; the migration's triggers keep a stack at two assets or more and its
//! primary a member.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use ferrotype_core::catalog::{CatalogResult, Shot, Stack, StackRepo, StackSummary};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::assets::{ASSET_COLUMN_COUNT, ASSET_COLUMNS, asset_at};
use crate::{PgCatalog, map_error, now};

const STACK_COLUMNS: &str = "s.id, s.owner_id, s.primary_asset_id, s.created_at, s.updated_at";

fn stack_at(r: &Row) -> Stack {
    Stack {
        id: r.get(0),
        owner_id: r.get(1),
        primary_asset_id: r.get(2),
        created_at: r.get(3),
        updated_at: r.get(4),
        asset_ids: Vec::new(),
    }
}

/// Fills in the members Immich lists: outside the trash, on the timeline or archived.
async fn with_members(
    client: &impl GenericClient,
    mut stack: Stack,
) -> Result<Stack, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT id FROM assets
             WHERE stack_id = $1 AND deleted_at IS NULL AND visibility IN ('timeline', 'archive')
             ORDER BY id = $2 DESC, local_date_time, id",
            &[&stack.id, &stack.primary_asset_id],
        )
        .await?;
    stack.asset_ids = rows.iter().map(|r| r.get(0)).collect();
    Ok(stack)
}

async fn one(
    client: &impl GenericClient,
    id: Uuid,
) -> Result<Option<Stack>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            &format!("SELECT {STACK_COLUMNS} FROM stacks s WHERE s.id = $1"),
            &[&id],
        )
        .await?;
    match row {
        Some(r) => Ok(Some(with_members(client, stack_at(&r)).await?)),
        None => Ok(None),
    }
}

#[async_trait]
impl StackRepo for PgCatalog {
    async fn stacks(
        &self,
        owner_id: Uuid,
        primary_asset_id: Option<Uuid>,
    ) -> CatalogResult<Vec<Stack>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {STACK_COLUMNS} FROM stacks s
                     WHERE s.owner_id = $1 AND ($2::uuid IS NULL OR s.primary_asset_id = $2)
                     ORDER BY s.created_at, s.id"
                ),
                &[&owner_id, &primary_asset_id],
            )
            .await
            .map_err(map_error)?;
        let mut stacks = Vec::with_capacity(rows.len());
        for r in &rows {
            stacks.push(with_members(&conn, stack_at(r)).await.map_err(map_error)?);
        }
        Ok(stacks)
    }

    async fn stack(&self, id: Uuid) -> CatalogResult<Option<Stack>> {
        let conn = self.conn().await?;
        one(&conn, id).await.map_err(map_error)
    }

    async fn create_stack(&self, owner_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Stack> {
        let mut members: Vec<Uuid> = Vec::new();
        for id in asset_ids {
            if !members.contains(id) {
                members.push(*id);
            }
        }
        let primary = members.first().copied().unwrap_or_default();
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        // Two merges of the same assets at once: the second waits, then sees the first's stack.
        tx.execute(
            "SELECT 1 FROM assets WHERE id = ANY($1) ORDER BY id FOR UPDATE",
            &[&members],
        )
        .await
        .map_err(map_error)?;
        // Stacks headed by one of the assets are merged: all their assets join.
        let joining = tx
            .query(
                "SELECT a.id FROM assets a JOIN stacks s ON s.id = a.stack_id
                 WHERE s.owner_id = $1 AND s.primary_asset_id = ANY($2)",
                &[&owner_id, &members],
            )
            .await
            .map_err(map_error)?;
        for r in &joining {
            let id: Uuid = r.get(0);
            if !members.contains(&id) {
                members.push(id);
            }
        }
        tx.execute(
            "DELETE FROM stacks WHERE owner_id = $1 AND primary_asset_id = ANY($2)",
            &[&owner_id, &members],
        )
        .await
        .map_err(map_error)?;
        let id = Uuid::new_v4();
        let at = now();
        tx.execute(
            "INSERT INTO stacks (id, owner_id, primary_asset_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)",
            &[&id, &owner_id, &primary, &at],
        )
        .await
        .map_err(map_error)?;
        tx.execute(
            "UPDATE assets SET stack_id = $1, updated_at = $2 WHERE owner_id = $3 AND id = ANY($4)",
            &[&id, &at, &owner_id, &members],
        )
        .await
        .map_err(map_error)?;
        let stack = one(&tx, id).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        stack.ok_or_else(|| ferrotype_core::catalog::CatalogError::NotFound(id.to_string()))
    }

    async fn set_stack_primary(
        &self,
        id: Uuid,
        primary_asset_id: Uuid,
    ) -> CatalogResult<Option<Stack>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        tx.execute(
            "UPDATE stacks SET primary_asset_id = $2, updated_at = $3
             WHERE id = $1 AND primary_asset_id <> $2
               AND EXISTS (SELECT 1 FROM assets WHERE id = $2 AND stack_id = $1)",
            &[&id, &primary_asset_id, &now()],
        )
        .await
        .map_err(map_error)?;
        let stack = one(&tx, id).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(stack)
    }

    async fn delete_stacks(&self, ids: &[Uuid]) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM stacks WHERE id = ANY($1)", &[&ids])
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn leave_stack(&self, asset_id: Uuid) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE assets SET stack_id = NULL, updated_at = $2
             WHERE id = $1 AND stack_id IS NOT NULL",
            &[&asset_id, &now()],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn stack_summary(&self, id: Uuid) -> CatalogResult<Option<StackSummary>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT s.id, s.primary_asset_id, 1 + (SELECT count(*) FROM assets m
                    WHERE m.stack_id = s.id AND m.id <> s.primary_asset_id
                      AND m.deleted_at IS NULL AND m.visibility = 'timeline')
                 FROM stacks s WHERE s.id = $1",
                &[&id],
            )
            .await
            .map_err(map_error)?;
        Ok(row.map(|r| StackSummary {
            id: r.get(0),
            primary_asset_id: r.get(1),
            asset_count: r.get(2),
        }))
    }

    async fn shots_in_same_second(&self, asset_id: Uuid) -> CatalogResult<Vec<Shot>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {ASSET_COLUMNS}, e.make, e.model
                     FROM asset_exif me JOIN assets mine ON mine.id = me.asset_id
                     JOIN asset_exif e
                       ON e.date_time_original >= date_trunc('second', me.date_time_original)
                      AND e.date_time_original
                          < date_trunc('second', me.date_time_original) + interval '1 second'
                     JOIN assets a ON a.id = e.asset_id AND a.owner_id = mine.owner_id
                     WHERE me.asset_id = $1 AND a.type = 'IMAGE' AND a.deleted_at IS NULL
                     ORDER BY a.original_file_name, a.id"
                ),
                &[&asset_id],
            )
            .await
            .map_err(map_error)?;
        rows.iter()
            .map(|r| {
                Ok(Shot {
                    asset: asset_at(r)?,
                    make: r.get(ASSET_COLUMN_COUNT),
                    model: r.get(ASSET_COLUMN_COUNT + 1),
                })
            })
            .collect()
    }
}
