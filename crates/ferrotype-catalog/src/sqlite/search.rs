//! Search (migration 0017): one query per search, built from the filters it has. Text is found
//! through the FTS5 trigram index `asset_search` (any part of a file name or description, case
//! and accents ignored); terms shorter than a trigram are looked up by `LIKE`.

use async_trait::async_trait;
use ferrotype_core::catalog::{CatalogResult, SearchRepo};
use ferrotype_core::model::Asset;
use ferrotype_core::search::{
    AssetSearch, FieldIs, SearchOrder, SearchPage, SuggestionField, SuggestionFilter, TimeRange,
    VisibilitySearch,
};
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use uuid::Uuid;

use super::assets::{ASSET_COLUMN_COUNT, ASSET_COLUMNS, asset_at};
use super::{SqliteCatalog, ts};

/// A `WHERE` clause under construction with its parameters, in order.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    params: Vec<Value>,
    /// Whether a clause reads `asset_exif e` (joined only then).
    uses_exif: bool,
    /// The clauses that look text up in the trigram index, by index in `clauses`, with their
    /// MATCH phrase (see `prefer_walk_for_common_terms`).
    text_lookups: Vec<(usize, String)>,
}

/// A term the index finds on this many assets or more is common: the first page is then found
/// faster by walking the assets in the page's order and checking each than by collecting every
/// match first and sorting them.
const COMMON_TERM_MATCHES: i64 = 2_000;

