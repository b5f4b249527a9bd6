//! The catalog as plain tables (`CatalogTransfer`), for `ferrotype migrate`: tables, columns and
//! keys from `information_schema` and `pg_constraint`, values by the column's type. Writes turn
//! the table's own triggers off for their transaction (`ALTER TABLE ... DISABLE TRIGGER USER`,
//! transactional, so a write cut short leaves them on; foreign keys stay checked), which needs
//! the role that owns the tables: the one the server connects as, which made them.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ferrotype_core::catalog::{CatalogError, CatalogResult};
use ferrotype_core::transfer::{CatalogTransfer, Column, Row, Table, Value, list, quote};
use tokio_postgres::types::ToSql;

use crate::{PgCatalog, map_error};

/// Our own bookkeeping, not part of an install's data.
const BOOKKEEPING: &str = "ferrotype_migrations";

/// PostgreSQL's limit on the parameters of one statement.
const MAX_PARAMETERS: usize = 65_535;

type Param = Box<dyn ToSql + Sync + Send>;

/// A table's columns with their types (`format_type`), and its primary key.
struct Shape {
    types: HashMap<String, String>,
    key: Vec<String>,
}

impl Shape {
    fn type_of(&self, table: &str, column: &str) -> CatalogResult<&str> {
        self.types
            .get(column)
            .map(String::as_str)
            .ok_or_else(|| CatalogError::Backend(format!("table {table} has no column {column}")))
    }

    /// `$n::type`, so that every parameter has the column's type whatever the statement.
    fn placeholder(&self, table: &str, column: &str, n: usize) -> CatalogResult<String> {
        Ok(format!("${n}::{}", self.type_of(table, column)?))
    }
}

/// A neutral value as a parameter of the column's type. Text from SQLite becomes a uuid, a time
/// or JSON here; an integer becomes a boolean.
fn to_param(table: &str, column: &str, kind: &str, value: &Value) -> CatalogResult<Param> {
    let refuse = || {
        CatalogError::Backend(format!(
            "{table}.{column}: cannot store {value:?} as {kind}"
        ))
    };
    let null = matches!(value, Value::Null);
    Ok(match kind {
        "uuid" => Box::new(match value {
            _ if null => None,
            Value::Uuid(u) => Some(*u),
            Value::Text(s) => Some(uuid::Uuid::parse_str(s).map_err(|_| refuse())?),
            _ => return Err(refuse()),
        }),
        "timestamp with time zone" => Box::new(match value {
            _ if null => None,
            Value::Timestamp(t) => Some(*t),
            Value::Text(s) => Some(
                DateTime::parse_from_rfc3339(s)
                    .map_err(|_| refuse())?
                    .with_timezone(&Utc),
            ),
            _ => return Err(refuse()),
        }),
        // Dates (a person's birth date) travel as `YYYY-MM-DD` text, as SQLite keeps them.
        "date" => Box::new(match value {
            _ if null => None,
            Value::Text(s) => {
                Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| refuse())?)
            }
            _ => return Err(refuse()),
        }),
        "bytea" => Box::new(match value {
            _ if null => None,
            Value::Bytes(b) => Some(b.clone()),
            _ => return Err(refuse()),
        }),
        "jsonb" | "json" => Box::new(match value {
            _ if null => None,
            Value::Json(j) => Some(j.clone()),
            Value::Text(s) => {
                Some(serde_json::from_str::<serde_json::Value>(s).map_err(|_| refuse())?)
            }
            _ => return Err(refuse()),
        }),
        "bigint" => Box::new(match value {
            _ if null => None,
            Value::Integer(i) => Some(*i),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => return Err(refuse()),
        }),
        "integer" => Box::new(match value {
            _ if null => None,
            Value::Integer(i) => Some(i32::try_from(*i).map_err(|_| refuse())?),
            _ => return Err(refuse()),
        }),
        "smallint" => Box::new(match value {
            _ if null => None,
            Value::Integer(i) => Some(i16::try_from(*i).map_err(|_| refuse())?),
            _ => return Err(refuse()),
        }),
        "double precision" => Box::new(match value {
            _ if null => None,
            Value::Real(f) => Some(*f),
            Value::Integer(i) => Some(*i as f64),
            _ => return Err(refuse()),
        }),
        "boolean" => Box::new(match value {
            _ if null => None,
            Value::Bool(b) => Some(*b),
            Value::Integer(i) => Some(*i != 0),
            _ => return Err(refuse()),
        }),
        "text" | "character varying" => Box::new(match value {
            _ if null => None,
            Value::Text(s) => Some(s.clone()),
            Value::Uuid(u) => Some(u.to_string()),
            Value::Integer(i) => Some(i.to_string()),
            _ => return Err(refuse()),
        }),
        _ => {
            return Err(CatalogError::Backend(format!(
                "{table}.{column}: type {kind} is not one migrate knows"
            )));
        }
    })
}

