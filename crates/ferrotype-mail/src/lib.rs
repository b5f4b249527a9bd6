//! Email: the messages Immich sends (its templates, with our own HTML) and sending them over
//! SMTP with `lettre`, as the system config's `notifications.smtp` section describes.

pub mod jobs;
pub mod smtp;
pub mod templates;

pub use smtp::{Email, MailError, send, verify};
