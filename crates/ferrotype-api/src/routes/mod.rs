pub mod albums;
pub mod api_keys;
pub mod assets;
pub mod auth;
pub mod jobs;
pub mod server;
pub mod upload;
pub mod users;