fn from_row(
    row: &tokio_postgres::Row,
    index: usize,
    table: &str,
    column: &str,
    kind: &str,
) -> CatalogResult<Value> {
    fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
        row: &'a tokio_postgres::Row,
        index: usize,
    ) -> CatalogResult<Option<T>> {
        row.try_get::<_, Option<T>>(index)
            .map_err(|e| CatalogError::Backend(format!("database: {e}")))
    }
    let value = match kind {
        "uuid" => get::<uuid::Uuid>(row, index)?.map(Value::Uuid),
        "timestamp with time zone" => get::<DateTime<Utc>>(row, index)?.map(Value::Timestamp),
        "date" => get::<chrono::NaiveDate>(row, index)?
            .map(|d| Value::Text(d.format("%Y-%m-%d").to_string())),
        "bytea" => get::<Vec<u8>>(row, index)?.map(Value::Bytes),
        "jsonb" | "json" => get::<serde_json::Value>(row, index)?.map(Value::Json),
        "bigint" => get::<i64>(row, index)?.map(Value::Integer),
        "integer" => get::<i32>(row, index)?.map(|i| Value::Integer(i.into())),
        "smallint" => get::<i16>(row, index)?.map(|i| Value::Integer(i.into())),
        "double precision" => get::<f64>(row, index)?.map(Value::Real),
        "boolean" => get::<bool>(row, index)?.map(Value::Bool),
        "text" | "character varying" => get::<String>(row, index)?.map(Value::Text),
        _ => {
            return Err(CatalogError::Backend(format!(
                "{table}.{column}: type {kind} is not one migrate knows"
            )));
        }
    };
    Ok(value.unwrap_or(Value::Null))
}

