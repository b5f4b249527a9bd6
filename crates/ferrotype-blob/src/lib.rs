//! BlobStore implementations: where originals and generated files live. The local filesystem is
//! the default (inside the data folder); S3 comes later behind the same port.

mod local;

pub use local::LocalBlobStore;
