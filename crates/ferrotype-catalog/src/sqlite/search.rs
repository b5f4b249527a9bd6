//! Search (migrations 0017, 0026): one query per search, built from the filters it has. Text is
//! found through the FTS5 trigram index `asset_search` (any part of a file name or description,
//! case and accents ignored); terms shorter than a trigram are looked up by `LIKE`.
//!
//! What a page costs at a million assets decides where the query starts (its "driver"): the
//! timeline's index in the page's order (no filter, or filters most assets pass), a camera or
//! place filter's index in `asset_search_exif` (also in the page's order, so both stop when the
//! page is full), or a description or file name word's matches sorted by the time copied beside
//! them in `asset_search_text`, before any asset row is read.

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
    /// Whether a clause reads `asset_exif e` (joined only then: the rating).
    uses_exif: bool,
    /// The clauses that look text up in the trigram index: where (see `TextLookup`).
    text_lookups: Vec<TextLookup>,
    /// The camera and place filters, on `asset_search_exif x`: by index in `clauses`, with the
    /// column and the value (`None`: "has none"). When there are any, the query starts there.
    exif_lookups: Vec<(usize, &'static str, Option<String>)>,
    /// The owners' ids (the `a.owner_id IN` clause's values), for a driver that filters first.
    owners: Vec<Value>,
}

/// A trigram lookup's clause (by index in `clauses`), its parameter (by index in `params`) and
/// its MATCH phrase.
struct TextLookup {
    clause: usize,
    param: usize,
    phrase: String,
}

/// A term the index finds on fewer assets than this is rare: its matches are collected and the
/// assets they name read and sorted (each costs an asset row read by TEXT id, about 4 us).
const RARE_TERM_MATCHES: i64 = 2_000;

/// A term the index finds on this many assets or more is common: the first page is then found
/// faster by walking the assets in the page's order and checking each. Between the two, the
/// matches are sorted by the time copied beside their text (about 2 us each, no asset row read)
/// and only the page's assets are read: at a million assets with 10,000 matches, 20-30 ms where
/// collecting took 50 and walking 190 (when the matches are old, the walk reads many assets).
const COMMON_TERM_MATCHES: i64 = 20_000;

/// Counting a camera or place filter's matches (to start from the rarest) stops here.
const EXIF_COUNT_CAP: i64 = 100_000;

