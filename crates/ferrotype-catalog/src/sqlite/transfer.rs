//! The catalog as plain tables (`CatalogTransfer`), for `ferrotype migrate`: tables and columns
//! from SQLite's own catalog (`sqlite_schema`, `PRAGMA table_xinfo`, `PRAGMA foreign_key_list`),
//! values by storage class. Reads are one statement each, so one short read transaction per page:
//! a served catalog (WAL) keeps writing meanwhile. Writes drop the triggers inside their
//! transaction and put them back before committing (SQLite has no `DISABLE TRIGGER`; its DDL is
//! transactional, so a write cut short leaves the triggers as they were).

use async_trait::async_trait;
use ferrotype_core::catalog::{CatalogError, CatalogResult};
use ferrotype_core::transfer::{CatalogTransfer, Column, Row, Table, Value, list, quote};
use rusqlite::Connection;
use rusqlite::types::{Value as SqlValue, ValueRef};

use super::{SqliteCatalog, ts};

/// What SQLite stores for a neutral value: uuids as hyphenated text, times as RFC 3339 UTC text
/// with milliseconds (what every area file writes), JSON as its text, booleans as 0 and 1.
fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(*i),
        Value::Real(f) => SqlValue::Real(*f),
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Bytes(b) => SqlValue::Blob(b.clone()),
        Value::Uuid(u) => SqlValue::Text(u.to_string()),
        Value::Timestamp(t) => SqlValue::Text(ts(t)),
        Value::Json(j) => SqlValue::Text(j.to_string()),
    }
}

fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

/// The primary key of a table, in key order.
fn primary_key(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", quote(table)))?;
    let mut key: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(5)?, r.get::<_, String>(1)?)))?
        .filter_map(|r| r.ok())
        .filter(|(pk, _)| *pk > 0)
        .collect();
    key.sort();
    Ok(key.into_iter().map(|(_, name)| name).collect())
}

