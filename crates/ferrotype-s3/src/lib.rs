//! The BlobStore port on an S3 bucket (AWS, or any S3-compatible server: MinIO, Garage,
//! Ceph, s3s), through the `object_store` crate. Keys are stored under a prefix of the bucket
//! (`s3://bucket/prefix`), addressed path-style so that self-hosted servers without wildcard DNS
//! work. Uploads stage locally (the checksum and the metadata tools need the file), then stream
//! up: one PUT for small files, a multipart upload in parts of `part_size` for larger ones, with
//! at most two parts in flight, so memory stays flat whatever the size.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use ferrotype_core::blob::{
    BlobError, BlobReader, BlobResult, BlobStore, ByteRange, ByteStream, KeyStream, ServeAs,
    check_key,
};
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{
    Attribute, Attributes, BackoffConfig, GetOptions, GetRange, ObjectStore, ObjectStoreExt,
    PutOptions, PutPayload, RetryConfig,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where and how to reach the bucket.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Folder of the bucket the keys live under (no leading or trailing `/`); empty: the root.
    pub prefix: String,
    /// The server's URL (`http://127.0.0.1:9000`); empty: AWS, from the region.
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Size of a multipart upload's parts, and the size from which an upload is multipart.
    /// S3 wants at least 5 MiB (except for the last part).
    pub part_size: usize,
    /// The local folder uploads stage in and tools' copies go to; emptied at open.
    pub staging_dir: PathBuf,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<hidden>")
            .field("part_size", &self.part_size)
            .finish()
    }
}

/// The default part size: 8 MiB parts, two in flight, keep an upload's memory near 24 MiB.
pub const DEFAULT_PART_SIZE: usize = 8 << 20;
/// S3's smallest part (all but the last).
pub const MIN_PART_SIZE: usize = 5 << 20;
/// Parts uploaded at once by one upload.
const PARTS_IN_FLIGHT: usize = 2;
/// Reads from a staged file.
const READ_CHUNK: usize = 1 << 20;

/// `s3://bucket/prefix` as (bucket, prefix); the prefix may be empty.
pub fn parse_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| format!("'{url}' is not an s3://bucket/prefix URL"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_matches('/');
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !bucket_ok {
        return Err(format!(
            "'{bucket}' is not a bucket name (3 to 63 lowercase letters, digits, '-' or '.')"
        ));
    }
    if !prefix.is_empty() && check_key(prefix).is_err() {
        return Err(format!(
            "'{prefix}' is not a prefix (a path without . or ..)"
        ));
    }
    Ok((bucket.to_string(), prefix.to_string()))
}

#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<AmazonS3>,
    prefix: String,
    part_size: usize,
    staging: PathBuf,
}

/// Our words for object_store's errors: a missing object is `NotFound`, the rest is the
/// store's own message (a refused signature says `SignatureDoesNotMatch`).
fn remote(key: &str, e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_string()),
        object_store::Error::AlreadyExists { .. } => BlobError::AlreadyExists(key.to_string()),
        e => BlobError::Remote(format!("{key}: {e}")),
    }
}

