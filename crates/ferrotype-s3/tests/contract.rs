//! The S3 store against real S3 servers (moto and s3s-fs, started here): every operation of
//! the BlobStore port, multipart uploads of several parts, presigned URLs, and a wrong secret.

mod support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ferrotype_core::blob::{BlobError, BlobStore, ByteRange, ServeAs};
use ferrotype_s3::{MIN_PART_SIZE, S3BlobStore, S3Config};
use futures_util::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use support::{Kind, S3Server};
use tokio::io::AsyncReadExt;

const BUCKET: &str = "ferrotype-test";

fn config(server: &S3Server, staging: &std::path::Path, prefix: &str) -> S3Config {
    S3Config {
        bucket: BUCKET.to_string(),
        prefix: prefix.to_string(),
        endpoint: server.endpoint.clone(),
        region: "us-east-1".to_string(),
        access_key_id: server.access_key_id.to_string(),
        secret_access_key: server.secret_access_key.to_string(),
        part_size: MIN_PART_SIZE,
        staging_dir: staging.to_path_buf(),
    }
}

/// The raw client, to look at objects as S3 has them (their ETags).
fn raw_client(server: &S3Server) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_region("us-east-1")
        .with_endpoint(&server.endpoint)
        .with_allow_http(true)
        .with_access_key_id(server.access_key_id)
        .with_secret_access_key(server.secret_access_key)
        .build()
        .unwrap()
}

/// Deterministic bytes that differ at every offset of a part (so a misplaced part shows).
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 4099) as u8).collect()
}

async fn read_all(store: &S3BlobStore, key: &str, range: ByteRange) -> (Vec<u8>, u64) {
    let mut blob = store.open(key, range).await.unwrap();
    let mut bytes = Vec::new();
    blob.reader.read_to_end(&mut bytes).await.unwrap();
    (bytes, blob.len)
}

async fn keys(store: &S3BlobStore, prefix: &str) -> Vec<String> {
    let mut keys: Vec<String> = store.list(prefix).try_collect().await.unwrap();
    keys.sort();
    keys
}

