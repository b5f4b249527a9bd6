//! Ferrotype's domain: the records (users, assets, albums), the rules that govern them, and the
//! ports (`Catalog`, `BlobStore`) that storage crates implement. Depends on no other crate of ours.

pub mod access;
pub mod accounts;
pub mod assets;
pub mod blob;
pub mod catalog;
pub mod edits;
pub mod faces;
pub mod jobs;
pub mod license;
pub mod maintenance;
pub mod media_types;
pub mod model;
pub mod notifications;
pub mod permissions;
pub mod pin;
pub mod places;
pub mod preferences;
pub mod release;
pub mod repair;
pub mod search;
pub mod stacking;
pub mod storage;
pub mod storage_template;
pub mod sync;
pub mod system_config;
pub mod time;
pub mod transfer;

/// The Immich server version Ferrotype speaks; clients pick their protocol from it.
pub const IMMICH_VERSION: (u32, u32, u32) = (3, 2, 2);