/// `%XX` back to bytes: object_store percent-encodes the characters S3 keys should avoid
/// (`%`, `[`, `~`, ...) in each segment; listing gives them back encoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl S3BlobStore {
    /// Builds the client and empties the staging folder. Does not touch the network: `check`
    /// does.
    pub fn open(config: &S3Config) -> BlobResult<Self> {
        // reqwest is built without a TLS crypto provider of its own (object_store's default,
        // aws-lc, is a long C build): ring, already in the tree, serves as the process default.
        let _ = rustls::crypto::ring::default_provider().install_default();
        if config.part_size < MIN_PART_SIZE {
            return Err(BlobError::Remote(format!(
                "part size {} is below S3's minimum of {MIN_PART_SIZE}",
                config.part_size
            )));
        }
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_virtual_hosted_style_request(false)
            // A dead server must fail a request in seconds, not after object_store's default of
            // ten retries over three minutes; a job retries later anyway.
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
            });
        if !config.endpoint.is_empty() {
            // Plain HTTP only when the endpoint says so: a server beside us (localhost, a
            // cluster-internal service).
            builder = builder
                .with_endpoint(&config.endpoint)
                .with_allow_http(config.endpoint.starts_with("http://"));
        }
        let store = builder
            .build()
            .map_err(|e| BlobError::Remote(format!("S3 configuration: {e}")))?;
        let staging = config.staging_dir.clone();
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir_all(&staging)?;
        Ok(S3BlobStore {
            store: Arc::new(store),
            prefix: config.prefix.clone(),
            part_size: config.part_size,
            staging,
        })
    }

    /// Lists the prefix once, so that a wrong endpoint, bucket or secret stops the server at
    /// start with the store's own words rather than failing every upload.
    pub async fn check(&self) -> BlobResult<()> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        self.store
            .list_with_delimiter(prefix.as_ref())
            .await
            .map(|_| ())
            .map_err(|e| BlobError::Remote(e.to_string()))
    }

    /// The object of a key.
    fn path_of(&self, key: &str) -> BlobResult<ObjectPath> {
        check_key(key)?;
        Ok(if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        })
    }

    /// The key of an object listed, if it is under our prefix.
    fn key_of(&self, path: &ObjectPath) -> Option<String> {
        let parts: Vec<String> = path.parts().map(|p| percent_decode(p.as_ref())).collect();
        let skip = if self.prefix.is_empty() {
            0
        } else {
            let ours = self.prefix.split('/').count();
            if parts.len() <= ours || parts[..ours].join("/") != self.prefix {
                return None;
            }
            ours
        };
        Some(parts[skip..].join("/"))
    }

    /// The content type stored with an object, from the key's extension, so that a presigned
    /// URL serves it right even without asking.
    fn attributes(key: &str) -> Attributes {
        let extension = FsPath::new(key)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut attributes = Attributes::new();
        attributes.insert(
            Attribute::ContentType,
            ferrotype_core::media_types::mime_type_for(&extension).into(),
        );
        attributes
    }

    fn writer(&self, key: &str, path: ObjectPath) -> BufWriter {
        let store: Arc<dyn ObjectStore> = self.store.clone();
        BufWriter::with_capacity(store, path, self.part_size)
            .with_max_concurrency(PARTS_IN_FLIGHT)
            .with_attributes(Self::attributes(key))
    }

    /// Streams `stream` into `key`: buffered up to one part, then multipart. A failure aborts
    /// the multipart upload, so no object appears.
    async fn upload(&self, key: &str, mut stream: ByteStream) -> BlobResult<u64> {
        let path = self.path_of(key)?;
        let mut writer = self.writer(key, path);
        let mut written = 0u64;
        let result: BlobResult<()> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                written += chunk.len() as u64;
                writer.put(chunk).await.map_err(|e| remote(key, e))?;
            }
            writer.shutdown().await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(%key, "cannot abort the multipart upload: {abort}");
            }
            return Err(e);
        }
        Ok(written)
    }
}

/// A file read in chunks, as a stream.
fn file_stream(file: tokio::fs::File) -> ByteStream {
    futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buf = BytesMut::with_capacity(READ_CHUNK);
        while buf.len() < READ_CHUNK {
            if file.read_buf(&mut buf).await? == 0 {
                break;
            }
        }
        Ok::<_, std::io::Error>((!buf.is_empty()).then(|| (buf.freeze(), file)))
    })
    .boxed()
}

#[async_trait]
impl BlobStore for S3BlobStore {
    fn staging_dir(&self) -> PathBuf {
        self.staging.clone()
    }

    async fn put_file(&self, key: &str, staged: &FsPath) -> BlobResult<()> {
        let file = tokio::fs::File::open(staged).await?;
        self.upload(key, file_stream(file)).await?;
        tokio::fs::remove_file(staged).await?;
        Ok(())
    }

    async fn put_stream(&self, key: &str, stream: ByteStream) -> BlobResult<u64> {
        self.upload(key, stream).await
    }

    async fn put_bytes(&self, key: &str, bytes: &[u8]) -> BlobResult<()> {
        let path = self.path_of(key)?;
        let options = PutOptions {
            attributes: Self::attributes(key),
            ..Default::default()
        };
        self.store
            .put_opts(
                &path,
                PutPayload::from(Bytes::copy_from_slice(bytes)),
                options,
            )
            .await
            .map_err(|e| remote(key, e))?;
        Ok(())
    }