async fn every_operation(kind: Kind) {
    let server = S3Server::start(kind);
    server.create_bucket(BUCKET);
    let temp = tempfile::tempdir().unwrap();
    let staging = temp.path().join("staging");
    let prefix = "photos/prod";
    let store = S3BlobStore::open(&config(&server, &staging, prefix)).unwrap();
    store.check().await.unwrap();
    assert_eq!(store.staging_dir(), staging);
    assert!(staging.is_dir());

    // Small bytes: whole, ranged, from an offset, size.
    let key = "thumbs/u1/ab/cd/a-thumbnail.webp";
    store.put_bytes(key, b"0123456789").await.unwrap();
    assert_eq!(store.len(key).await.unwrap(), 10);
    assert!(store.exists(key).await.unwrap());
    assert_eq!(
        read_all(&store, key, ByteRange::ALL).await,
        (b"0123456789".to_vec(), 10)
    );
    assert_eq!(
        read_all(&store, key, ByteRange::between(2, 5)).await,
        (b"234".to_vec(), 10)
    );
    assert_eq!(
        read_all(&store, key, ByteRange::from(7)).await,
        (b"789".to_vec(), 10)
    );
    assert_eq!(
        read_all(&store, key, ByteRange::between(4, 4)).await,
        (Vec::new(), 10),
        "an empty range reads nothing"
    );

    // A staged file over two parts: multipart (S3 marks such ETags with the part count), the
    // staged file gone, the bytes intact.
    let big = pattern(2 * MIN_PART_SIZE + 12345);
    let staged = staging.join("upload.part");
    std::fs::write(&staged, &big).unwrap();
    let original = "upload/u1/ab/cd/big.mp4";
    store.put_file(original, &staged).await.unwrap();
    assert!(!staged.exists(), "the staged file is removed once uploaded");
    assert_eq!(read_all(&store, original, ByteRange::ALL).await.0, big);
    let raw = raw_client(&server);
    let meta = raw
        .head(&object_store::path::Path::from(format!(
            "{prefix}/{original}"
        )))
        .await
        .unwrap();
    assert!(
        meta.e_tag
            .as_deref()
            .is_some_and(|t| t.trim_matches('"').ends_with("-3")),
        "uploaded in 3 parts: {:?}",
        meta.e_tag
    );
    // A range across a part boundary, as a video player asks.
    let start = MIN_PART_SIZE as u64 - 100;
    assert_eq!(
        read_all(&store, original, ByteRange::between(start, start + 300))
            .await
            .0,
        big[start as usize..start as usize + 300]
    );

    // A stream of odd-sized chunks, also over two parts.
    let chunks: Vec<std::io::Result<Bytes>> = big
        .chunks(777_777)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let streamed = "encoded-video/u1/ab/cd/streamed.mp4";
    let n = store
        .put_stream(streamed, futures_util::stream::iter(chunks).boxed())
        .await
        .unwrap();
    assert_eq!(n, big.len() as u64);
    assert_eq!(read_all(&store, streamed, ByteRange::ALL).await.0, big);

    // A stream that fails half-way leaves no object.
    let failing = futures_util::stream::iter(vec![
        Ok(Bytes::from(vec![1u8; MIN_PART_SIZE + 10])),
        Err(std::io::Error::other("client gone")),
    ])
    .boxed();
    let broken = "upload/u1/ab/cd/broken.jpg";
    assert!(store.put_stream(broken, failing).await.is_err());
    assert!(!store.exists(broken).await.unwrap());

    // Keys with characters S3 clients encode come back as they went in.
    let odd = "library/u1/2024/Holiday [1] 100% ~me.jpg";
    store.put_bytes(odd, b"odd").await.unwrap();
    assert_eq!(read_all(&store, odd, ByteRange::ALL).await.0, b"odd");

    // List: string prefixes, only under our prefix.
    assert_eq!(
        keys(&store, "").await,
        ["encoded-video/u1/ab/cd/streamed.mp4", odd, key, original,]
    );
    assert_eq!(keys(&store, "upload/").await, [original]);
    assert_eq!(keys(&store, "upload/u1/ab/cd/bi").await, [original]);
    assert!(keys(&store, "upload/u2").await.is_empty());
    let other = S3BlobStore::open(&config(&server, &temp.path().join("s2"), "other")).unwrap();
    other.put_bytes("upload/x.jpg", b"x").await.unwrap();
    assert_eq!(
        keys(&store, "upload/").await,
        [original],
        "not another prefix's"
    );
    assert_eq!(keys(&other, "").await, ["upload/x.jpg"]);

    // Rename: copied then deleted; never over another blob.
    let moved = "library/u1/2024/03/big.mp4";
    store.rename(original, moved).await.unwrap();
    assert!(!store.exists(original).await.unwrap());
    assert_eq!(store.len(moved).await.unwrap(), big.len() as u64);
    assert!(matches!(
        store.rename(key, moved).await,
        Err(BlobError::AlreadyExists(_))
    ));
    assert!(
        store.exists(key).await.unwrap(),
        "a refused rename keeps the source"
    );
    assert!(matches!(
        store.rename("upload/none.jpg", "upload/none2.jpg").await,
        Err(BlobError::NotFound(_))
    ));

    // A local copy for the tools: the key's extension, the bytes, gone on drop.
    let copy = store.local_file(moved).await.unwrap();
    let path = copy.path().to_path_buf();
    assert!(path.starts_with(&staging));
    assert_eq!(path.extension().unwrap(), "mp4");
    assert_eq!(std::fs::read(&path).unwrap(), big);
    drop(copy);
    assert!(!path.exists(), "the copy is deleted on drop");
    assert!(matches!(
        store.local_file("upload/none.jpg").await,
        Err(BlobError::NotFound(_))
    ));

    // Presigned URL: fetched without credentials, with the headers asked for.
    let url = store
        .public_url(
            key,
            Duration::from_secs(60),
            &ServeAs {
                content_type: Some("image/webp".to_string()),
                content_disposition: Some("inline; filename=\"a.webp\"".to_string()),
            },
        )
        .await
        .unwrap()
        .expect("S3 has public URLs");
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], "image/webp");
    assert_eq!(
        response.headers()["content-disposition"],
        "inline; filename=\"a.webp\""
    );
    assert_eq!(response.bytes().await.unwrap(), &b"0123456789"[..]);
    let client = reqwest::Client::new();
    let ranged = client
        .get(&url)
        .header("range", "bytes=3-5")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.unwrap(), &b"345"[..]);

    // Missing blobs, deletes, bad keys.
    assert!(matches!(
        store.len("upload/none.jpg").await,
        Err(BlobError::NotFound(_))
    ));
    assert!(matches!(
        store.open("upload/none.jpg", ByteRange::ALL).await,
        Err(BlobError::NotFound(_))
    ));
    for k in [key, moved, streamed, odd] {
        store.delete(k).await.unwrap();
    }
    store.delete("upload/none.jpg").await.unwrap();
    assert!(keys(&store, "").await.is_empty(), "every object deleted");
    assert!(matches!(
        store.put_bytes("../escape", b"x").await,
        Err(BlobError::InvalidKey(_))
    ));
    assert!(matches!(
        store.open("upload/./x", ByteRange::ALL).await,
        Err(BlobError::InvalidKey(_))
    ));
}

#[tokio::test]
async fn every_operation_on_moto() {
    every_operation(Kind::Moto).await;
}

#[tokio::test]
async fn every_operation_on_s3s_fs() {
    every_operation(Kind::S3sFs).await;
}

/// s3s-fs checks signatures: a wrong secret stops `check` with the server's reason, and a
/// store opened with it fails its operations the same way.
#[tokio::test]
async fn a_wrong_secret_is_refused_clearly() {
    let server = S3Server::start(Kind::S3sFs);
    server.create_bucket(BUCKET);
    let temp = tempfile::tempdir().unwrap();
    let mut wrong = config(&server, &temp.path().join("staging"), "");
    wrong.secret_access_key = "not-the-secret".to_string();
    let store = S3BlobStore::open(&wrong).unwrap();
    let error = store.check().await.unwrap_err().to_string();
    assert!(error.contains("SignatureDoesNotMatch"), "{error}");
    let error = store.put_bytes("upload/x.jpg", b"x").await.unwrap_err();
    assert!(matches!(error, BlobError::Remote(_)), "{error}");
    let right = S3BlobStore::open(&config(&server, &temp.path().join("s2"), "")).unwrap();
    right.check().await.unwrap();
    assert!(!right.exists("upload/x.jpg").await.unwrap());
}

/// Uploads many objects at once through one store, as the API does under load.
#[tokio::test]
async fn concurrent_uploads() {
    let server = S3Server::start(Kind::Moto);
    server.create_bucket(BUCKET);
    let temp = tempfile::tempdir().unwrap();
    let store = Arc::new(S3BlobStore::open(&config(&server, &temp.path().join("s"), "c")).unwrap());
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .put_bytes(&format!("upload/u/{i}.jpg"), &pattern(1000 + i))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(keys(&store, "upload/").await.len(), 16);
}
