//! The BlobStore port: where originals and generated files live. Implemented by `ferrotype-blob`
//! (a local folder, the default) and `ferrotype-s3` (an S3 bucket). Stream-based, so that a
//! store on the network fits: bytes go in as a stream or a staged file, come out as a ranged
//! reader; nothing outside a store opens its paths. Tools that need a file (exiftool, ffmpeg,
//! libraw) get one from `local_file`: the file itself for the local store, a temporary copy
//! otherwise.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;
use tokio::io::{AsyncRead, AsyncWriteExt};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no such blob: {0}")]
    NotFound(String),
    #[error("invalid blob key: {0}")]
    InvalidKey(String),
    #[error("a blob already exists at {0}")]
    AlreadyExists(String),
    #[error("blob store I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The store could not be reached, refused the credentials, or failed: its own words.
    #[error("object store: {0}")]
    Remote(String),
}

pub type BlobResult<T> = Result<T, BlobError>;

/// Bytes going into a store.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;
/// Keys coming out of `list`.
pub type KeyStream<'a> = Pin<Box<dyn Stream<Item = BlobResult<String>> + Send + 'a>>;

/// Which bytes of a blob to read: from `start` up to `end` (excluded), or to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByteRange {
    pub start: u64,
    pub end: Option<u64>,
}

impl ByteRange {
    /// The whole blob.
    pub const ALL: ByteRange = ByteRange {
        start: 0,
        end: None,
    };

    /// From `start` to the end.
    pub fn from(start: u64) -> Self {
        ByteRange { start, end: None }
    }

    /// `start..end`, `end` excluded.
    pub fn between(start: u64, end: u64) -> Self {
        ByteRange {
            start,
            end: Some(end),
        }
    }
}

/// The response headers a public URL's server is asked to send (S3's `response-content-type`
/// and `response-content-disposition`), so that a redirected client gets what we would send.
#[derive(Debug, Clone, Default)]
pub struct ServeAs {
    pub content_type: Option<String>,
    pub content_disposition: Option<String>,
}

/// An open blob, streamed to the client.
pub struct BlobReader {
    /// The bytes of the range asked for.
    pub reader: Pin<Box<dyn AsyncRead + Send>>,
    /// The whole blob's size, whatever the range.
    pub len: u64,
}

/// A file on this machine holding a blob, for a tool that needs a path. A temporary copy is
/// deleted when this is dropped; the local store's own file is left alone.
#[derive(Debug)]
pub struct LocalFile {
    path: PathBuf,
    temporary: bool,
}

impl LocalFile {
    /// The store's own file, which stays.
    pub fn stored(path: PathBuf) -> Self {
        LocalFile {
            path,
            temporary: false,
        }
    }

    /// A copy made for the caller, removed on drop.
    pub fn temporary(path: PathBuf) -> Self {
        LocalFile {
            path,
            temporary: true,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LocalFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Keys are relative paths in Immich's layout (`upload/<user>/ab/cd/<id>.jpg`); one that is
/// empty, absolute or climbs (`..`) is refused by every store, so that a key means the same
/// everywhere.
pub fn check_key(key: &str) -> BlobResult<()> {
    let safe = key
        .split('/')
        .all(|segment| !matches!(segment, "" | "." | ".."));
    if safe {
        Ok(())
    } else {
        Err(BlobError::InvalidKey(key.to_string()))
    }
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// A local folder for staging uploads while they stream in (and for `local_file`'s copies),
    /// on the same filesystem as the store when there is one, so that `put_file` is a rename.
    /// Emptied when the store is opened.
    fn staging_dir(&self) -> PathBuf;
    /// Stores a complete, fsynced staging file under `key`, durably, replacing what was there;
    /// the staging file is gone afterwards (moved or uploaded then removed).
    async fn put_file(&self, key: &str, staged: &Path) -> BlobResult<()>;
    /// Stores the bytes of `stream` under `key`, durably, replacing what was there; memory stays
    /// flat whatever the size. Returns the number of bytes stored. A stream that fails leaves
    /// nothing at `key`.
    async fn put_stream(&self, key: &str, stream: ByteStream) -> BlobResult<u64>;
    /// Stores small generated content (a thumbnail) durably under `key`, replacing what was there.
    async fn put_bytes(&self, key: &str, bytes: &[u8]) -> BlobResult<()>;
    /// Opens the blob to read `range` of it; `len` is the whole blob's size. A range starting
    /// past the end reads nothing.
    async fn open(&self, key: &str, range: ByteRange) -> BlobResult<BlobReader>;
    /// The blob's size; `NotFound` when there is none.
    async fn len(&self, key: &str) -> BlobResult<u64>;
    async fn exists(&self, key: &str) -> BlobResult<bool> {
        match self.len(key).await {
            Ok(_) => Ok(true),
            Err(BlobError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
    /// Gives the blob at `from` the key `to`, durably, never replacing a blob already at `to`
    /// (`AlreadyExists`). The local store renames; an object store copies then deletes.
    async fn rename(&self, from: &str, to: &str) -> BlobResult<()>;
    /// Removes the blob; a missing blob is not an error.
    async fn delete(&self, key: &str) -> BlobResult<()>;
    /// Every key starting with `prefix` (a string prefix: `upload/` lists all uploads), in no
    /// particular order. For repairs and migrations.
    fn list<'a>(&'a self, prefix: &'a str) -> KeyStream<'a>;
    /// A URL a client can fetch the blob from directly for `expires_in` (a presigned GET on S3),
    /// answered with the headers in `serve_as`; `None` when the store has none (the local store).
    async fn public_url(
        &self,
        _key: &str,
        _expires_in: Duration,
        _serve_as: &ServeAs,
    ) -> BlobResult<Option<String>> {
        Ok(None)
    }
    /// A file on this machine with the blob's bytes, for tools that need a path (exiftool,
    /// ffmpeg, libraw). By default a copy in the staging folder, streamed, keeping the key's
    /// extension (tools look at it), deleted when the `LocalFile` is dropped; the local store
    /// gives its own file.
    async fn local_file(&self, key: &str) -> BlobResult<LocalFile> {
        check_key(key)?;
        let mut blob = self.open(key, ByteRange::ALL).await?;
        let name = match Path::new(key).extension().and_then(|e| e.to_str()) {
            Some(ext) => format!("{}.copy.{ext}", uuid::Uuid::new_v4()),
            None => format!("{}.copy", uuid::Uuid::new_v4()),
        };
        let path = self.staging_dir().join(name);
        // Made before the file so that a failure half-way removes what was written.
        let copy = LocalFile::temporary(path);
        let mut file = tokio::fs::File::create(copy.path()).await?;
        let written = tokio::io::copy(&mut blob.reader, &mut file).await?;
        file.flush().await?;
        if written != blob.len {
            return Err(BlobError::Remote(format!(
                "{key}: read {written} bytes of {}",
                blob.len
            )));
        }
        Ok(copy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape() {
        assert!(check_key("upload/a/b.jpg").is_ok());
        assert!(check_key("../etc/passwd").is_err());
        assert!(check_key("/etc/passwd").is_err());
        assert!(check_key("upload/../../x").is_err());
        assert!(check_key("upload/./x").is_err());
        assert!(check_key("upload/").is_err());
        assert!(check_key("").is_err());
    }
}
