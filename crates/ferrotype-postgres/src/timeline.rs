//! The timeline's reads: month buckets from the counts the trigger keeps (`timeline_counts`),
//! or, inside an album or tag, counted from the assets; and one month's assets through the
//! `(owner_id, local_date_time)` index.

use async_trait::async_trait;
use ferrotype_core::catalog::CatalogResult;
use ferrotype_core::catalog::TimelineRepo;
use ferrotype_core::model::{
    MapMarker, MapMarkerQuery, TimelineAsset, TimelineQuery, TimelineScope,
};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::{PgCatalog, map_error};

/// The filters every read shares, on `assets a`: $2 visibility (NULL: timeline and archive),
/// $3 favourite (NULL: any), $4 trashed.
const FILTERS: &str = "(CASE WHEN $2::text IS NULL THEN a.visibility IN ('timeline', 'archive')
        ELSE a.visibility = $2 END)
    AND ($3::boolean IS NULL OR a.is_favorite = $3)
    AND ((a.deleted_at IS NOT NULL) = $4)";

/// With stacks shown once ($5), an asset of a stack only when it is the primary (Immich's
/// `withStacked`).
const STACKED: &str = "(NOT $5 OR a.stack_id IS NULL OR EXISTS (
        SELECT 1 FROM stacks s WHERE s.id = a.stack_id AND s.primary_asset_id = a.id))";

/// Which assets, on `assets a`, with $1 as the owners or the album or tag id.
fn scope(query: &TimelineQuery) -> (&'static str, Vec<Uuid>) {
    match query.within {
        Some(TimelineScope::Album(id)) => (
            "a.id IN (SELECT asset_id FROM album_assets WHERE album_id = ANY($1))",
            vec![id],
        ),
        Some(TimelineScope::Tag(id)) => (
            // The tag's assets and those of every tag below it, as Immich's closure table.
            "a.id IN (SELECT asset_id FROM asset_tags WHERE tag_id IN (
                WITH RECURSIVE subtree(id) AS (
                    SELECT unnest($1::uuid[])
                    UNION SELECT t.id FROM tags t JOIN subtree ON t.parent_id = subtree.id)
                SELECT id FROM subtree))",
            vec![id],
        ),
        None => ("a.owner_id = ANY($1)", query.owner_ids.clone()),
    }
}

fn direction(query: &TimelineQuery) -> &'static str {
    if query.descending { "DESC" } else { "ASC" }
}

/// The first instant of `2024-05` and of the month after, as text PostgreSQL reads; `None` for
/// something that is not a month.
fn month_range(month: &str) -> Option<(String, String)> {
    let (year, m) = month.split_once('-')?;
    let (year, m): (i32, u32) = (year.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=9998).contains(&year) {
        return None;
    }
    let next = if m == 12 {
        format!("{:04}-01-01", year + 1)
    } else {
        format!("{year:04}-{:02}-01", m + 1)
    };
    Some((format!("{year:04}-{m:02}-01"), next))
}

