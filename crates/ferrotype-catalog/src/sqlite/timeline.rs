//! The timeline's reads: month buckets from the counts the triggers keep (`timeline_counts`),
//! or, inside an album or tag, counted from the assets; and one month's assets through the
//! `(owner_id, local_date_time)` index.

use async_trait::async_trait;
use ferrotype_core::catalog::{CatalogResult, TimelineRepo};
use ferrotype_core::model::{
    MapMarker, MapMarkerQuery, TimelineAsset, TimelineQuery, TimelineScope,
};
use rusqlite::{Connection, params};

use super::SqliteCatalog;

/// The filters every read shares, on `assets a`: ?2 visibility (NULL: timeline and archive),
/// ?3 favourite (NULL: any), ?4 trashed.
const FILTERS: &str = "(CASE WHEN ?2 IS NULL THEN a.visibility IN ('timeline', 'archive')
        ELSE a.visibility = ?2 END)
    AND (?3 IS NULL OR a.is_favorite = ?3)
    AND ((a.deleted_at IS NOT NULL) = ?4)";

/// With stacks shown once (?5), an asset of a stack only when it is the primary (Immich's
/// `withStacked`).
const STACKED: &str = "(NOT ?5 OR a.stack_id IS NULL OR EXISTS (
        SELECT 1 FROM stacks s WHERE s.id = a.stack_id AND s.primary_asset_id = a.id))";

/// Which assets, on `assets a`, with ?1 as the owners (a JSON array) or the album or tag id.
fn scope(query: &TimelineQuery) -> (&'static str, String) {
    match query.within {
        Some(TimelineScope::Album(id)) => (
            "a.id IN (SELECT asset_id FROM album_assets WHERE album_id = ?1)",
            id.to_string(),
        ),
        Some(TimelineScope::Tag(id)) => (
            // The tag's assets and those of every tag below it, as Immich's closure table.
            "a.id IN (SELECT asset_id FROM asset_tags WHERE tag_id IN (
                WITH RECURSIVE subtree(id) AS (
                    SELECT ?1 UNION SELECT t.id FROM tags t JOIN subtree ON t.parent_id = subtree.id)
                SELECT id FROM subtree))",
            id.to_string(),
        ),
        None => (
            "a.owner_id IN (SELECT value FROM json_each(?1))",
            serde_json::to_string(
                &query
                    .owner_ids
                    .iter()
                    .map(|u| u.to_string())
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_else(|_| "[]".into()),
        ),
    }
}

fn direction(query: &TimelineQuery) -> &'static str {
    if query.descending { "DESC" } else { "ASC" }
}

pub(crate) fn buckets(
    conn: &Connection,
    query: &TimelineQuery,
) -> rusqlite::Result<Vec<(String, i64)>> {
    let (scope_sql, scope_value) = scope(query);
    let order = direction(query);
    let visibility = query.visibility.map(|v| v.as_str());
    let sql = if query.within.is_some() {
        format!(
            "SELECT substr(a.local_date_time, 1, 7) AS month, COUNT(*) FROM assets a
             WHERE {scope_sql} AND {FILTERS} AND {STACKED}
             GROUP BY month ORDER BY month {order}"
        )
    } else {
        // The same filters, on the counts' columns; with stacks shown once, less the stacks'
        // other assets (few, found through the owners' stacks).
        format!(
            "SELECT month, SUM(n) AS total FROM (
                SELECT month, count AS n FROM timeline_counts
                WHERE owner_id IN (SELECT value FROM json_each(?1))
                  AND (CASE WHEN ?2 IS NULL THEN visibility IN ('timeline', 'archive')
                       ELSE visibility = ?2 END)
                  AND (?3 IS NULL OR favorite = ?3)
                  AND trashed = ?4
                UNION ALL
                SELECT substr(a.local_date_time, 1, 7), -COUNT(*)
                FROM stacks s JOIN assets a ON a.stack_id = s.id AND a.id != s.primary_asset_id
                WHERE ?5 AND s.owner_id IN (SELECT value FROM json_each(?1)) AND {FILTERS}
                GROUP BY 1)
             GROUP BY month HAVING total > 0 ORDER BY month {order}"
        )
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            scope_value,
            visibility,
            query.is_favorite,
            query.trashed,
            query.with_stacked
        ],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    rows.collect()
}

/// The month after `2024-05` (`2024-06`), for the half-open range of a bucket.
fn next_month(month: &str) -> Option<String> {
    let (year, m) = month.split_once('-')?;
    let (year, m): (i32, u32) = (year.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) {
        return None;
    }
    Some(if m == 12 {
        format!("{:04}-01", year + 1)
    } else {
        format!("{year:04}-{:02}", m + 1)
    })
}