fn params_of(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

impl PgCatalog {
    async fn shape(&self, conn: &deadpool_postgres::Object, table: &str) -> CatalogResult<Shape> {
        let rows = conn
            .query(
                "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod),
                        coalesce((SELECT k.n FROM unnest(i.indkey::int2[]) WITH ORDINALITY
                                  AS k(att, n) WHERE k.att = a.attnum), 0)::int4
                 FROM pg_attribute a
                 JOIN pg_class c ON c.oid = a.attrelid
                 LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
                 WHERE c.relnamespace = current_schema()::regnamespace AND c.relname::text = $1::text
                   AND a.attnum > 0 AND NOT a.attisdropped",
                &[&table],
            )
            .await
            .map_err(map_error)?;
        if rows.is_empty() {
            return Err(CatalogError::Backend(format!(
                "no table {table} in this database"
            )));
        }
        let mut key: Vec<(i32, String)> = Vec::new();
        let mut types = HashMap::new();
        for row in rows {
            let (name, kind, position): (String, String, i32) =
                (row.get(0), row.get(1), row.get(2));
            if position > 0 {
                key.push((position, name.clone()));
            }
            types.insert(name, kind);
        }
        key.sort();
        Ok(Shape {
            types,
            key: key.into_iter().map(|(_, name)| name).collect(),
        })
    }

    async fn user_tables(&self, conn: &deadpool_postgres::Object) -> CatalogResult<Vec<String>> {
        let rows = conn
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                   AND table_name::text <> $1::text
                 ORDER BY table_name",
                &[&BOOKKEEPING],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

#[async_trait]
impl CatalogTransfer for PgCatalog {
    async fn tables(&self) -> CatalogResult<Vec<Table>> {
        let conn = self.conn().await?;
        let columns = conn
            .query(
                "SELECT table_name::text, column_name::text,
                        is_identity = 'YES' OR is_generated = 'ALWAYS'
                 FROM information_schema.columns
                 WHERE table_schema = current_schema()
                 ORDER BY table_name, ordinal_position",
                &[],
            )
            .await
            .map_err(map_error)?;
        let references = conn
            .query(
                "SELECT DISTINCT child.relname::text, parent.relname::text
                 FROM pg_constraint k
                 JOIN pg_class child ON child.oid = k.conrelid
                 JOIN pg_class parent ON parent.oid = k.confrelid
                 WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
                &[],
            )
            .await
            .map_err(map_error)?;
        let mut tables = Vec::new();
        for name in self.user_tables(&conn).await? {
            let shape = self.shape(&conn, &name).await?;
            if shape.key.is_empty() {
                return Err(CatalogError::Backend(format!(
                    "table {name} has no primary key"
                )));
            }
            let mut parents: Vec<String> = references
                .iter()
                .filter(|r| r.get::<_, String>(0) == name)
                .map(|r| r.get::<_, String>(1))
                .filter(|p| *p != name)
                .collect();
            parents.sort();
            tables.push(Table {
                columns: columns
                    .iter()
                    .filter(|r| r.get::<_, String>(0) == name)
                    .map(|r| Column {
                        name: r.get(1),
                        generated: r.get(2),
                    })
                    .collect(),
                primary_key: shape.key,
                parents,
                name,
            });
        }
        Ok(tables)
    }

    async fn count(&self, table: &str) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(&format!("SELECT count(*) FROM {}", quote(table)), &[])
            .await
            .map_err(map_error)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn read_page(
        &self,
        table: &str,
        columns: &[String],
        after: Option<&[Value]>,
        limit: usize,
    ) -> CatalogResult<Vec<Row>> {
        let conn = self.conn().await?;
        let shape = self.shape(&conn, table).await?;
        let mut params: Vec<Param> = Vec::new();
        let mut filter = String::new();
        if let Some(after) = after {
            let mut placeholders = Vec::new();
            for (column, value) in shape.key.iter().zip(after) {
                let kind = shape.type_of(table, column)?;
                params.push(to_param(table, column, kind, value)?);
                placeholders.push(shape.placeholder(table, column, params.len())?);
            }
            filter = format!(
                "WHERE ({}) > ({})",
                list(&shape.key),
                placeholders.join(", ")
            );
        }
        let sql = format!(
            "SELECT {} FROM {} {filter} ORDER BY {} LIMIT {limit}",
            list(columns),
            quote(table),
            list(&shape.key)
        );
        let rows = conn
            .query(&sql, &params_of(&params))
            .await
            .map_err(map_error)?;
        let kinds: Vec<&str> = columns
            .iter()
            .map(|c| shape.type_of(table, c))
            .collect::<CatalogResult<_>>()?;
        rows.iter()
            .map(|row| {
                columns
                    .iter()
                    .zip(&kinds)
                    .enumerate()
                    .map(|(i, (column, kind))| from_row(row, i, table, column, kind))
                    .collect::<CatalogResult<Row>>()
            })
            .collect()
    }

    async fn contains_keys(&self, table: &str, keys: &[Row]) -> CatalogResult<Vec<bool>> {
        let conn = self.conn().await?;
        let shape = self.shape(&conn, table).await?;
        let mut found = vec![false; keys.len()];
        let per_statement = (MAX_PARAMETERS / shape.key.len()).max(1);
        for (chunk_index, chunk) in keys.chunks(per_statement).enumerate() {
            let mut params: Vec<Param> = Vec::new();
            let mut tuples = Vec::new();
            for (i, key) in chunk.iter().enumerate() {
                let mut tuple = vec![i.to_string()];
                for (column, value) in shape.key.iter().zip(key) {
                    let kind = shape.type_of(table, column)?;
                    params.push(to_param(table, column, kind, value)?);
                    tuple.push(shape.placeholder(table, column, params.len())?);
                }
                tuples.push(format!("({})", tuple.join(", ")));
            }
            let names: Vec<String> = (0..shape.key.len()).map(|i| format!("k{i}")).collect();
            let matches: Vec<String> = shape
                .key
                .iter()
                .zip(&names)
                .map(|(column, name)| format!("t.{} = k.{name}", quote(column)))
                .collect();
            let sql = format!(
                "SELECT k.ord FROM (VALUES {}) AS k(ord, {})
                 WHERE EXISTS (SELECT 1 FROM {} t WHERE {})",
                tuples.join(", "),
                names.join(", "),
                quote(table),
                matches.join(" AND ")
            );
            for row in conn
                .query(&sql, &params_of(&params))
                .await
                .map_err(map_error)?
            {
                found[chunk_index * per_statement + row.get::<_, i32>(0) as usize] = true;
            }
        }
        Ok(found)
    }

    async fn upsert(&self, table: &str, columns: &[String], rows: &[Row]) -> CatalogResult<u64> {
        let mut conn = self.conn().await?;
        let shape = self.shape(&conn, table).await?;
        let identity: bool = conn
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name::text = $1::text
                     AND column_name::text = ANY($2::text[]) AND identity_generation = 'ALWAYS')",
                &[&table, &columns],
            )
            .await
            .map_err(map_error)?
            .get(0);
        let others: Vec<&String> = columns.iter().filter(|c| !shape.key.contains(c)).collect();
        let conflict = if others.is_empty() {
            "DO NOTHING".to_string()
        } else {
            let set: Vec<String> = others
                .iter()
                .map(|c| format!("{0} = EXCLUDED.{0}", quote(c)))
                .collect();
            let old: Vec<String> = others
                .iter()
                .map(|c| format!("{}.{}", quote(table), quote(c)))
                .collect();
            let new: Vec<String> = others
                .iter()
                .map(|c| format!("EXCLUDED.{}", quote(c)))
                .collect();
            format!(
                "DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})",
                set.join(", "),
                old.join(", "),
                new.join(", ")
            )
        };
        let tx = conn.transaction().await.map_err(map_error)?;
        tx.batch_execute(&format!(
            "ALTER TABLE {} DISABLE TRIGGER USER",
            quote(table)
        ))
        .await
        .map_err(map_error)?;
        let mut written = 0u64;
        let per_statement = (MAX_PARAMETERS / columns.len().max(1)).max(1);
        for chunk in rows.chunks(per_statement) {
            let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * columns.len());
            let mut tuples = Vec::with_capacity(chunk.len());
            for row in chunk {
                let mut tuple = Vec::with_capacity(columns.len());
                for (column, value) in columns.iter().zip(row) {
                    let kind = shape.type_of(table, column)?;
                    params.push(to_param(table, column, kind, value)?);
                    tuple.push(shape.placeholder(table, column, params.len())?);
                }
                tuples.push(format!("({})", tuple.join(", ")));
            }
            let sql = format!(
                "INSERT INTO {} ({}) {} VALUES {} ON CONFLICT ({}) {conflict}",
                quote(table),
                list(columns),
                if identity {
                    "OVERRIDING SYSTEM VALUE"
                } else {
                    ""
                },
                tuples.join(", "),
                list(&shape.key)
            );
            written += tx
                .execute(&sql, &params_of(&params))
                .await
                .map_err(map_error)?;
        }
        tx.batch_execute(&format!("ALTER TABLE {} ENABLE TRIGGER USER", quote(table)))
            .await
            .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(written)
    }

    async fn delete(&self, table: &str, keys: &[Row]) -> CatalogResult<u64> {
        let mut conn = self.conn().await?;
        let shape = self.shape(&conn, table).await?;
        // Deletes cascade to other tables: every table's triggers are off, not only this one's.
        let tables = self.user_tables(&conn).await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        for name in &tables {
            tx.batch_execute(&format!("ALTER TABLE {} DISABLE TRIGGER USER", quote(name)))
                .await
                .map_err(map_error)?;
        }
        let mut deleted = 0u64;
        let per_statement = (MAX_PARAMETERS / shape.key.len()).max(1);
        for chunk in keys.chunks(per_statement) {
            let mut params: Vec<Param> = Vec::new();
            let mut tuples = Vec::new();
            for key in chunk {
                let mut tuple = Vec::new();
                for (column, value) in shape.key.iter().zip(key) {
                    let kind = shape.type_of(table, column)?;
                    params.push(to_param(table, column, kind, value)?);
                    tuple.push(shape.placeholder(table, column, params.len())?);
                }
                tuples.push(format!("({})", tuple.join(", ")));
            }
            let sql = format!(
                "DELETE FROM {} WHERE ({}) IN ({})",
                quote(table),
                list(&shape.key),
                tuples.join(", ")
            );
            deleted += tx
                .execute(&sql, &params_of(&params))
                .await
                .map_err(map_error)?;
        }
        for name in &tables {
            tx.batch_execute(&format!("ALTER TABLE {} ENABLE TRIGGER USER", quote(name)))
                .await
                .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)?;
        Ok(deleted)
    }

    /// Every sequence behind an id (`bigserial`, identity) continues above the largest id copied:
    /// rows inserted with their ids do not move it.
    async fn finish(&self) -> CatalogResult<()> {
        let conn = self.conn().await?;
        let columns = conn
            .query(
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema()
                   AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')",
                &[],
            )
            .await
            .map_err(map_error)?;
        for row in columns {
            let (table, column): (String, String) = (row.get(0), row.get(1));
            conn.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence($1, $2),
                                   coalesce((SELECT max({}) FROM {}), 0) + 1, false)",
                    quote(&column),
                    quote(&table)
                ),
                &[&quote(&table), &column],
            )
            .await
            .map_err(map_error)?;
        }
        Ok(())
    }
}
