//! `SendMail` (notifications queue): one rendered email, sent over the SMTP server of the
//! system config as it is when the job runs; skipped while SMTP is disabled, as Immich does.
//! A server that cannot be reached or refuses is retried; a message that cannot be built
//! (a bad address) fails at once.

use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::jobs::Job;
use ferrotype_core::system_config::SystemConfigStore;
use ferrotype_mail::{Email, MailError};

use crate::{Completion, JobError, JobHandler};

pub struct SendMail {
    pub system_config: Arc<SystemConfigStore>,
}

#[async_trait]
impl JobHandler for SendMail {
    async fn run(&self, job: &Job) -> Result<Completion, JobError> {
        let smtp = self.system_config.get().notifications.smtp.clone();
        if !smtp.enabled {
            tracing::debug!(job = job.id, "SMTP is disabled; email not sent");
            return Ok(Completion::Done);
        }
        let field = |name: &str| {
            job.payload[name]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| JobError::Fatal(format!("job has no {name}")))
        };
        let email = Email {
            from: smtp.from.clone(),
            reply_to: smtp.reply_to.clone(),
            to: field("to")?,
            subject: field("subject")?,
            html: field("html")?,
            text: field("text")?,
        };
        match ferrotype_mail::send(&smtp.transport, &email).await {
            Ok(message_id) => {
                tracing::info!(to = %email.to, %message_id, "sent mail");
                Ok(Completion::Done)
            }
            Err(e @ MailError::Smtp(_)) => Err(JobError::Retry(e.to_string())),
            Err(e) => Err(JobError::Fatal(e.to_string())),
        }
    }
}