pub(crate) fn bucket(
    conn: &Connection,
    query: &TimelineQuery,
    month: &str,
) -> rusqlite::Result<Vec<TimelineAsset>> {
    let Some(next) = next_month(month) else {
        return Ok(Vec::new());
    };
    let (scope_sql, scope_value) = scope(query);
    let order = direction(query);
    let sql = format!(
        "SELECT a.id, a.owner_id, a.type = 'IMAGE', a.width, a.height, a.is_favorite,
            a.deleted_at IS NOT NULL, a.visibility, a.file_created_at, a.created_at,
            round((julianday(a.local_date_time) - julianday(a.file_created_at)) * 96) / 4.0,
            a.thumbhash, a.duration_ms, a.live_photo_video_id,
            e.city, e.country, e.latitude, e.longitude, e.projection_type,
            CASE WHEN ?5 THEN a.stack_id END,
            CASE WHEN ?5 AND a.stack_id IS NOT NULL THEN (SELECT count(*) FROM assets m
                WHERE m.stack_id = a.stack_id AND m.deleted_at IS NULL
                  AND m.visibility = 'timeline') END
         FROM assets a LEFT JOIN asset_exif e ON e.asset_id = a.id
         WHERE {scope_sql} AND {FILTERS} AND {STACKED}
           AND a.local_date_time >= ?6 AND a.local_date_time < ?7
         ORDER BY a.local_date_time {order}, a.id {order}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            scope_value,
            query.visibility.map(|v| v.as_str()),
            query.is_favorite,
            query.trashed,
            query.with_stacked,
            month,
            next
        ],
        |r| {
            Ok(TimelineAsset {
                id: r.get(0)?,
                owner_id: r.get(1)?,
                is_image: r.get(2)?,
                width: r.get(3)?,
                height: r.get(4)?,
                is_favorite: r.get(5)?,
                is_trashed: r.get(6)?,
                visibility: r.get(7)?,
                file_created_at: r.get(8)?,
                created_at: r.get(9)?,
                local_offset_hours: r.get(10)?,
                thumbhash: r.get(11)?,
                duration_ms: r.get(12)?,
                live_photo_video_id: r.get(13)?,
                city: r.get(14)?,
                country: r.get(15)?,
                latitude: r.get(16)?,
                longitude: r.get(17)?,
                projection_type: r.get(18)?,
                stack: match (
                    r.get::<_, Option<String>>(19)?,
                    r.get::<_, Option<i64>>(20)?,
                ) {
                    (Some(id), Some(count)) => Some((id, count)),
                    _ => None,
                },
            })
        },
    )?;
    rows.collect()
}

#[async_trait]
impl TimelineRepo for SqliteCatalog {
    async fn timeline_buckets(&self, query: &TimelineQuery) -> CatalogResult<Vec<(String, i64)>> {
        let query = query.clone();
        self.read(move |conn| buckets(conn, &query)).await
    }

    async fn timeline_bucket(
        &self,
        query: &TimelineQuery,
        month: &str,
    ) -> CatalogResult<Vec<TimelineAsset>> {
        let (query, month) = (query.clone(), month.to_string());
        self.read(move |conn| bucket(conn, &query, &month)).await
    }

    async fn map_markers(&self, query: &MapMarkerQuery) -> CatalogResult<Vec<MapMarker>> {
        let query = query.clone();
        self.read(move |conn| map_markers(conn, &query)).await
    }
}

fn map_markers(conn: &Connection, q: &MapMarkerQuery) -> rusqlite::Result<Vec<MapMarker>> {
    let owners = serde_json::to_string(
        &q.owner_ids
            .iter()
            .map(|u| u.to_string())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, e.latitude, e.longitude, e.city, e.state, e.country
         FROM assets a JOIN asset_exif e ON e.asset_id = a.id
         WHERE e.latitude IS NOT NULL AND e.longitude IS NOT NULL AND a.deleted_at IS NULL
           AND (a.visibility = 'timeline'
                OR (?3 AND a.visibility = 'archive' AND a.owner_id = ?1))
           AND (?4 IS NULL OR a.is_favorite = ?4)
           AND (?5 IS NULL OR a.file_created_at >= ?5)
           AND (?6 IS NULL OR a.file_created_at <= ?6)
           AND (a.owner_id IN (SELECT value FROM json_each(?2))
                OR (?7 AND EXISTS (SELECT 1 FROM album_assets aa
                    WHERE aa.asset_id = a.id AND aa.album_id IN (
                        SELECT id FROM albums WHERE owner_id = ?1
                        UNION SELECT album_id FROM album_users WHERE user_id = ?1))))
         ORDER BY a.file_created_at DESC",
    )?;
    let rows = stmt.query_map(
        params![
            q.user_id.to_string(),
            owners,
            q.with_archived,
            q.is_favorite,
            q.created_after.as_ref().map(super::ts),
            q.created_before.as_ref().map(super::ts),
            q.with_shared_albums,
        ],
        |r| {
            Ok(MapMarker {
                id: super::parse_uuid(&r.get::<_, String>(0)?)?,
                latitude: r.get(1)?,
                longitude: r.get(2)?,
                city: r.get(3)?,
                state: r.get(4)?,
                country: r.get(5)?,
            })
        },
    )?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::next_month;

    #[test]
    fn months_roll_over() {
        assert_eq!(next_month("2024-05").as_deref(), Some("2024-06"));
        assert_eq!(next_month("2024-12").as_deref(), Some("2025-01"));
        assert_eq!(next_month("2024-13"), None);
        assert_eq!(next_month("nonsense"), None);
    }
}