impl Conditions {
    fn push(&mut self, clause: impl Into<String>, params: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.into());
        self.params.extend(params);
    }

    /// `?, ?, ?` for `n` parameters.
    fn placeholders(n: usize) -> String {
        vec!["?"; n].join(", ")
    }

    fn range(&mut self, column: &str, range: &TimeRange) {
        if let Some(after) = range.after {
            self.push(format!("{column} >= ?"), [Value::Text(ts(&after))]);
        }
        if let Some(before) = range.before {
            self.push(format!("{column} <= ?"), [Value::Text(ts(&before))]);
        }
    }

    fn exif_text(&mut self, column: &str, filter: &Option<FieldIs<String>>) {
        match filter {
            None => {}
            Some(FieldIs::Empty) => {
                self.uses_exif = true;
                self.push(format!("e.{column} IS NULL"), []);
            }
            Some(FieldIs::Equal(value)) => {
                self.uses_exif = true;
                self.push(format!("e.{column} = ?"), [Value::Text(value.clone())]);
            }
        }
    }

    /// Any part of a file name or description: through the trigram index for three characters
    /// and more (a phrase of trigrams matches exactly where the text contains the term),
    /// else by `LIKE` over the column.
    fn contains(&mut self, fts_column: &str, like_column: &str, term: &str) {
        if term.chars().count() >= 3 {
            let phrase = format!("{fts_column} : \"{}\"", term.replace('"', "\"\""));
            self.text_lookups.push((self.clauses.len(), phrase.clone()));
            self.push(
                "a.id IN (SELECT t.asset_id FROM asset_search s \
                 JOIN asset_search_text t ON t.id = s.rowid WHERE asset_search MATCH ?)",
                [Value::Text(phrase)],
            );
        } else {
            let escaped = term
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            self.push(
                format!("{like_column} LIKE ? ESCAPE '\\'"),
                [Value::Text(format!("%{escaped}%"))],
            );
        }
    }

    fn of(search: &AssetSearch) -> Conditions {
        let mut c = Conditions::default();
        if search.unsatisfiable {
            c.push("0", []);
        }
        if !search.owners.is_empty() {
            c.push(
                format!(
                    "a.owner_id IN ({})",
                    Self::placeholders(search.owners.len())
                ),
                search.owners.iter().map(|id| Value::Text(id.to_string())),
            );
        }
        for album in &search.album_ids {
            c.push(
                "EXISTS (SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id AND aa.album_id = ?)",
                [Value::Text(album.to_string())],
            );
        }
        if search.not_in_album && search.album_ids.is_empty() {
            c.push(
                "NOT EXISTS (SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id)",
                [],
            );
        }
        match search.visibility {
            VisibilitySearch::Any => {}
            VisibilitySearch::NotLocked => c.push("a.visibility != 'locked'", []),
            VisibilitySearch::Only(v) => {
                c.push("a.visibility = ?", [Value::Text(v.as_str().into())])
            }
        }
        if !search.with_deleted && search.trashed.is_open() {
            c.push("a.deleted_at IS NULL", []);
        }
        if let Some(id) = search.id {
            c.push("a.id = ?", [Value::Text(id.to_string())]);
        }
        if let Some(checksum) = &search.checksum {
            c.push("a.checksum = ?", [Value::Blob(checksum.clone())]);
        }
        if let Some(t) = search.asset_type {
            c.push("a.type = ?", [Value::Text(t.as_str().into())]);
        }
        // A literal, so that the partial index of favourites can serve `= 1`.
        match search.is_favorite {
            Some(true) => c.push("a.is_favorite = 1", []),
            Some(false) => c.push("a.is_favorite = 0", []),
            None => {}
        }
        match search.is_motion {
            Some(true) => c.push("a.live_photo_video_id IS NOT NULL", []),
            Some(false) => c.push("a.live_photo_video_id IS NULL", []),
            None => {}
        }
        c.range("a.file_created_at", &search.taken);
        c.range("a.created_at", &search.created);
        c.range("a.updated_at", &search.updated);
        c.range("a.deleted_at", &search.trashed);
        if let Some(term) = &search.file_name {
            c.contains("file_name", "a.original_file_name", term);
        }
        if let Some(term) = &search.description {
            c.contains(
                "description",
                "(SELECT t.description FROM asset_search_text t WHERE t.asset_id = a.id)",
                term,
            );
        }
        if let Some(term) = &search.original_path {
            let escaped = term
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            c.push(
                "a.original_path LIKE ? ESCAPE '\\'",
                [Value::Text(format!("%{escaped}%"))],
            );
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
                c.push("e.rating IS NULL", []);
            }
            Some(FieldIs::Equal(rating)) => {
                c.uses_exif = true;
                c.push("e.rating = ?", [Value::Integer(*rating)]);
            }
        }
        match &search.tag_ids {
            None => {}
            Some(FieldIs::Empty) => c.push(
                "NOT EXISTS (SELECT 1 FROM asset_tags x WHERE x.asset_id = a.id)",
                [],
            ),
            Some(FieldIs::Equal(tags)) => {
                for tag in tags {
                    // The tag itself or any tag below it (`Parent/Child` under `Parent`).
                    c.push(
                        "EXISTS (SELECT 1 FROM asset_tags x JOIN tags t ON t.id = x.tag_id \
                         JOIN tags p ON p.id = ? AND p.user_id = t.user_id \
                         WHERE x.asset_id = a.id AND (t.id = p.id \
                         OR substr(t.value, 1, length(p.value) + 1) = p.value || '/'))",
                        [Value::Text(tag.to_string())],
                    );
                }
            }
        }
        for person in &search.person_ids {
            c.push(
                "EXISTS (SELECT 1 FROM asset_faces f WHERE f.asset_id = a.id \
                 AND f.person_id = ? AND f.deleted_at IS NULL AND f.is_visible)",
                [Value::Text(person.to_string())],
            );
        }
        if let Some(min) = search.min_file_size {
            c.push("a.file_size > ?", [Value::Integer(min)]);
        }
        c
    }

    /// For a page of results: a text clause whose term is common becomes a check of each asset
    /// (its text row by `asset_id`, then the index at that rowid: FTS5 seeks a MATCH bounded by
    /// a rowid instead of reading the whole match list), so the query walks the assets in the
    /// page's order and stops when the page is full. "img" over 100,000 file names all holding
    /// it: 449 ms by collecting, a few ms by walking. A rare term keeps the collecting form,
    /// which reads only its few matches.
    fn prefer_walk_for_common_terms(
        &mut self,
        conn: &rusqlite::Connection,
    ) -> rusqlite::Result<()> {
        for (index, phrase) in &self.text_lookups {
            let matches: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM asset_search
                     WHERE asset_search MATCH ?1 LIMIT ?2)",
                )?
                .query_row(rusqlite::params![phrase, COMMON_TERM_MATCHES], |r| r.get(0))?;
            if matches >= COMMON_TERM_MATCHES {
                self.clauses[*index] = "EXISTS (SELECT 1 FROM asset_search_text t \
                     JOIN asset_search s ON s.rowid = t.id \
                     WHERE t.asset_id = a.id AND asset_search MATCH ?)"
                    .to_string();
            }
        }
        Ok(())
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
impl SearchRepo for SqliteCatalog {
    async fn search_assets(
        &self,
        search: &AssetSearch,
        order: SearchOrder,
        page: SearchPage,
    ) -> CatalogResult<Vec<Asset>> {
        let mut c = Conditions::of(search);
        self.read(move |conn| {
            if order != SearchOrder::Random {
                c.prefer_walk_for_common_terms(conn)?;
            }
            let sql = format!(
                "SELECT {ASSET_COLUMNS} {} ORDER BY {} LIMIT {} OFFSET {}",
                c.tables_and_conditions(),
                order_by(order),
                page.limit,
                page.offset
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(c.params.iter()), asset_at)?;
            rows.collect()
        })
        .await
    }