fn describe_tables(conn: &Connection) -> rusqlite::Result<Result<Vec<Table>, String>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name != 'asset_search' AND name NOT LIKE 'asset_search_%'
             ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let columns: Vec<Column> = conn
            .prepare(&format!("PRAGMA table_xinfo({})", quote(&name)))?
            .query_map([], |r| {
                Ok(Column {
                    name: r.get(1)?,
                    // hidden: 0 a plain column, 1 of a virtual table, 2 and 3 generated.
                    generated: r.get::<_, i64>(6)? >= 2,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let primary_key = primary_key(conn, &name)?;
        if primary_key.is_empty() {
            return Ok(Err(format!("table {name} has no primary key")));
        }
        let mut parents: Vec<String> = conn
            .prepare(&format!("PRAGMA foreign_key_list({})", quote(&name)))?
            .query_map([], |r| r.get::<_, String>(2))?
            .collect::<rusqlite::Result<_>>()?;
        parents.retain(|p| *p != name);
        parents.sort();
        parents.dedup();
        tables.push(Table {
            name,
            columns,
            primary_key,
            parents,
        });
    }
    Ok(Ok(tables))
}

/// Runs `f` with every trigger dropped, inside one transaction that puts them back.
fn without_triggers<T>(
    conn: &mut Connection,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let tx = conn.transaction()?;
    let triggers: Vec<(String, String)> = tx
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER {}", quote(name)))?;
    }
    let result = f(&tx)?;
    for (_, sql) in &triggers {
        tx.execute_batch(sql)?;
    }
    tx.commit()?;
    Ok(result)
}

impl SqliteCatalog {
    async fn primary_key_of(&self, table: &str) -> CatalogResult<Vec<String>> {
        let name = table.to_string();
        let key = self.read(move |conn| primary_key(conn, &name)).await?;
        if key.is_empty() {
            return Err(CatalogError::Backend(format!(
                "no table {table} with a primary key in this catalog"
            )));
        }
        Ok(key)
    }

    /// Runs `sql` once per row of values, triggers off, in one write transaction; returns the
    /// rows changed.
    async fn execute_each(&self, sql: String, rows: &[Row]) -> CatalogResult<u64> {
        let rows: Vec<Vec<SqlValue>> = rows
            .iter()
            .map(|r| r.iter().map(to_sql).collect())
            .collect();
        self.write(move |conn| {
            without_triggers(conn, |tx| {
                let mut stmt = tx.prepare(&sql)?;
                let mut changed = 0u64;
                for row in rows {
                    changed += stmt.execute(rusqlite::params_from_iter(row))? as u64;
                }
                Ok(changed)
            })
        })
        .await
    }
}

#[async_trait]
impl CatalogTransfer for SqliteCatalog {
    async fn tables(&self) -> CatalogResult<Vec<Table>> {
        self.read(describe_tables)
            .await?
            .map_err(CatalogError::Backend)
    }

    async fn count(&self, table: &str) -> CatalogResult<u64> {
        let sql = format!("SELECT count(*) FROM {}", quote(table));
        self.read(move |conn| conn.query_row(&sql, [], |r| r.get::<_, i64>(0)))
            .await
            .map(|n| n as u64)
    }

    async fn read_page(
        &self,
        table: &str,
        columns: &[String],
        after: Option<&[Value]>,
        limit: usize,
    ) -> CatalogResult<Vec<Row>> {
        let key = self.primary_key_of(table).await?;
        let placeholders = vec!["?"; key.len()].join(", ");
        let sql = format!(
            "SELECT {} FROM {} {} ORDER BY {} LIMIT {limit}",
            list(columns),
            quote(table),
            if after.is_some() {
                format!("WHERE ({}) > ({placeholders})", list(&key))
            } else {
                String::new()
            },
            list(&key),
        );
        let params: Vec<SqlValue> = after.unwrap_or_default().iter().map(to_sql).collect();
        let width = columns.len();
        self.read(move |conn| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
                (0..width)
                    .map(|i| r.get_ref(i).map(from_sql))
                    .collect::<rusqlite::Result<Row>>()
            })?;
            rows.collect()
        })
        .await
    }

    async fn contains_keys(&self, table: &str, keys: &[Row]) -> CatalogResult<Vec<bool>> {
        let key = self.primary_key_of(table).await?;
        let condition: Vec<String> = key.iter().map(|c| format!("{} = ?", quote(c))).collect();
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE {})",
            quote(table),
            condition.join(" AND ")
        );
        let keys: Vec<Vec<SqlValue>> = keys
            .iter()
            .map(|k| k.iter().map(to_sql).collect())
            .collect();
        self.read(move |conn| {
            let mut stmt = conn.prepare(&sql)?;
            keys.into_iter()
                .map(|k| stmt.query_row(rusqlite::params_from_iter(k), |r| r.get(0)))
                .collect()
        })
        .await
    }

    async fn upsert(&self, table: &str, columns: &[String], rows: &[Row]) -> CatalogResult<u64> {
        let key = self.primary_key_of(table).await?;
        let others: Vec<&String> = columns.iter().filter(|c| !key.contains(c)).collect();
        let conflict = if others.is_empty() {
            "DO NOTHING".to_string()
        } else {
            format!(
                "DO UPDATE SET {} WHERE {}",
                others
                    .iter()
                    .map(|c| format!("{0} = excluded.{0}", quote(c)))
                    .collect::<Vec<_>>()
                    .join(", "),
                others
                    .iter()
                    .map(|c| format!("{}.{1} IS NOT excluded.{1}", quote(table), quote(c)))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            )
        };
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) {conflict}",
            quote(table),
            list(columns),
            vec!["?"; columns.len()].join(", "),
            list(&key),
        );
        self.execute_each(sql, rows).await
    }

    async fn delete(&self, table: &str, keys: &[Row]) -> CatalogResult<u64> {
        let key = self.primary_key_of(table).await?;
        let condition: Vec<String> = key.iter().map(|c| format!("{} = ?", quote(c))).collect();
        let sql = format!(
            "DELETE FROM {} WHERE {}",
            quote(table),
            condition.join(" AND ")
        );
        self.execute_each(sql, keys).await
    }

    /// The search tables (migrations 0017, 0026) are this backend's own and are not copied
    /// (`tables` leaves them out; rows come in with the triggers off): they are made again from
    /// the assets copied. Ids need nothing: an AUTOINCREMENT table's counter (`sqlite_sequence`) follows
    /// the largest id inserted, and a plain INTEGER PRIMARY KEY takes the largest plus one.
    async fn finish(&self) -> CatalogResult<()> {
        self.write(|conn| {
            conn.execute_batch(
                "DELETE FROM asset_search_text;
                 INSERT INTO asset_search_text (asset_id, file_name, description, owner_id, taken)
                     SELECT a.id, a.original_file_name, coalesce(e.description, ''), a.owner_id,
                         a.file_created_at
                     FROM assets a LEFT JOIN asset_exif e ON e.asset_id = a.id;
                 INSERT INTO asset_search (asset_search) VALUES ('rebuild');
                 DELETE FROM asset_search_exif;
                 INSERT INTO asset_search_exif
                     SELECT e.asset_id, a.owner_id, a.file_created_at, e.make, e.model,
                         e.lens_model, e.city, e.state, e.country
                     FROM asset_exif e JOIN assets a ON a.id = e.asset_id;",
            )
        })
        .await
    }
}