    async fn open(&self, key: &str, range: ByteRange) -> BlobResult<BlobReader> {
        let path = self.path_of(key)?;
        if range.end.is_some_and(|end| end <= range.start) {
            // S3 refuses an empty range; the port reads nothing.
            return Ok(BlobReader {
                reader: Box::pin(tokio::io::empty()),
                len: self.len(key).await?,
            });
        }
        let get_range = match range {
            ByteRange {
                start: 0,
                end: None,
            } => None,
            ByteRange { start, end: None } => Some(GetRange::Offset(start)),
            ByteRange {
                start,
                end: Some(end),
            } => Some(GetRange::Bounded(start..end)),
        };
        let options = GetOptions {
            range: get_range,
            ..Default::default()
        };
        let result = self
            .store
            .get_opts(&path, options)
            .await
            .map_err(|e| remote(key, e))?;
        let len = result.meta.size;
        let owned_key = key.to_string();
        let stream = result
            .into_stream()
            .map_err(move |e| std::io::Error::other(remote(&owned_key, e)));
        Ok(BlobReader {
            reader: Box::pin(tokio_util::io::StreamReader::new(stream)),
            len,
        })
    }

    async fn len(&self, key: &str) -> BlobResult<u64> {
        let path = self.path_of(key)?;
        let meta = self.store.head(&path).await.map_err(|e| remote(key, e))?;
        Ok(meta.size)
    }

    async fn rename(&self, from: &str, to: &str) -> BlobResult<()> {
        let (source, target) = (self.path_of(from)?, self.path_of(to)?);
        // S3 has no rename, and a copy that never replaces needs server-specific support: check,
        // then copy, then delete. Moves of one asset run in one job at a time, so the check is
        // not raced by another move to the same key.
        match self.store.head(&target).await {
            Ok(_) => return Err(BlobError::AlreadyExists(to.to_string())),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(remote(to, e)),
        }
        self.store
            .copy(&source, &target)
            .await
            .map_err(|e| remote(from, e))?;
        self.store
            .delete(&source)
            .await
            .map_err(|e| remote(from, e))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        let path = self.path_of(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(remote(key, e)),
        }
    }

    fn list<'a>(&'a self, prefix: &'a str) -> KeyStream<'a> {
        // object_store lists folders; a string prefix lists the folder it ends in, filtered.
        let folder = prefix.rsplit_once('/').map_or("", |(folder, _)| folder);
        let full = match (self.prefix.is_empty(), folder.is_empty()) {
            (true, true) => None,
            (true, false) => Some(ObjectPath::from(folder)),
            (false, true) => Some(ObjectPath::from(self.prefix.as_str())),
            (false, false) => Some(ObjectPath::from(format!("{}/{folder}", self.prefix))),
        };
        self.store
            .list(full.as_ref())
            .filter_map(move |item| async move {
                match item {
                    Ok(meta) => self
                        .key_of(&meta.location)
                        .filter(|key| key.starts_with(prefix))
                        .map(Ok),
                    Err(e) => Some(Err(remote(prefix, e))),
                }
            })
            .boxed()
    }

    async fn public_url(
        &self,
        key: &str,
        expires_in: Duration,
        serve_as: &ServeAs,
    ) -> BlobResult<Option<String>> {
        let path = self.path_of(key)?;
        let mut query = Vec::new();
        if let Some(t) = &serve_as.content_type {
            query.push(("response-content-type", t.clone()));
        }
        if let Some(d) = &serve_as.content_disposition {
            query.push(("response-content-disposition", d.clone()));
        }
        let options = SignedUrlOptions::default().with_query(query);
        let url = self
            .store
            .signed_url_opts(http::Method::GET, &path, expires_in, &options)
            .await
            .map_err(|e| remote(key, e))?;
        Ok(Some(url.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("s3://photos/ferrotype/prod/").unwrap(),
            ("photos".to_string(), "ferrotype/prod".to_string())
        );
        assert_eq!(
            parse_url("s3://photos").unwrap(),
            ("photos".to_string(), String::new())
        );
        assert!(parse_url("http://photos/x").is_err());
        assert!(parse_url("s3://Photos/x").is_err());
        assert!(parse_url("s3://ph/x").is_err());
        assert!(parse_url("s3://photos/../x").is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%5B1%5D%25.jpg"), "a[1]%.jpg");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
