//! Album activity (`activities`, migration 0019): comments and likes, each read with its author.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{
    Activity, ActivityCreated, ActivityFilter, ActivityPlace, ActivityRepo, ActivityStatistics,
    CatalogError, CatalogResult, NewActivity, Reaction,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::users::{USER_COLUMNS, user_at};
use super::{SqliteCatalog, parse_ts, parse_uuid, ts};

/// `USER_COLUMNS` of the author (`u`, columns 0-16), then the activity's own.
fn select() -> String {
    format!(
        "SELECT {USER_COLUMNS}, t.id, t.album_id, t.asset_id, t.comment, t.is_liked, t.created_at
         FROM activities t JOIN users u ON u.id = t.user_id"
    )
}

fn activity_at(r: &Row<'_>) -> rusqlite::Result<Activity> {
    let comment: Option<String> = r.get(20)?;
    let is_liked: bool = r.get(21)?;
    Ok(Activity {
        user: user_at(r, 0)?,
        id: parse_uuid(&r.get::<_, String>(17)?)?,
        album_id: parse_uuid(&r.get::<_, String>(18)?)?,
        asset_id: r
            .get::<_, Option<String>>(19)?
            .map(|s| parse_uuid(&s))
            .transpose()?,
        reaction: match (is_liked, comment) {
            (false, Some(text)) => Reaction::Comment(text),
            _ => Reaction::Like,
        },
        created_at: parse_ts(&r.get::<_, String>(22)?)?,
    })
}

fn one(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<Activity>> {
    conn.prepare_cached(&format!("{} WHERE t.id = ?1", select()))?
        .query_row([id.to_string()], activity_at)
        .optional()
}

/// The user's like at that place of the album, if any.
fn like_of(conn: &Connection, new: &NewActivity) -> rusqlite::Result<Option<Activity>> {
    conn.prepare_cached(&format!(
        "{} WHERE t.album_id = ?1 AND t.user_id = ?2 AND t.asset_id IS ?3 AND t.is_liked = 1",
        select()
    ))?
    .query_row(
        params![
            new.album_id.to_string(),
            new.user_id.to_string(),
            new.asset_id.map(|a| a.to_string())
        ],
        activity_at,
    )
    .optional()
}

#[async_trait]
impl ActivityRepo for SqliteCatalog {
    async fn activities(&self, filter: ActivityFilter) -> CatalogResult<Vec<Activity>> {
        self.read(move |conn| {
            let (album_only, asset) = match filter.place {
                ActivityPlace::Anywhere => (false, None),
                ActivityPlace::Album => (true, None),
                ActivityPlace::Asset(id) => (false, Some(id.to_string())),
            };
            let mut stmt = conn.prepare_cached(&format!(
                "{} LEFT JOIN assets a ON a.id = t.asset_id
                 WHERE t.album_id = ?1 AND u.deleted_at IS NULL AND a.deleted_at IS NULL
                   AND (?2 IS NULL OR t.user_id = ?2) AND (?3 IS NULL OR t.is_liked = ?3)
                   AND (?4 IS NULL OR t.asset_id = ?4) AND (NOT ?5 OR t.asset_id IS NULL)
                 ORDER BY t.created_at, t.rowid",
                select()
            ))?;
            let rows = stmt.query_map(
                params![
                    filter.album_id.to_string(),
                    filter.user_id.map(|u| u.to_string()),
                    filter.likes,
                    asset,
                    album_only
                ],
                activity_at,
            )?;
            rows.collect()
        })
        .await
    }

    async fn activity(&self, id: Uuid) -> CatalogResult<Option<Activity>> {
        self.read(move |conn| one(conn, id)).await
    }

    async fn create_activity(&self, activity: &NewActivity) -> CatalogResult<ActivityCreated> {
        let new = activity.clone();
        let outcome: Option<ActivityCreated> = self
            .write(move |conn| {
                let tx = conn.transaction()?;
                // The album, and the asset in it: checked here so that a missing one is told
                // apart from a broken rule (the foreign keys would refuse both alike).
                let place: i64 = tx.query_row(
                    "SELECT CASE WHEN ?2 IS NULL
                        THEN EXISTS (SELECT 1 FROM albums WHERE id = ?1)
                        ELSE EXISTS (SELECT 1 FROM album_assets WHERE album_id = ?1 AND asset_id = ?2)
                     END",
                    params![new.album_id.to_string(), new.asset_id.map(|a| a.to_string())],
                    |r| r.get(0),
                )?;
                if place == 0 {
                    return Ok(None);
                }
                if new.reaction.is_like()
                    && let Some(existing) = like_of(&tx, &new)?
                {
                    return Ok(Some(ActivityCreated::ExistingLike(existing)));
                }
                let id = Uuid::new_v4();
                let now = ts(&Utc::now());
                tx.execute(
                    "INSERT INTO activities
                        (id, album_id, asset_id, user_id, comment, is_liked, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                    params![
                        id.to_string(),
                        new.album_id.to_string(),
                        new.asset_id.map(|a| a.to_string()),
                        new.user_id.to_string(),
                        new.reaction.comment(),
                        new.reaction.is_like(),
                        now
                    ],
                )?;
                let made = one(&tx, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
                tx.commit()?;
                Ok(Some(ActivityCreated::New(made)))
            })
            .await?;
        match outcome {
            Some(created) => Ok(created),
            // No such album, or the asset is not in it.
            None => Err(CatalogError::NotFound(match activity.asset_id {
                Some(asset) => format!("asset {asset} in album {}", activity.album_id),
                None => format!("album {}", activity.album_id),
            })),
        }
    }

    async fn delete_activity(&self, id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM activities WHERE id = ?1", [id.to_string()])? > 0)
        })
        .await
    }

    async fn activity_statistics(
        &self,
        album_id: Uuid,
        asset_id: Option<Uuid>,
    ) -> CatalogResult<ActivityStatistics> {
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT COALESCE(SUM(t.is_liked = 0), 0), COALESCE(SUM(t.is_liked = 1), 0)
                 FROM activities t
                 JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
                 LEFT JOIN assets a ON a.id = t.asset_id
                 WHERE t.album_id = ?1 AND (?2 IS NULL OR t.asset_id = ?2)
                   AND (a.id IS NULL OR (a.deleted_at IS NULL AND a.visibility != 'locked'))",
            )?
            .query_row(
                params![album_id.to_string(), asset_id.map(|a| a.to_string())],
                |r| {
                    Ok(ActivityStatistics {
                        comments: r.get(0)?,
                        likes: r.get(1)?,
                    })
                },
            )
        })
        .await
    }
}
