//! Files under one root folder. Keys are relative paths (`upload/<user>/ab/cd/<id>.jpg`); a key
//! that could climb out of the root is refused.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;
use ferrotype_core::blob::{BlobError, BlobReader, BlobResult, BlobStore};

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

    /// The file behind a key.
    pub fn path_of(&self, key: &str) -> BlobResult<PathBuf> {
        let relative = Path::new(key);
        let safe = !key.is_empty()
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            return Err(BlobError::InvalidKey(key.to_string()));
        }
        Ok(self.root.join(relative))
    }
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

    async fn put_bytes(&self, key: &str, bytes: &[u8]) -> BlobResult<()> {
        let staged = self
            .staging_dir()
            .join(format!("{}.part", uuid::Uuid::new_v4()));
        let result = async {
            let mut file = tokio::fs::File::create(&staged).await?;
            tokio::io::AsyncWriteExt::write_all(&mut file, bytes).await?;
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

    async fn open(&self, key: &str, offset: u64) -> BlobResult<BlobReader> {
        let path = self.path_of(key)?;
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(key.to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata().await?.len();
        if offset > 0 {
            tokio::io::AsyncSeekExt::seek(&mut file, std::io::SeekFrom::Start(offset)).await?;
        }
        Ok(BlobReader {
            reader: Box::pin(file),
            len,
        })
    }

    async fn rename(&self, from: &str, to: &str) -> BlobResult<()> {
        let (source, target) = (self.path_of(from)?, self.path_of(to)?);
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let parent = target
                .parent()
                .ok_or_else(|| std::io::Error::other("blob key has no parent folder"))?;
            std::fs::create_dir_all(parent)?;
            // A hard link never replaces what is there (a rename would); then the old name goes.
            match std::fs::hard_link(&source, &target) {
                Ok(()) => {}
                // Another filesystem: copy into a new file, synced, then drop the old.
                Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                    let mut input = std::fs::File::open(&source)?;
                    let mut output = std::fs::File::create_new(&target)?;
                    std::io::copy(&mut input, &mut output)?;
                    output.sync_all()?;
                }
                Err(e) => return Err(e),
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

    fn local_path(&self, key: &str) -> BlobResult<PathBuf> {
        self.path_of(key)
    }

    async fn exists(&self, key: &str) -> BlobResult<bool> {
        Ok(tokio::fs::try_exists(self.path_of(key)?).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn rename_never_replaces_and_prunes_empty_folders() {
        let temp = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(temp.path()).unwrap();
        let root = temp.path();
        std::fs::create_dir_all(root.join("upload/u/ab/cd")).unwrap();
        std::fs::write(root.join("upload/u/ab/cd/x.jpg"), b"x").unwrap();
        std::fs::create_dir_all(root.join("library/u/2023")).unwrap();
        std::fs::write(root.join("library/u/2023/taken.jpg"), b"other").unwrap();
        assert!(
            store
                .rename("upload/u/ab/cd/x.jpg", "library/u/2023/taken.jpg")
                .await
                .is_err()
        );
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
