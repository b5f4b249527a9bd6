//! Search (migration 0005): one query per search, built from the filters it has. Text is found
//! through pg_trgm's GIN indexes over the unaccented file name and description.

use async_trait::async_trait;
use ferrotype_core::catalog::{CatalogResult, SearchRepo};
use ferrotype_core::model::Asset;
use ferrotype_core::search::{
    AssetSearch, FieldIs, SearchOrder, SearchPage, SuggestionField, SuggestionFilter, TimeRange,
    VisibilitySearch,
};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::assets::{ASSET_COLUMN_COUNT, ASSET_COLUMNS, asset_at};
use crate::{PgCatalog, map_error};

type Param = Box<dyn ToSql + Sync + Send>;

/// A `WHERE` clause under construction with its parameters, numbered in order.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    params: Vec<Param>,
    /// Whether a clause reads `asset_exif e` (joined only then).
    uses_exif: bool,
}

/// `term` as a `LIKE` pattern matching it anywhere.
fn anywhere(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Conditions {
    /// The placeholder of a new parameter.
    fn param(&mut self, value: Param) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    fn range(&mut self, column: &str, range: &TimeRange) {
        if let Some(after) = range.after {
            let p = self.param(Box::new(after));
            self.clauses.push(format!("{column} >= {p}"));
        }
        if let Some(before) = range.before {
            let p = self.param(Box::new(before));
            self.clauses.push(format!("{column} <= {p}"));
        }
    }

    fn exif_text(&mut self, column: &str, filter: &Option<FieldIs<String>>) {
        match filter {
            None => {}
            Some(FieldIs::Empty) => {
                self.uses_exif = true;
                self.clauses.push(format!("e.{column} IS NULL"));
            }
            Some(FieldIs::Equal(value)) => {
                self.uses_exif = true;
                let p = self.param(Box::new(value.clone()));
                self.clauses.push(format!("e.{column} = {p}"));
            }
        }
    }

    /// Any part of `column`, ignoring case and accents (the trigram index's expression).
    fn contains(&mut self, column: &str, term: &str) {
        let p = self.param(Box::new(anywhere(term)));
        self.clauses.push(format!(
            "ferrotype_unaccent({column}) ILIKE ferrotype_unaccent({p})"
        ));
    }

    fn of(search: &AssetSearch) -> Conditions {
        let mut c = Conditions::default();
        if search.unsatisfiable {
            c.clauses.push("false".into());
        }
        if !search.owners.is_empty() {
            let p = c.param(Box::new(search.owners.clone()));
            c.clauses.push(format!("a.owner_id = ANY({p})"));
        }
        for album in &search.album_ids {
            let p = c.param(Box::new(*album));
            c.clauses.push(format!(
                "EXISTS (SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id AND aa.album_id = {p})"
            ));
        }
        if search.not_in_album && search.album_ids.is_empty() {
            c.clauses
                .push("NOT EXISTS (SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id)".into());
        }
        match search.visibility {
            VisibilitySearch::Any => {}
            VisibilitySearch::NotLocked => c.clauses.push("a.visibility <> 'locked'".into()),
            VisibilitySearch::Only(v) => {
                let p = c.param(Box::new(v.as_str()));
                c.clauses.push(format!("a.visibility = {p}"));
            }
        }
        if !search.with_deleted && search.trashed.is_open() {
            c.clauses.push("a.deleted_at IS NULL".into());
        }
        if let Some(id) = search.id {
            let p = c.param(Box::new(id));
            c.clauses.push(format!("a.id = {p}"));
        }
        if let Some(checksum) = &search.checksum {
            let p = c.param(Box::new(checksum.clone()));
            c.clauses.push(format!("a.checksum = {p}"));
        }
        if let Some(t) = search.asset_type {
            let p = c.param(Box::new(t.as_str()));
            c.clauses.push(format!("a.type = {p}"));
        }
        // A literal, so that the partial index of favourites can serve it.
        match search.is_favorite {
            Some(true) => c.clauses.push("a.is_favorite".into()),
            Some(false) => c.clauses.push("NOT a.is_favorite".into()),
            None => {}
        }
        match search.is_motion {
            Some(true) => c.clauses.push("a.live_photo_video_id IS NOT NULL".into()),
            Some(false) => c.clauses.push("a.live_photo_video_id IS NULL".into()),
            None => {}
        }
        c.range("a.file_created_at", &search.taken);
        c.range("a.created_at", &search.created);
        c.range("a.updated_at", &search.updated);
        c.range("a.deleted_at", &search.trashed);
        if let Some(term) = &search.file_name {
            c.contains("a.original_file_name", term);
        }
        if let Some(term) = &search.description {
            c.uses_exif = true;
            c.contains("e.description", term);
        }
        if let Some(term) = &search.original_path {
            let p = c.param(Box::new(anywhere(term)));
            c.clauses.push(format!("a.original_path ILIKE {p}"));
        }
        c.exif_text("make", &search.make);
        c.exif_text("model", &search.model);
        c.exif_text("lens_model", &search.lens_model);
        c.exif_text("city", &search.city);
        c.exif_text("state", &search.state);
        c.exif_text("country", &search.country);
        match &search.rating {
            None => {}
            Some(FieldIs::Empty) => {
                c.uses_exif = true;
                c.clauses.push("e.rating IS NULL".into());
            }
            Some(FieldIs::Equal(rating)) => {
                c.uses_exif = true;
                let p = c.param(Box::new(*rating));
                c.clauses.push(format!("e.rating = {p}"));
            }
        }
        match &search.tag_ids {
            None => {}
            Some(FieldIs::Empty) => c
                .clauses
                .push("NOT EXISTS (SELECT 1 FROM asset_tags x WHERE x.asset_id = a.id)".into()),
            Some(FieldIs::Equal(tags)) => {
                for tag in tags {
                    // The tag itself or any tag below it (`Parent/Child` under `Parent`).
                    let p = c.param(Box::new(*tag));
                    c.clauses.push(format!(
                        "EXISTS (SELECT 1 FROM asset_tags x JOIN tags t ON t.id = x.tag_id \
                         JOIN tags p ON p.id = {p} AND p.user_id = t.user_id \
                         WHERE x.asset_id = a.id AND (t.id = p.id \
                         OR left(t.value, length(p.value) + 1) = p.value || '/'))"
                    ));
                }
            }
        }
        for person in &search.person_ids {
            let p = c.param(Box::new(*person));
            c.clauses.push(format!(
                "EXISTS (SELECT 1 FROM asset_faces f WHERE f.asset_id = a.id \
                 AND f.person_id = {p} AND f.deleted_at IS NULL AND f.is_visible)"
            ));
        }
        if let Some(min) = search.min_file_size {
            let p = c.param(Box::new(min));
            c.clauses.push(format!("a.file_size > {p}"));
        }
        c
    }

    fn tables_and_conditions(&self) -> String {
        let join = if self.uses_exif {
            " JOIN asset_exif e ON e.asset_id = a.id"
        } else {
            ""
        };
        let mut sql = format!("FROM assets a{join}");
        if !self.clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&self.clauses.join(" AND "));
        }
        sql
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

fn order_by(order: SearchOrder) -> &'static str {
    match order {
        SearchOrder::NewestFirst => "a.file_created_at DESC, a.id DESC",
        SearchOrder::OldestFirst => "a.file_created_at ASC, a.id ASC",
        SearchOrder::RecentlyAdded => "a.created_at DESC, a.id DESC",
        SearchOrder::LargestFirst => "a.file_size DESC, a.id DESC",
        SearchOrder::Random => "random()",
    }
}

