//! Files under one root folder. Keys are relative paths (`upload/<user>/ab/cd/<id>.jpg`); a key
//! that could climb out of the root is refused.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use ferrotype_core::blob::{
    BlobError, BlobReader, BlobResult, BlobStore, ByteRange, ByteStream, KeyStream, LocalFile,
    check_key,
};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

/// Where uploads stream to before they are complete; emptied at every start.
const STAGING: &str = "upload/.staging";

impl LocalBlobStore {
    /// Uses `root` (created if missing) and empties the staging folder: at start no upload is
    /// in flight, so whatever is there was left by a crash.
    pub fn open(root: &Path) -> BlobResult<Self> {
        let store = LocalBlobStore {
            root: root.to_path_buf(),
        };
        let staging = store.staging_dir();
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir_all(&staging)?;
        Ok(store)
    }

    /// Uses `root` as it is, for a tool working beside a server that may be running on it
    /// (`ferrotype migrate` reading its source): that server's staging folder is left alone.
    pub fn open_beside_server(root: &Path) -> Self {
        LocalBlobStore {
            root: root.to_path_buf(),
        }
    }

    /// The file behind a key.
    pub fn path_of(&self, key: &str) -> BlobResult<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }

    /// A new staging file's path.
    fn staging_file(&self) -> PathBuf {
        self.staging_dir()
            .join(format!("{}.part", uuid::Uuid::new_v4()))
    }
}

/// Every file under `dir` as a key relative to `root`, sent as found; the staging folder is
/// not part of the store.
fn walk(
    root: &Path,
    dir: &Path,
    prefix: &str,
    tx: &tokio::sync::mpsc::Sender<BlobResult<String>>,
) -> bool {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
        Err(e) => return tx.blocking_send(Err(e.into())).is_ok(),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => return tx.blocking_send(Err(e.into())).is_ok(),
        };
        let path = entry.path();
        let Some(key) = path
            .strip_prefix(root)
            .ok()
            .and_then(|p| p.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            // Only folders that can hold keys with the prefix (or that the prefix is inside).
            let folder = format!("{key}/");
            if key == STAGING || !(folder.starts_with(prefix) || prefix.starts_with(&folder)) {
                continue;
            }
            if !walk(root, &path, prefix, tx) {
                return false;
            }
        } else if key.starts_with(prefix)
            && check_key(&key).is_ok()
            // Files at the top (the catalog, the lock) are not blobs: every key has a folder.
            && key.contains('/')
            && tx.blocking_send(Ok(key)).is_err()
        {
            return false;
        }
    }
    true
}

