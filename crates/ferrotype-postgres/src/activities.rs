//! Album activity (`activities`, migration 0007): comments and likes, each read with its author.

use async_trait::async_trait;
use ferrotype_core::catalog::{
    Activity, ActivityCreated, ActivityFilter, ActivityPlace, ActivityRepo, ActivityStatistics,
    CatalogError, CatalogResult, NewActivity, Reaction,
};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::users::{USER_COLUMNS, user_at};
use crate::{PgCatalog, map_error, now};

/// `USER_COLUMNS` of the author (`u`, columns 0-16), then the activity's own.
fn select(joins: &str, condition: &str) -> String {
    format!(
        "SELECT {USER_COLUMNS}, t.id, t.album_id, t.asset_id, t.comment, t.is_liked, t.created_at
         FROM activities t JOIN users u ON u.id = t.user_id {joins}
         WHERE {condition}"
    )
}

fn activity_at(r: &Row) -> CatalogResult<Activity> {
    let comment: Option<String> = r.get(20);
    let is_liked: bool = r.get(21);
    Ok(Activity {
        user: user_at(r, 0)?,
        id: r.get(17),
        album_id: r.get(18),
        asset_id: r.get(19),
        reaction: match (is_liked, comment) {
            (false, Some(text)) => Reaction::Comment(text),
            _ => Reaction::Like,
        },
        created_at: r.get(22),
    })
}

impl PgCatalog {
    async fn one_activity(&self, id: Uuid) -> CatalogResult<Option<Activity>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(&select("", "t.id = $1"), &[&id])
            .await
            .map_err(map_error)?;
        row.map(|r| activity_at(&r)).transpose()
    }

    async fn like_of(&self, new: &NewActivity) -> CatalogResult<Option<Activity>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &select(
                    "",
                    "t.album_id = $1 AND t.user_id = $2 AND t.asset_id IS NOT DISTINCT FROM $3
                     AND t.is_liked",
                ),
                &[&new.album_id, &new.user_id, &new.asset_id],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| activity_at(&r)).transpose()
    }
}

#[async_trait]
impl ActivityRepo for PgCatalog {
    async fn activities(&self, filter: ActivityFilter) -> CatalogResult<Vec<Activity>> {
        let (album_only, asset) = match filter.place {
            ActivityPlace::Anywhere => (false, None),
            ActivityPlace::Album => (true, None),
            ActivityPlace::Asset(id) => (false, Some(id)),
        };
        let conn = self.conn().await?;
        let params: [&(dyn ToSql + Sync); 5] = [
            &filter.album_id,
            &filter.user_id,
            &filter.likes,
            &asset,
            &album_only,
        ];
        let rows = conn
            .query(
                &format!(
                    "{} ORDER BY t.created_at, t.seq",
                    select(
                        "LEFT JOIN assets a ON a.id = t.asset_id",
                        "t.album_id = $1 AND u.deleted_at IS NULL AND a.deleted_at IS NULL
                         AND ($2::uuid IS NULL OR t.user_id = $2)
                         AND ($3::boolean IS NULL OR t.is_liked = $3)
                         AND ($4::uuid IS NULL OR t.asset_id = $4)
                         AND (NOT $5 OR t.asset_id IS NULL)"
                    )
                ),
                &params,
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(activity_at).collect()
    }

    async fn activity(&self, id: Uuid) -> CatalogResult<Option<Activity>> {
        self.one_activity(id).await
    }

    async fn create_activity(&self, activity: &NewActivity) -> CatalogResult<ActivityCreated> {
        // The unique index makes a second like of the same place a no-op, which then reads the
        // first; a like deleted between the two statements is inserted again on the next turn.
        for _ in 0..3 {
            let id = Uuid::new_v4();
            let at = now();
            let conn = self.conn().await?;
            let params: [&(dyn ToSql + Sync); 7] = [
                &id,
                &activity.album_id,
                &activity.asset_id,
                &activity.user_id,
                &activity.reaction.comment(),
                &activity.reaction.is_like(),
                &at,
            ];
            let inserted = match conn
                .execute(
                    "INSERT INTO activities
                        (id, album_id, asset_id, user_id, comment, is_liked, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
                     ON CONFLICT DO NOTHING",
                    &params,
                )
                .await
            {
                Ok(n) => n,
                // No such album, or the asset is not in it (the composite foreign key).
                Err(e) if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => {
                    return Err(CatalogError::NotFound(match activity.asset_id {
                        Some(asset) => format!("asset {asset} in album {}", activity.album_id),
                        None => format!("album {}", activity.album_id),
                    }));
                }
                Err(e) => return Err(map_error(e)),
            };
            drop(conn);
            if inserted == 1 {
                return self
                    .one_activity(id)
                    .await?
                    .map(ActivityCreated::New)
                    .ok_or_else(|| CatalogError::NotFound(format!("activity {id}")));
            }
            if let Some(existing) = self.like_of(activity).await? {
                return Ok(ActivityCreated::ExistingLike(existing));
            }
        }
        Err(CatalogError::Unavailable(
            "a like kept being removed while it was given".into(),
        ))
    }

    async fn delete_activity(&self, id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let removed = conn
            .execute("DELETE FROM activities WHERE id = $1", &[&id])
            .await
            .map_err(map_error)?;
        Ok(removed > 0)
    }

    async fn activity_statistics(
        &self,
        album_id: Uuid,
        asset_id: Option<Uuid>,
    ) -> CatalogResult<ActivityStatistics> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "SELECT count(*) FILTER (WHERE NOT t.is_liked), count(*) FILTER (WHERE t.is_liked)
                 FROM activities t
                 JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
                 LEFT JOIN assets a ON a.id = t.asset_id
                 WHERE t.album_id = $1 AND ($2::uuid IS NULL OR t.asset_id = $2)
                   AND (a.id IS NULL OR (a.deleted_at IS NULL AND a.visibility != 'locked'))",
                &[&album_id, &asset_id],
            )
            .await
            .map_err(map_error)?;
        Ok(ActivityStatistics {
            comments: row.get(0),
            likes: row.get(1),
        })
    }
}