fn suggestion_column(field: SuggestionField) -> &'static str {
    match field {
        SuggestionField::Country => "country",
        SuggestionField::State => "state",
        SuggestionField::City => "city",
        SuggestionField::Make => "make",
        SuggestionField::Model => "model",
        SuggestionField::LensModel => "lens_model",
    }
}

#[async_trait]
impl SearchRepo for PgCatalog {
    async fn search_assets(
        &self,
        search: &AssetSearch,
        order: SearchOrder,
        page: SearchPage,
    ) -> CatalogResult<Vec<Asset>> {
        let c = Conditions::of(search);
        let sql = format!(
            "SELECT {ASSET_COLUMNS} {} ORDER BY {} LIMIT {} OFFSET {}",
            c.tables_and_conditions(),
            order_by(order),
            page.limit,
            page.offset
        );
        let conn = self.conn().await?;
        let rows = conn.query(&sql, &c.refs()).await.map_err(map_error)?;
        rows.iter().map(asset_at).collect()
    }

    async fn count_search(&self, search: &AssetSearch) -> CatalogResult<i64> {
        let c = Conditions::of(search);
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                &format!("SELECT count(*) {}", c.tables_and_conditions()),
                &c.refs(),
            )
            .await
            .map_err(map_error)?;
        Ok(row.get(0))
    }

    async fn suggestions(
        &self,
        owners: &[Uuid],
        field: SuggestionField,
        filter: &SuggestionFilter,
    ) -> CatalogResult<Vec<String>> {
        let column = suggestion_column(field);
        let mut c = Conditions::default();
        let p = c.param(Box::new(owners.to_vec()));
        let mut sql = format!(
            "SELECT DISTINCT e.{column} FROM asset_exif e JOIN assets a ON a.id = e.asset_id \
             WHERE a.owner_id = ANY({p}) AND a.visibility = 'timeline' AND a.deleted_at IS NULL \
             AND e.{column} IS NOT NULL AND e.{column} <> ''"
        );
        for (narrow, value) in filter.narrowing(field) {
            let p = c.param(Box::new(value));
            sql.push_str(&format!(" AND e.{} = {p}", suggestion_column(narrow)));
        }
        let conn = self.conn().await?;
        let rows = conn.query(&sql, &c.refs()).await.map_err(map_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn assets_by_city(
        &self,
        owners: &[Uuid],
        min_assets: i64,
        limit: u64,
    ) -> CatalogResult<Vec<(String, Asset)>> {
        // Each city's newest photo, for cities with enough of them.
        let sql = format!(
            "SELECT {ASSET_COLUMNS}, city FROM (
                SELECT DISTINCT ON (e.city) {ASSET_COLUMNS}, e.city,
                    count(*) OVER (PARTITION BY e.city) AS n
                FROM assets a JOIN asset_exif e ON e.asset_id = a.id
                WHERE a.owner_id = ANY($1) AND a.visibility = 'timeline' AND a.type = 'IMAGE'
                  AND a.deleted_at IS NULL AND e.city IS NOT NULL AND e.city <> ''
                ORDER BY e.city, a.file_created_at DESC, a.id DESC
             ) a WHERE n >= $2 ORDER BY city LIMIT {}",
            limit.min(i64::MAX as u64)
        );
        let owners = owners.to_vec();
        let params: [&(dyn ToSql + Sync); 2] = [&owners, &min_assets];
        let conn = self.conn().await?;
        let rows = conn.query(&sql, &params).await.map_err(map_error)?;
        rows.iter()
            .map(|r| Ok((r.get(ASSET_COLUMN_COUNT), asset_at(r)?)))
            .collect()
    }

    async fn folders(&self, owner: Uuid) -> CatalogResult<Vec<String>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT folder FROM (
                    SELECT DISTINCT regexp_replace(original_path, '/[^/]*$', '') AS folder
                    FROM assets WHERE owner_id = $1 AND visibility = 'timeline'
                    AND deleted_at IS NULL
                 ) f ORDER BY folder COLLATE \"C\"",
                &[&owner],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn folder_assets(&self, owner: Uuid, folder: &str) -> CatalogResult<Vec<Asset>> {
        let prefix = format!("{}/", folder.trim_end_matches('/'));
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {ASSET_COLUMNS} FROM assets a
                     WHERE a.owner_id = $1 AND a.visibility = 'timeline' AND a.deleted_at IS NULL
                     AND left(a.original_path, length($2)) = $2
                     AND strpos(substr(a.original_path, length($2) + 1), '/') = 0
                     ORDER BY substr(a.original_path, length($2) + 1) COLLATE \"C\", a.id"
                ),
                &[&owner, &prefix],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(asset_at).collect()
    }
}
