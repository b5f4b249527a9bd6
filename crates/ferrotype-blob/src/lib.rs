//! BlobStore implementations: where originals and generated files live. The local filesystem is
//! the default (inside the data folder); S3 is `ferrotype-s3`, behind the same port.

mod local;

pub use local::LocalBlobStore;