/// Where a query starts (see the module's comment).
enum Driver {
    Timeline,
    SearchExif,
    /// The text lookup (by index in `text_lookups`) whose matches are sorted first.
    SortedText(usize),
}

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

    /// A camera or place filter, on the search's copy of the EXIF columns.
    fn exif_text(&mut self, column: &'static str, filter: &Option<FieldIs<String>>) {
        let value = match filter {
            None => return,
            Some(FieldIs::Empty) => None,
            Some(FieldIs::Equal(value)) => Some(value.clone()),
        };
        self.exif_lookups
            .push((self.clauses.len(), column, value.clone()));
        match value {
            None => self.push(format!("x.{column} IS NULL"), []),
            Some(value) => self.push(format!("x.{column} = ?"), [Value::Text(value)]),
        }
    }

    /// Any part of a file name or description: through the trigram index for three characters
    /// and more (a phrase of trigrams matches exactly where the text contains the term),
    /// else by `LIKE` over the column.
    fn contains(&mut self, fts_column: &str, like_column: &str, term: &str) {
        if term.chars().count() >= 3 {
            let phrase = format!("{fts_column} : \"{}\"", term.replace('"', "\"\""));
            self.text_lookups.push(TextLookup {
                clause: self.clauses.len(),
                param: self.params.len(),
                phrase: phrase.clone(),
            });
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
        c.owners = search
            .owners
            .iter()
            .map(|id| Value::Text(id.to_string()))
            .collect();
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
        if !c.exif_lookups.is_empty() {
            // The owners and the time range again on the copy, so that the filter's index
            // (value, owner, taken) gives the page's order and serves the range.
            if !c.owners.is_empty() {
                let owners = c.owners.clone();
                c.push(
                    format!("x.owner_id IN ({})", Self::placeholders(owners.len())),
                    owners,
                );
            }
            c.range("x.taken", &search.taken);
        }
        c
    }

    /// With several camera and place filters, the query starts from the index of the one with
    /// the fewest matches (counted up to `EXIF_COUNT_CAP` through each index): the others are
    /// checked on the rows it gives (`+` keeps SQLite from using their index). Its statistics
    /// (sampled) took camera make (1 in 5) over a city (1 in 200): 40 ms instead of 2.
    fn start_from_rarest_exif(&mut self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        if self.exif_lookups.len() < 2 {
            return Ok(());
        }
        let mut counts = Vec::with_capacity(self.exif_lookups.len());
        for (_, column, value) in &self.exif_lookups {
            let test = match value {
                Some(_) => "= ?1",
                None => "IS NULL",
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM asset_search_exif
                 WHERE {column} {test} LIMIT {EXIF_COUNT_CAP})"
            ))?;
            let count: i64 = match value {
                Some(value) => stmt.query_row([value], |r| r.get(0))?,
                None => stmt.query_row([], |r| r.get(0))?,
            };
            counts.push(count);
        }
        let rarest = (0..counts.len()).min_by_key(|&i| counts[i]).unwrap_or(0);
        for (i, (clause, _, _)) in self.exif_lookups.iter().enumerate() {
            if i != rarest {
                self.clauses[*clause] = format!("+{}", self.clauses[*clause]);
            }
        }
        Ok(())
    }

    /// For a page in time order: where the query starts. A camera or place filter's index
    /// first; else a text lookup with a middling number of matches (see `COMMON_TERM_MATCHES`);
    /// else the timeline. A text clause whose term is common becomes a check of each asset
    /// (its text row by `asset_id`, then the index at that rowid: FTS5 seeks a MATCH bounded by
    /// a rowid instead of reading the whole match list), so the walk stops when the page is
    /// full. "img" over 100,000 file names all holding it: 449 ms by collecting, a few ms by
    /// walking. A rare term keeps the collecting form, which reads only its few matches.
    fn choose_driver(
        &mut self,
        conn: &rusqlite::Connection,
        in_time_order: bool,
    ) -> rusqlite::Result<Driver> {
        let mut driver = if self.exif_lookups.is_empty() {
            Driver::Timeline
        } else {
            Driver::SearchExif
        };
        for (index, lookup) in self.text_lookups.iter().enumerate() {
            let matches: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM asset_search
                     WHERE asset_search MATCH ?1 LIMIT ?2)",
                )?
                .query_row(rusqlite::params![lookup.phrase, COMMON_TERM_MATCHES], |r| {
                    r.get(0)
                })?;
            if matches >= COMMON_TERM_MATCHES {
                self.clauses[lookup.clause] = "EXISTS (SELECT 1 FROM asset_search_text t \
                     JOIN asset_search s ON s.rowid = t.id \
                     WHERE t.asset_id = a.id AND asset_search MATCH ?)"
                    .to_string();
            } else if matches >= RARE_TERM_MATCHES
                && in_time_order
                && matches!(driver, Driver::Timeline)
            {
                driver = Driver::SortedText(index);
            }
        }
        if let Driver::SortedText(index) = driver {
            // The lookup moves into the driver's subquery, ahead of the other parameters.
            let lookup = &self.text_lookups[index];
            self.clauses[lookup.clause] = "1".to_string();
            self.params.remove(lookup.param);
        }
        Ok(driver)
    }

    /// The FROM clause for `driver` (its parameters first), then the conditions.
    fn tables_and_conditions(&self, driver: &Driver, order: SearchOrder) -> (String, Vec<Value>) {
        let mut params = Vec::new();
        let mut sql = match driver {
            Driver::Timeline => "FROM assets a".to_string(),
            Driver::SearchExif => {
                "FROM asset_search_exif x CROSS JOIN assets a ON a.id = x.asset_id".to_string()
            }
            Driver::SortedText(index) => {
                params.push(Value::Text(self.text_lookups[*index].phrase.clone()));
                let owners = if self.owners.is_empty() {
                    String::new()
                } else {
                    params.extend(self.owners.iter().cloned());
                    format!(
                        " AND t.owner_id IN ({})",
                        Self::placeholders(self.owners.len())
                    )
                };
                // LIMIT -1 (none) keeps SQLite from merging the subquery into the join: it runs
                // first, sorted, and the outer query reads its rows in that order, stopping when
                // the page is full.
                format!(
                    "FROM (SELECT t.asset_id, t.taken FROM asset_search s \
                     JOIN asset_search_text t ON t.id = s.rowid \
                     WHERE asset_search MATCH ?{owners} ORDER BY {} LIMIT -1) c \
                     CROSS JOIN assets a ON a.id = c.asset_id",
                    order_by(order, "t.taken", "t.asset_id")
                )
            }
        };
        if self.uses_exif {
            sql.push_str(" JOIN asset_exif e ON e.asset_id = a.id");
        }
        if !self.clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&self.clauses.join(" AND "));
        }
        params.extend(self.params.iter().cloned());
        (sql, params)
    }
}