/// Makes a rename or a new file in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    fn staging_dir(&self) -> PathBuf {
        self.root.join(STAGING)
    }

    async fn put_file(&self, key: &str, staged: &Path) -> BlobResult<()> {
        let target = self.path_of(key)?;
        let staged = staged.to_path_buf();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let parent = target
                .parent()
                .ok_or_else(|| std::io::Error::other("blob key has no parent folder"))?;
            std::fs::create_dir_all(parent)?;
            std::fs::rename(&staged, &target)?;
            sync_dir(parent)
        })
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e)))??;
        Ok(())
    }

    async fn put_stream(&self, key: &str, mut stream: ByteStream) -> BlobResult<u64> {
        check_key(key)?;
        let staged = self.staging_file();
        let result = async {
            let mut file = tokio::fs::File::create(&staged).await?;
            let mut written = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                file.write_all(&chunk).await?;
                written += chunk.len() as u64;
            }
            file.sync_all().await?;
            drop(file);
            self.put_file(key, &staged).await?;
            Ok(written)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&staged).await;
        }
        result
    }

    async fn put_bytes(&self, key: &str, bytes: &[u8]) -> BlobResult<()> {
        check_key(key)?;
        let staged = self.staging_file();
        let result = async {
            let mut file = tokio::fs::File::create(&staged).await?;
            file.write_all(bytes).await?;
            file.sync_all().await?;
            drop(file);
            self.put_file(key, &staged).await
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&staged).await;
        }
        result
    }

    async fn open(&self, key: &str, range: ByteRange) -> BlobResult<BlobReader> {
        let path = self.path_of(key)?;
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(key.to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata().await?.len();
        if range.start > 0 {
            tokio::io::AsyncSeekExt::seek(&mut file, std::io::SeekFrom::Start(range.start)).await?;
        }
        let reader: std::pin::Pin<Box<dyn tokio::io::AsyncRead + Send>> = match range.end {
            Some(end) => Box::pin(file.take(end.saturating_sub(range.start))),
            None => Box::pin(file),
        };
        Ok(BlobReader { reader, len })
    }

    async fn len(&self, key: &str) -> BlobResult<u64> {
        match tokio::fs::metadata(self.path_of(key)?).await {
            Ok(m) if m.is_file() => Ok(m.len()),
            Ok(_) => Err(BlobError::NotFound(key.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(key.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn list<'a>(&'a self, prefix: &'a str) -> KeyStream<'a> {
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let root = self.root.clone();
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || walk(&root, &root, &prefix, &tx));
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed()
    }

    async fn local_file(&self, key: &str) -> BlobResult<LocalFile> {
        let path = self.path_of(key)?;
        if !tokio::fs::try_exists(&path).await? {
            return Err(BlobError::NotFound(key.to_string()));
        }
        Ok(LocalFile::stored(path))
    }

    async fn rename(&self, from: &str, to: &str) -> BlobResult<()> {
        let (source, target) = (self.path_of(from)?, self.path_of(to)?);
        let root = self.root.clone();
        let to = to.to_string();
        tokio::task::spawn_blocking(move || -> BlobResult<()> {
            let parent = target
                .parent()
                .ok_or_else(|| std::io::Error::other("blob key has no parent folder"))?;
            std::fs::create_dir_all(parent)?;
            // A hard link never replaces what is there (a rename would); then the old name goes.
            match std::fs::hard_link(&source, &target) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(BlobError::AlreadyExists(to));
                }
                // Another filesystem: copy into a new file, synced, then drop the old.
                Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                    let mut input = std::fs::File::open(&source)?;
                    let mut output = match std::fs::File::create_new(&target) {
                        Ok(file) => file,
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                            return Err(BlobError::AlreadyExists(to));
                        }
                        Err(e) => return Err(e.into()),
                    };
                    std::io::copy(&mut input, &mut output)?;
                    output.sync_all()?;
                }
                Err(e) => return Err(e.into()),
            }
            sync_dir(parent)?;
            std::fs::remove_file(&source)?;
            let mut folder = source.parent();
            while let Some(dir) = folder {
                // Keep the top two levels (`upload/<user>`): only the nested folders go.
                if dir
                    .strip_prefix(&root)
                    .map_or(true, |d| d.components().count() <= 2)
                    || std::fs::remove_dir(dir).is_err()
                {
                    sync_dir(dir)?;
                    break;
                }
                folder = dir.parent();
            }
            Ok(())
        })
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e)))??;
        Ok(())
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        let path = self.path_of(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[test]
    fn keys_cannot_escape_the_root() {
        let store = LocalBlobStore {
            root: PathBuf::from("/data"),
        };
        assert!(store.path_of("upload/a/b.jpg").is_ok());
        assert!(store.path_of("../etc/passwd").is_err());
        assert!(store.path_of("/etc/passwd").is_err());
        assert!(store.path_of("upload/../../x").is_err());
        assert!(store.path_of("").is_err());
    }

    async fn read(store: &LocalBlobStore, key: &str, range: ByteRange) -> (Vec<u8>, u64) {
        let mut blob = store.open(key, range).await.unwrap();
        let mut bytes = Vec::new();
        blob.reader.read_to_end(&mut bytes).await.unwrap();
        (bytes, blob.len)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ranges_streams_lists_and_local_files() {
        let temp = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(temp.path()).unwrap();
        std::fs::write(temp.path().join("ferrotype.db"), b"catalog").unwrap();
        let key = "upload/u/ab/cd/a.jpg";
        store.put_bytes(key, b"0123456789").await.unwrap();
        assert_eq!(store.len(key).await.unwrap(), 10);
        assert_eq!(
            read(&store, key, ByteRange::ALL).await,
            (b"0123456789".to_vec(), 10)
        );
        assert_eq!(read(&store, key, ByteRange::between(2, 5)).await.0, b"234");
        assert_eq!(read(&store, key, ByteRange::from(7)).await.0, b"789");
        assert!(
            read(&store, key, ByteRange::between(4, 4))
                .await
                .0
                .is_empty()
        );

        let chunks = vec![
            Ok(bytes::Bytes::from_static(b"ab")),
            Ok(bytes::Bytes::from_static(b"cd")),
        ];
        let video = "encoded-video/u/ab/cd/v.mp4";
        let n = store
            .put_stream(video, futures_util::stream::iter(chunks).boxed())
            .await
            .unwrap();
        assert_eq!(n, 4);
        assert_eq!(read(&store, video, ByteRange::ALL).await.0, b"abcd");
        let failing = futures_util::stream::iter(vec![
            Ok(bytes::Bytes::from_static(b"ab")),
            Err(std::io::Error::other("client gone")),
        ])
        .boxed();
        assert!(store.put_stream("upload/u/x.jpg", failing).await.is_err());
        assert!(!store.exists("upload/u/x.jpg").await.unwrap());
        assert_eq!(
            std::fs::read_dir(store.staging_dir()).unwrap().count(),
            0,
            "a failed stream leaves no staging file"
        );

        let mut all: Vec<String> = store.list("").try_collect().await.unwrap();
        all.sort();
        assert_eq!(all, [video, key], "not the catalog nor the staging folder");
        let uploads: Vec<String> = store.list("upload/u/ab").try_collect().await.unwrap();
        assert_eq!(uploads, [key]);
        let none: Vec<String> = store.list("upload/v").try_collect().await.unwrap();
        assert!(none.is_empty());

        let file = store.local_file(key).await.unwrap();
        assert_eq!(file.path(), temp.path().join(key));
        drop(file);
        assert!(store.exists(key).await.unwrap(), "the stored file stays");
        assert!(matches!(
            store.local_file("upload/none.jpg").await,
            Err(BlobError::NotFound(_))
        ));
        assert!(matches!(
            store.len("upload/none.jpg").await,
            Err(BlobError::NotFound(_))
        ));
        store.delete(key).await.unwrap();
        store.delete(key).await.unwrap();
        assert!(!store.exists(key).await.unwrap());
    }

    #[tokio::test]
    async fn rename_never_replaces_and_prunes_empty_folders() {
        let temp = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(temp.path()).unwrap();
        let root = temp.path();
        std::fs::create_dir_all(root.join("upload/u/ab/cd")).unwrap();
        std::fs::write(root.join("upload/u/ab/cd/x.jpg"), b"x").unwrap();
        std::fs::create_dir_all(root.join("library/u/2023")).unwrap();
        std::fs::write(root.join("library/u/2023/taken.jpg"), b"other").unwrap();
        assert!(matches!(
            store
                .rename("upload/u/ab/cd/x.jpg", "library/u/2023/taken.jpg")
                .await,
            Err(BlobError::AlreadyExists(_))
        ));
        assert_eq!(
            std::fs::read(root.join("library/u/2023/taken.jpg")).unwrap(),
            b"other"
        );
        assert_eq!(
            std::fs::read(root.join("upload/u/ab/cd/x.jpg")).unwrap(),
            b"x"
        );
        store
            .rename("upload/u/ab/cd/x.jpg", "library/u/2023/03/x.jpg")
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(root.join("library/u/2023/03/x.jpg")).unwrap(),
            b"x"
        );
        assert!(
            !root.join("upload/u/ab").exists(),
            "empty nested folders go"
        );
        assert!(root.join("upload/u").is_dir(), "the user's folder stays");
        assert!(store.rename("../x", "library/u/y.jpg").await.is_err());
    }
}
