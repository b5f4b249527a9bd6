//! The CatalogTransfer port: a catalog seen as plain tables, for copying one install's catalog
//! into another backend (`ferrotype migrate`). Not part of `Catalog`: the server never uses it.
//!
//! Each backend discovers its own tables and columns from the database's catalog (SQLite's
//! `PRAGMA table_info`, PostgreSQL's `information_schema`), so a migration that adds a table or a
//! column needs nothing here. Rows travel as backend-neutral values; each backend turns them into
//! its own column types when writing (SQLite keeps uuids, times and JSON as text and booleans as
//! integers; PostgreSQL has uuid, timestamptz, jsonb, boolean), so a value read from one backend
//! can be written to the other.
//!
//! Writes are idempotent (insert, or update when the row differs, by primary key) and run with the
//! table's triggers off: derived rows (timeline counts, sync cursors, audit rows) are copied as
//! data rather than made again, so nothing is counted twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::catalog::CatalogResult;

/// One column's value, whatever the backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    Uuid(Uuid),
    Timestamp(DateTime<Utc>),
    Json(serde_json::Value),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

/// A row: values in the order of the columns asked for.
pub type Row = Vec<Value>;

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The backend makes its value itself (an identity column: PostgreSQL's `notifications.seq`,
    /// kept by SQLite as the rowid). Such a column may be missing on the other side; it is then
    /// left to the target to fill.
    pub generated: bool,
}

/// A table as a backend describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// The primary key's columns, in key order; never empty (a table without one is refused by
    /// the backend when it describes it).
    pub primary_key: Vec<String>,
    /// Tables this one's foreign keys point to (itself excluded).
    pub parents: Vec<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A catalog as tables, for `ferrotype migrate`. Reads page by primary key (keyset: each page
/// starts after the last key of the one before, in the backend's own key order), so memory stays
/// flat and a served source is never locked for long.
#[async_trait]
pub trait CatalogTransfer: Send + Sync {
    /// Every table of the catalog's schema, without the backend's own bookkeeping (its migration
    /// records), sorted by name.
    async fn tables(&self) -> CatalogResult<Vec<Table>>;
    /// How many rows `table` holds.
    async fn count(&self, table: &str) -> CatalogResult<u64>;
    /// Up to `limit` rows of `table` with the given `columns`, ordered by primary key, starting
    /// after the key `after` (the primary-key values of the last row of the page before, as this
    /// backend gave them).
    async fn read_page(
        &self,
        table: &str,
        columns: &[String],
        after: Option<&[Value]>,
        limit: usize,
    ) -> CatalogResult<Vec<Row>>;
    /// For each primary key given (values of the primary-key columns in key order, possibly read
    /// from another backend), whether this catalog has that row.
    async fn contains_keys(&self, table: &str, keys: &[Row]) -> CatalogResult<Vec<bool>>;
    /// Inserts the rows, or updates the row with the same primary key where it differs, in one
    /// transaction with the table's triggers off. Returns how many rows were written (unchanged
    /// rows are not).
    async fn upsert(&self, table: &str, columns: &[String], rows: &[Row]) -> CatalogResult<u64>;
    /// Deletes the rows with these primary keys, in one transaction with the triggers off.
    async fn delete(&self, table: &str, keys: &[Row]) -> CatalogResult<u64>;
    /// After a copy: id sequences continue above the largest id copied.
    async fn finish(&self) -> CatalogResult<()>;
}

/// A table or column name as an SQL identifier (double quotes, as both backends take it).
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Names as a comma-separated list of SQL identifiers.
pub fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The order to fill tables in: every table after the tables it points to (ties by name). Tables
/// in a cycle (none today) come last, by name.
pub fn dependency_order(tables: &[Table]) -> Vec<&Table> {
    let mut sorted: Vec<&Table> = Vec::with_capacity(tables.len());
    let mut left: Vec<&Table> = tables.iter().collect();
    left.sort_by(|a, b| a.name.cmp(&b.name));
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            t.parents.iter().all(|p| {
                sorted.iter().any(|s| &s.name == p) || !tables.iter().any(|t| &t.name == p)
            })
        });
        match ready {
            Some(i) => sorted.push(left.remove(i)),
            None => sorted.append(&mut left),
        }
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, parents: &[&str]) -> Table {
        Table {
            name: name.to_string(),
            columns: vec![],
            primary_key: vec!["id".to_string()],
            parents: parents.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn parents_come_first() {
        let tables = [
            table("album_assets", &["albums", "assets"]),
            table("albums", &["users", "assets"]),
            table("assets", &["users"]),
            table("users", &[]),
            table("jobs", &[]),
        ];
        let order: Vec<&str> = dependency_order(&tables)
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(order, ["jobs", "users", "assets", "albums", "album_assets"]);
    }
}
