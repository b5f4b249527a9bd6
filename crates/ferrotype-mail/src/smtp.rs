//! Sending over SMTP: one connection per message (mail is rare; no pool to keep alive), with
//! Immich's transport settings. `secure` means TLS from the first byte (port 465); otherwise the
//! connection is upgraded with STARTTLS when the server offers it, as nodemailer does.
//! `ignoreCert` accepts any certificate. Every step waits at most `TIMEOUT`.

use std::time::Duration;

use ferrotype_core::system_config::SmtpTransport;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Immich gives nodemailer a 5 s connection timeout; lettre applies ours to each command too.
const TIMEOUT: Duration = Duration::from_secs(5);

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// `Name <address>` or a bare address.
    pub from: String,
    /// Where replies go; the sender when empty.
    pub reply_to: String,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid SMTP port {0}")]
    Port(i64),
    #[error("invalid address {0:?}: {1}")]
    Address(String, String),
    #[error("cannot build the message: {0}")]
    Message(String),
    #[error("the SMTP server did not answer as expected")]
    NotConnected,
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Connects (TLS and login included) and says goodbye: Immich's `verifySmtp`.
pub async fn verify(settings: &SmtpTransport) -> Result<(), MailError> {
    if transport(settings)?.test_connection().await? {
        Ok(())
    } else {
        Err(MailError::NotConnected)
    }
}

/// Sends `email` (HTML with a plain-text alternative) and returns its Message-ID.
pub async fn send(settings: &SmtpTransport, email: &Email) -> Result<String, MailError> {
    let from = mailbox(&email.from)?;
    let reply_to = if email.reply_to.is_empty() {
        from.clone()
    } else {
        mailbox(&email.reply_to)?
    };
    // As nodemailer makes it: a random id at the sender's domain.
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), from.email.domain());
    let message = Message::builder()
        .from(from)
        .reply_to(reply_to)
        .to(mailbox(&email.to)?)
        .subject(email.subject.clone())
        .message_id(Some(message_id.clone()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(email.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(email.html.clone()),
                ),
        )
        .map_err(|e| MailError::Message(e.to_string()))?;
    transport(settings)?.send(message).await?;
    Ok(message_id)
}

fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .trim()
        .parse()
        .map_err(|e: lettre::address::AddressError| {
            MailError::Address(address.to_string(), e.to_string())
        })
}

fn transport(settings: &SmtpTransport) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let port = u16::try_from(settings.port).map_err(|_| MailError::Port(settings.port))?;
    let tls = TlsParameters::builder(settings.host.clone())
        .dangerous_accept_invalid_certs(settings.ignore_cert)
        .build_rustls()?;
    let tls = if settings.secure {
        Tls::Wrapper(tls)
    } else {
        Tls::Opportunistic(tls)
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        .port(port)
        .tls(tls)
        .timeout(Some(TIMEOUT))
        .hello_name(ClientId::Domain(hostname()));
    // As Immich: a login only when a user name or a password is set.
    if !settings.username.is_empty() || !settings.password.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.username.clone(),
            settings.password.clone(),
        ));
    }
    Ok(builder.build())
}

/// This machine's name for EHLO (servers may refuse `localhost`).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}
