//! `SendMail` (notifications queue): one rendered email, sent over the SMTP server of the
//! system config as it is when the job runs; skipped while SMTP is disabled, as Immich does.
//! A server that cannot be reached or refuses is retried; a message that cannot be built
//! (a bad address) fails at once.

use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::jobs::payloads::SendMailJob;
use ferrotype_core::jobs::{Completion, Job, JobError, JobHandlers, TypedJobHandler};
use ferrotype_core::system_config::SystemConfigStore;

use crate::{Email, MailError};

/// Adds the mail job's handler.
pub fn register(handlers: &mut JobHandlers, system_config: Arc<SystemConfigStore>) {
    handlers.add(SendMail { system_config });
}

pub struct SendMail {
    pub system_config: Arc<SystemConfigStore>,
}

#[async_trait]
impl TypedJobHandler for SendMail {
    type Payload = SendMailJob;

    async fn run(&self, job: &Job, mail: SendMailJob) -> Result<Completion, JobError> {
        let smtp = self.system_config.get().notifications.smtp.clone();
        if !smtp.enabled {
            tracing::debug!(job = job.id, "SMTP is disabled; email not sent");
            return Ok(Completion::Done);
        }
        let email = Email {
            from: smtp.from.clone(),
            reply_to: smtp.reply_to.clone(),
            to: mail.to,
            subject: mail.subject,
            html: mail.html,
            text: mail.text,
        };
        match crate::send(&smtp.transport, &email).await {
            Ok(message_id) => {
                tracing::info!(to = %email.to, %message_id, "sent mail");
                Ok(Completion::Done)
            }
            Err(e @ MailError::Smtp(_)) => Err(JobError::Retry(e.to_string())),
            Err(e) => Err(JobError::Fatal(e.to_string())),
        }
    }
}