#[async_trait]
impl TimelineRepo for PgCatalog {
    /// Months (`2024-05`) with how many assets each holds, in the query's order; empty months
    /// are left out.
    async fn timeline_buckets(&self, query: &TimelineQuery) -> CatalogResult<Vec<(String, i64)>> {
        let (scope_sql, scope_ids) = scope(query);
        let order = direction(query);
        let visibility = query.visibility.map(|v| v.as_str());
        let sql = if query.within.is_some() {
            format!(
                "SELECT to_char(a.local_date_time AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
                    count(*)
                 FROM assets a
                 WHERE {scope_sql} AND {FILTERS} AND {STACKED}
                 GROUP BY month ORDER BY month {order}"
            )
        } else {
            // The same filters, on the counts' columns; with stacks shown once, less the
            // stacks' other assets (few, found through the owners' stacks).
            format!(
                "SELECT month, sum(n)::bigint AS n FROM (
                    SELECT month, count::bigint AS n FROM timeline_counts
                    WHERE owner_id = ANY($1)
                      AND (CASE WHEN $2::text IS NULL THEN visibility IN ('timeline', 'archive')
                           ELSE visibility = $2 END)
                      AND ($3::boolean IS NULL OR favorite = $3)
                      AND trashed = $4
                    UNION ALL
                    SELECT to_char(a.local_date_time AT TIME ZONE 'UTC', 'YYYY-MM'), -count(*)
                    FROM stacks s
                    JOIN assets a ON a.stack_id = s.id AND a.id <> s.primary_asset_id
                    WHERE $5 AND s.owner_id = ANY($1) AND {FILTERS}
                    GROUP BY 1) t
                 GROUP BY month HAVING sum(n) > 0 ORDER BY month {order}"
            )
        };
        let conn = self.conn().await?;
        let params: [&(dyn ToSql + Sync); 5] = [
            &scope_ids,
            &visibility,
            &query.is_favorite,
            &query.trashed,
            &query.with_stacked,
        ];
        let rows = conn.query(&sql, &params).await.map_err(map_error)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The assets of one month (`2024-05`), in the query's order.
    async fn timeline_bucket(
        &self,
        query: &TimelineQuery,
        month: &str,
    ) -> CatalogResult<Vec<TimelineAsset>> {
        let Some((start, next)) = month_range(month) else {
            return Ok(Vec::new());
        };
        let (scope_sql, scope_ids) = scope(query);
        let order = direction(query);
        // Times as the SQLite catalog keeps them (RFC 3339, UTC, milliseconds), which the
        // timeline sends as they are.
        let time = |c: &str| {
            format!("to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
        };
        let sql = format!(
            "SELECT a.id::text, a.owner_id::text, a.type = 'IMAGE', a.width, a.height,
                a.is_favorite, a.deleted_at IS NOT NULL, a.visibility, {}, {},
                (round(extract(epoch FROM a.local_date_time - a.file_created_at) / 900) / 4)::float8,
                a.thumbhash, a.duration_ms, a.live_photo_video_id::text,
                e.city, e.country, e.latitude, e.longitude, e.projection_type,
                CASE WHEN $5 THEN a.stack_id::text END,
                CASE WHEN $5 AND a.stack_id IS NOT NULL THEN (SELECT count(*) FROM assets m
                    WHERE m.stack_id = a.stack_id AND m.deleted_at IS NULL
                      AND m.visibility = 'timeline') END
             FROM assets a LEFT JOIN asset_exif e ON e.asset_id = a.id
             WHERE {scope_sql} AND {FILTERS} AND {STACKED}
               AND a.local_date_time >= ($6::text)::timestamp AT TIME ZONE 'UTC'
               AND a.local_date_time < ($7::text)::timestamp AT TIME ZONE 'UTC'
             ORDER BY a.local_date_time {order}, a.id {order}",
            time("a.file_created_at"),
            time("a.created_at"),
        );
        let visibility = query.visibility.map(|v| v.as_str());
        let params: [&(dyn ToSql + Sync); 7] = [
            &scope_ids,
            &visibility,
            &query.is_favorite,
            &query.trashed,
            &query.with_stacked,
            &start,
            &next,
        ];
        let conn = self.conn().await?;
        let rows = conn.query(&sql, &params).await.map_err(map_error)?;
        Ok(rows
            .iter()
            .map(|r| TimelineAsset {
                id: r.get(0),
                owner_id: r.get(1),
                is_image: r.get(2),
                width: r.get(3),
                height: r.get(4),
                is_favorite: r.get(5),
                is_trashed: r.get(6),
                visibility: r.get(7),
                file_created_at: r.get(8),
                created_at: r.get(9),
                local_offset_hours: r.get(10),
                thumbhash: r.get(11),
                duration_ms: r.get(12),
                live_photo_video_id: r.get(13),
                city: r.get(14),
                country: r.get(15),
                latitude: r.get(16),
                longitude: r.get(17),
                projection_type: r.get(18),
                stack: match (r.get::<_, Option<String>>(19), r.get::<_, Option<i64>>(20)) {
                    (Some(id), Some(count)) => Some((id, count)),
                    _ => None,
                },
            })
            .collect())
    }

    /// The positions of the assets the query selects that have one, newest first: the
    /// owners' on the timeline (and the user's own archive when asked), and with
    /// `with_shared_albums` those in albums the user owns or is a member of.
    async fn map_markers(&self, q: &MapMarkerQuery) -> CatalogResult<Vec<MapMarker>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT a.id, e.latitude, e.longitude, e.city, e.state, e.country
                 FROM assets a JOIN asset_exif e ON e.asset_id = a.id
                 WHERE e.latitude IS NOT NULL AND e.longitude IS NOT NULL
                   AND a.deleted_at IS NULL
                   AND (a.visibility = 'timeline'
                        OR ($3 AND a.visibility = 'archive' AND a.owner_id = $1))
                   AND ($4::boolean IS NULL OR a.is_favorite = $4)
                   AND ($5::timestamptz IS NULL OR a.file_created_at >= $5)
                   AND ($6::timestamptz IS NULL OR a.file_created_at <= $6)
                   AND (a.owner_id = ANY($2)
                        OR ($7 AND EXISTS (SELECT 1 FROM album_assets aa
                            WHERE aa.asset_id = a.id AND aa.album_id IN (
                                SELECT id FROM albums WHERE owner_id = $1
                                UNION SELECT album_id FROM album_users WHERE user_id = $1))))
                 ORDER BY a.file_created_at DESC",
                &[
                    &q.user_id,
                    &q.owner_ids,
                    &q.with_archived,
                    &q.is_favorite,
                    &q.created_after,
                    &q.created_before,
                    &q.with_shared_albums,
                ],
            )
            .await
            .map_err(map_error)?;
        Ok(rows
            .iter()
            .map(|r| MapMarker {
                id: r.get(0),
                latitude: r.get(1),
                longitude: r.get(2),
                city: r.get(3),
                state: r.get(4),
                country: r.get(5),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::month_range;

    #[test]
    fn months_roll_over() {
        let range = |m| month_range(m).map(|(a, b)| format!("{a}..{b}"));
        assert_eq!(range("2024-05").as_deref(), Some("2024-05-01..2024-06-01"));
        assert_eq!(range("2024-12").as_deref(), Some("2024-12-01..2025-01-01"));
        assert_eq!(range("2024-13"), None);
        assert_eq!(range("nonsense"), None);
    }
}