/// `ORDER BY` for `order`, with the time taken and the id in the columns given (the asset's, or
/// the copies beside a driver's rows, which hold the same values).
fn order_by(order: SearchOrder, taken: &str, id: &str) -> String {
    match order {
        SearchOrder::NewestFirst => format!("{taken} DESC, {id} DESC"),
        SearchOrder::OldestFirst => format!("{taken} ASC, {id} ASC"),
        SearchOrder::RecentlyAdded => "a.created_at DESC, a.id DESC".to_string(),
        SearchOrder::LargestFirst => "a.file_size DESC, a.id DESC".to_string(),
        SearchOrder::Random => "random()".to_string(),
    }
}

/// The columns a driver's rows carry the time taken and the id in.
fn order_columns(driver: &Driver) -> (&'static str, &'static str) {
    match driver {
        Driver::Timeline => ("a.file_created_at", "a.id"),
        Driver::SearchExif => ("x.taken", "x.asset_id"),
        Driver::SortedText(_) => ("c.taken", "c.asset_id"),
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
            c.start_from_rarest_exif(conn)?;
            let in_time_order =
                matches!(order, SearchOrder::NewestFirst | SearchOrder::OldestFirst);
            let driver = if order == SearchOrder::Random {
                if c.exif_lookups.is_empty() {
                    Driver::Timeline
                } else {
                    Driver::SearchExif
                }
            } else {
                c.choose_driver(conn, in_time_order)?
            };
            let (tables, params) = c.tables_and_conditions(&driver, order);
            let (taken, id) = order_columns(&driver);
            let sql = format!(
                "SELECT {ASSET_COLUMNS} {tables} ORDER BY {} LIMIT {} OFFSET {}",
                order_by(order, taken, id),
                page.limit,
                page.offset
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(params.iter()), asset_at)?;
            rows.collect()
        })
        .await
    }

    async fn count_search(&self, search: &AssetSearch) -> CatalogResult<i64> {
        let mut c = Conditions::of(search);
        self.read(move |conn| {
            c.start_from_rarest_exif(conn)?;
            let driver = if c.exif_lookups.is_empty() {
                Driver::Timeline
            } else {
                Driver::SearchExif
            };
            let (tables, params) = c.tables_and_conditions(&driver, SearchOrder::NewestFirst);
            conn.prepare_cached(&format!("SELECT count(*) {tables}"))?
                .query_row(params_from_iter(params.iter()), |r| r.get(0))
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

#[cfg(test)]
mod tests {
    use super::*;
    use ferrotype_core::search::{FieldIs, TimeRange};

    /// 3,000 assets of one owner (and 300 of another): descriptions holding "sunset" on 2,250
    /// (enough for the sorted-text driver), five makes, seven cities, every tenth trashed.
    fn library() -> (tempfile::TempDir, SqliteCatalog, Uuid) {
        let dir = tempfile::tempdir().unwrap();
        let catalog = SqliteCatalog::open(&dir.path().join("search.db")).unwrap();
        let owner = Uuid::now_v7();
        let other = Uuid::now_v7();
        let conn = super::super::lock(&catalog.inner.writer);
        conn.execute_batch(&format!(
            "INSERT INTO users (id, email, name, avatar_color, profile_changed_at, created_at,
                updated_at)
             VALUES ('{owner}', 'o@x', 'o', 'primary', 't', 't', 't'),
                ('{other}', 'w@x', 'w', 'primary', 't', 't', 't');
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 3299)
             INSERT INTO assets (id, owner_id, type, original_path, original_file_name,
                checksum, file_size, file_created_at, file_modified_at, local_date_time,
                created_at, updated_at, deleted_at)
             SELECT printf('00000000-0000-4000-8000-%012d', i),
                CASE WHEN i < 3000 THEN '{owner}' ELSE '{other}' END, 'IMAGE',
                'upload/' || i || '.jpg', 'IMG_' || i || '.jpg', randomblob(20), i,
                printf('20%02d-%02d-%02dT00:00:00.000Z', 10 + i % 13, 1 + i % 12, 1 + i % 28),
                '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
                '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
                CASE WHEN i % 10 = 3 THEN '2026-01-01T00:00:00.000Z' END
             FROM n;
             INSERT INTO asset_exif (asset_id, make, city, description, updated_at)
             SELECT id, 'Make ' || (rowid % 5), 'City ' || (rowid % 7),
                CASE WHEN rowid % 4 != 0 THEN 'Sunset ' || rowid END, 't'
             FROM assets;"
        ))
        .unwrap();
        drop(conn);
        (dir, catalog, owner)
    }

    /// The same search by the plain timeline walk (no copies, no driver): the reference.
    fn reference(
        catalog: &SqliteCatalog,
        owner: Uuid,
        filter: &str,
        order: &str,
        page: SearchPage,
    ) -> Vec<Uuid> {
        let conn = super::super::lock(&catalog.inner.writer);
        let mut stmt = conn
            .prepare(&format!(
                "SELECT a.id FROM assets a JOIN asset_exif e ON e.asset_id = a.id
                 WHERE a.owner_id = ?1 AND a.deleted_at IS NULL AND {filter}
                 ORDER BY {order} LIMIT {} OFFSET {}",
                page.limit, page.offset
            ))
            .unwrap();
        stmt.query_map([owner.to_string()], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|id| id.unwrap().parse().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn every_driver_finds_what_the_timeline_walk_finds() {
        let (_dir, catalog, owner) = library();
        let mine = AssetSearch {
            owners: vec![owner],
            ..Default::default()
        };
        let pages = [
            SearchPage {
                offset: 0,
                limit: 250,
            },
            SearchPage {
                offset: 1900,
                limit: 250,
            },
        ];
        let newest = "a.file_created_at DESC, a.id DESC";
        let oldest = "a.file_created_at ASC, a.id ASC";
        let check = |search: AssetSearch, filter: &'static str| {
            let catalog = catalog.clone();
            async move {
                for page in pages {
                    for (order, sql_order) in [
                        (SearchOrder::NewestFirst, newest),
                        (SearchOrder::OldestFirst, oldest),
                    ] {
                        let found: Vec<Uuid> = catalog
                            .search_assets(&search, order, page)
                            .await
                            .unwrap()
                            .into_iter()
                            .map(|a| a.id)
                            .collect();
                        let expected = reference(&catalog, owner, filter, sql_order, page);
                        assert_eq!(found, expected, "{filter} at {} {sql_order}", page.offset);
                    }
                }
                let count = catalog.count_search(&search).await.unwrap();
                let all = reference(
                    &catalog,
                    owner,
                    filter,
                    newest,
                    SearchPage {
                        offset: 0,
                        limit: 10_000,
                    },
                );
                assert_eq!(count, all.len() as i64, "count of {filter}");
            }
        };
        let make_and_city = AssetSearch {
            make: Some(FieldIs::Equal("Make 1".into())),
            city: Some(FieldIs::Equal("City 2".into())),
            taken: TimeRange {
                after: Some("2012-01-01T00:00:00Z".parse().unwrap()),
                before: None,
            },
            ..mine.clone()
        };
        let cases = [
            // A word on 2,250 of 3,300 assets: its matches sorted by the copied time first.
            (
                AssetSearch {
                    description: Some("sunset".into()),
                    ..mine.clone()
                },
                "e.description LIKE '%sunset%'",
            ),
            // Camera and place filters start from their index in the page's order; with two,
            // the rarer one's; "no city" too; with a time range on the copy.
            (
                AssetSearch {
                    city: Some(FieldIs::Equal("City 3".into())),
                    ..mine.clone()
                },
                "e.city = 'City 3'",
            ),
            (
                make_and_city,
                "e.make = 'Make 1' AND e.city = 'City 2' \
                 AND a.file_created_at >= '2012-01-01T00:00:00.000Z'",
            ),
            (
                AssetSearch {
                    city: Some(FieldIs::Empty),
                    ..mine.clone()
                },
                "e.city IS NULL",
            ),
        ];
        for (search, filter) in &cases {
            check(search.clone(), filter).await;
        }

        // The copies follow the asset: a new time taken, a new city, a file read again.
        {
            let conn = super::super::lock(&catalog.inner.writer);
            conn.execute_batch(
                "UPDATE assets SET file_created_at = '2030-01-01T00:00:00.000Z'
                    WHERE rowid % 9 = 0;
                 UPDATE asset_exif SET city = 'City 2' WHERE rowid % 11 = 0;
                 UPDATE asset_exif SET description = NULL WHERE rowid % 13 = 0;
                 INSERT OR REPLACE INTO asset_exif (asset_id, make, city, updated_at)
                    SELECT asset_id, 'Make 1', NULL, 't' FROM asset_exif WHERE rowid % 17 = 0;",
            )
            .unwrap();
        }
        for (search, filter) in &cases {
            check(search.clone(), filter).await;
        }
        // A deleted asset leaves both copies.
        {
            let conn = super::super::lock(&catalog.inner.writer);
            conn.execute_batch("DELETE FROM assets WHERE rowid % 19 = 0;")
                .unwrap();
            let orphans: i64 = conn
                .query_row(
                    "SELECT (SELECT count(*) FROM asset_search_exif x
                        WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.id = x.asset_id))
                     + (SELECT count(*) FROM asset_search_text t
                        WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.id = t.asset_id))",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(orphans, 0);
        }
    }

    /// Which driver a search gets: the plans the benchmark's figures rest on.
    #[tokio::test]
    async fn drivers_chosen_by_the_matches() {
        let (_dir, catalog, owner) = library();
        let conn = super::super::lock(&catalog.inner.writer);
        let driver_of = |search: AssetSearch| {
            let mut c = Conditions::of(&search);
            c.start_from_rarest_exif(&conn).unwrap();
            let driver = c.choose_driver(&conn, true).unwrap();
            (driver, c)
        };
        let mine = AssetSearch {
            owners: vec![owner],
            ..Default::default()
        };
        let (driver, _) = driver_of(AssetSearch {
            description: Some("sunset".into()),
            ..mine.clone()
        });
        assert!(matches!(driver, Driver::SortedText(0)));
        // A rare word is collected ("Sunset 12" and the 120s, 1200s: few).
        let (driver, c) = driver_of(AssetSearch {
            description: Some("sunset 12".into()),
            ..mine.clone()
        });
        assert!(matches!(driver, Driver::Timeline));
        assert!(c.clauses.iter().any(|c| c.starts_with("a.id IN")));
        let (driver, c) = driver_of(AssetSearch {
            make: Some(FieldIs::Equal("Make 1".into())),
            city: Some(FieldIs::Equal("City 2".into())),
            ..mine.clone()
        });
        assert!(matches!(driver, Driver::SearchExif));
        // City (1 in 7) is rarer than make (1 in 5): make is checked, not looked up.
        assert!(c.clauses.contains(&"+x.make = ?".to_string()));
        assert!(c.clauses.contains(&"x.city = ?".to_string()));
    }
}
