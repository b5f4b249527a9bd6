//! The job kinds Ferrotype runs, one module each. Each is idempotent: running it twice leaves
//! the same result as running it once, which is what makes re-running after a crash safe.

pub mod mail;
pub mod metadata;
pub mod storage_template;
pub mod thumbnails;
pub mod users;
pub mod version_check;
