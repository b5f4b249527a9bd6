//! The BlobStore port: where originals and generated files live. Implemented by `ferrotype-blob`
//! (local filesystem today, S3 later).

use std::path::{Path, PathBuf};
use std::pin::Pin;

use async_trait::async_trait;
use tokio::io::AsyncRead;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no such blob: {0}")]
    NotFound(String),
    #[error("invalid blob key: {0}")]
    InvalidKey(String),
    #[error("blob store I/O: {0}")]
    Io(#[from] std::io::Error),
}

pub type BlobResult<T> = Result<T, BlobError>;

/// An open blob, streamed to the client.
pub struct BlobReader {
    pub reader: Pin<Box<dyn AsyncRead + Send>>,
    pub len: u64,
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// A local folder for staging uploads while they stream in, on the same filesystem as the
    /// store when there is one, so that `put_file` is a rename.
    fn staging_dir(&self) -> PathBuf;
    /// Moves a complete, fsynced staging file to `key`, durably (the rename itself is synced).
    async fn put_file(&self, key: &str, staged: &Path) -> BlobResult<()>;
    /// Stores small generated content (a thumbnail) durably under `key`, replacing what was there.
    async fn put_bytes(&self, key: &str, bytes: &[u8]) -> BlobResult<()>;
    /// Opens the blob to read from byte `offset` on; `len` stays the whole blob's size.
    async fn open(&self, key: &str, offset: u64) -> BlobResult<BlobReader>;
    /// Gives the blob at `from` the key `to`, durably, never replacing a blob already at `to`
    /// (that is an error). Folders `from` leaves empty are removed.
    async fn rename(&self, from: &str, to: &str) -> BlobResult<()>;
    /// Removes the blob; a missing blob is not an error.
    async fn delete(&self, key: &str) -> BlobResult<()>;
    async fn exists(&self, key: &str) -> BlobResult<bool>;
    /// A path on this machine to read the blob from, for tools that need a file (exiftool,
    /// ffmpeg). For the local store it is the file itself.
    fn local_path(&self, key: &str) -> BlobResult<PathBuf>;
}