    async fn count_search(&self, search: &AssetSearch) -> CatalogResult<i64> {
        let c = Conditions::of(search);
        self.read(move |conn| {
            conn.prepare_cached(&format!("SELECT count(*) {}", c.tables_and_conditions()))?
                .query_row(params_from_iter(c.params.iter()), |r| r.get(0))
        })
        .await
    }

    async fn suggestions(
        &self,
        owners: &[Uuid],
        field: SuggestionField,
        filter: &SuggestionFilter,
    ) -> CatalogResult<Vec<String>> {
        let column = suggestion_column(field);
        let narrowing = filter.narrowing(field);
        let mut params: Vec<Value> = owners.iter().map(|o| Value::Text(o.to_string())).collect();
        let mut sql = format!(
            "SELECT DISTINCT e.{column} FROM asset_exif e JOIN assets a ON a.id = e.asset_id \
             WHERE a.owner_id IN ({}) AND a.visibility = 'timeline' AND a.deleted_at IS NULL \
             AND e.{column} IS NOT NULL AND e.{column} != ''",
            Conditions::placeholders(owners.len())
        );
        for (narrow, value) in narrowing {
            sql.push_str(&format!(" AND e.{} = ?", suggestion_column(narrow)));
            params.push(Value::Text(value));
        }
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(params.iter()), |r| r.get(0))?;
            rows.collect()
        })
        .await
    }

    async fn assets_by_city(
        &self,
        owners: &[Uuid],
        min_assets: i64,
        limit: u64,
    ) -> CatalogResult<Vec<(String, Asset)>> {
        let mut params: Vec<Value> = owners.iter().map(|o| Value::Text(o.to_string())).collect();
        params.push(Value::Integer(min_assets));
        // A bare column in an aggregate with max() comes from the row holding the maximum:
        // each city's newest photo.
        let sql = format!(
            "SELECT {ASSET_COLUMNS}, e.city, max(a.file_created_at) \
             FROM assets a JOIN asset_exif e ON e.asset_id = a.id \
             WHERE a.owner_id IN ({}) AND a.visibility = 'timeline' AND a.type = 'IMAGE' \
             AND a.deleted_at IS NULL AND e.city IS NOT NULL AND e.city != '' \
             GROUP BY e.city HAVING count(*) >= ? ORDER BY e.city LIMIT {}",
            Conditions::placeholders(owners.len()),
            limit.min(i64::MAX as u64)
        );
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(params.iter()), |r| {
                Ok((r.get(ASSET_COLUMN_COUNT)?, asset_at(r)?))
            })?;
            rows.collect()
        })
        .await
    }

    async fn folders(&self, owner: Uuid) -> CatalogResult<Vec<String>> {
        self.read(move |conn| {
            // rtrim(path, <the path's characters but '/'>) keeps the path up to its last '/'.
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT rtrim(original_path, replace(original_path, '/', '')) AS folder
                 FROM assets WHERE owner_id = ?1 AND visibility = 'timeline'
                 AND deleted_at IS NULL ORDER BY folder",
            )?;
            let rows = stmt.query_map([owner.to_string()], |r| {
                let folder: String = r.get(0)?;
                Ok(folder.trim_end_matches('/').to_string())
            })?;
            rows.collect()
        })
        .await
    }

    async fn folder_assets(&self, owner: Uuid, folder: &str) -> CatalogResult<Vec<Asset>> {
        let prefix = format!("{}/", folder.trim_end_matches('/'));
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ASSET_COLUMNS} FROM assets a
                 WHERE a.owner_id = ?1 AND a.visibility = 'timeline' AND a.deleted_at IS NULL
                 AND substr(a.original_path, 1, length(?2)) = ?2
                 AND instr(substr(a.original_path, length(?2) + 1), '/') = 0
                 ORDER BY substr(a.original_path, length(?2) + 1), a.id"
            ))?;
            let rows = stmt.query_map(params_from_iter([owner.to_string(), prefix]), asset_at)?;
            rows.collect()
        })
        .await
    }
}
