//! Catalog implementations: where Ferrotype keeps its metadata. SQLite is the default (one file in
//! the data folder); PostgreSQL comes later behind the same `ferrotype_core::catalog::Catalog` port.

pub mod sqlite;

pub use sqlite::SqliteCatalog;
