//! `VersionCheck` (background task queue): asks the operator's release feed for the newest
//! release while the system config's `newVersionCheck.enabled` is on, stores what it found as
//! Immich's `version-check-state` (`checkedAt`, `releaseVersion`), and announces a release newer
//! than this server (`on_new_release`, through the callback the binary gives).
//!
//! The feed answers a "latest release" JSON object: GitHub's (`tag_name`, `published_at`) or
//! Immich's own version service's (`version`, `published_at`); the channel is passed as
//! `?channel=stable|rc`, as Immich passes it (GitHub ignores it). A feed that cannot be reached,
//! answers an error or something else fails the job, logged, and the stored state stays as it
//! was; the next scheduled check tries again.
//!
//! Here, in the binary, because its HTTP client (reqwest) is the only one of the server and the
//! feed's URL is the operator's configuration; the job runner stays free of it.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::payloads::VersionCheckJob;
use ferrotype_core::jobs::{Completion, Job, JobError, TypedJobHandler};
use ferrotype_core::release::{self, RELEASE_CANDIDATE, Version};
use ferrotype_core::system_config::{SystemConfigStore, keys};
use serde_json::{Value, json};

/// Called with the `ReleaseEventV1` of a release newer than this server.
pub type Announce = Arc<dyn Fn(Value) + Send + Sync>;

/// A check this soon after the last one is skipped (Immich's guard against a start and a
/// schedule running it twice).
const MIN_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::seconds(50);

pub struct VersionCheck {
    pub catalog: Arc<dyn Catalog>,
    pub system_config: Arc<SystemConfigStore>,
    /// The operator's release feed; empty: no check is ever made.
    pub feed_url: String,
    pub client: reqwest::Client,
    pub announce: Announce,
}

impl VersionCheck {
    /// The client the check uses: bounded waits, and a User-Agent (GitHub's API refuses
    /// requests without one).
    pub fn client() -> reqwest::Client {
        let (major, minor, patch) = ferrotype_core::IMMICH_VERSION;
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(format!("ferrotype (Immich {major}.{minor}.{patch})"))
            .build()
            .unwrap_or_default()
    }

    /// The newest release's version and publication date, as the feed answers them.
    async fn latest_release(&self, channel: &str) -> Result<(String, String), String> {
        let mut url = reqwest::Url::parse(&self.feed_url)
            .map_err(|e| format!("the release feed {} is not a URL: {e}", self.feed_url))?;
        let channel = if channel == RELEASE_CANDIDATE {
            "rc"
        } else {
            "stable"
        };
        url.query_pairs_mut().append_pair("channel", channel);
        let response = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("the release feed cannot be reached: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let body: String = body.chars().take(200).collect();
            return Err(format!(
                "Version check request failed with status {}: {body}",
                status.as_u16()
            ));
        }
        let body: Value = response
            .json()
            .await
            .map_err(|e| format!("the release feed did not answer JSON: {e}"))?;
        let version = body["tag_name"]
            .as_str()
            .or_else(|| body["version"].as_str())
            .ok_or("the release feed's answer has no tag_name (nor version)")?
            .trim()
            .to_string();
        if Version::parse(&version).is_none() {
            return Err(format!("the release feed's {version:?} is not a version"));
        }
        let published_at = body["published_at"].as_str().unwrap_or("").to_string();
        Ok((version, published_at))
    }
}

#[async_trait]
impl TypedJobHandler for VersionCheck {
    type Payload = VersionCheckJob;

    async fn run(&self, _job: &Job, _check: VersionCheckJob) -> Result<Completion, JobError> {
        let settings = self.system_config.get().new_version_check.clone();
        if !settings.enabled || self.feed_url.is_empty() {
            tracing::debug!("version check disabled; skipped");
            return Ok(Completion::Done);
        }
        let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
        let stored = self
            .catalog
            .system_metadata(keys::VERSION_CHECK_STATE)
            .await
            .map_err(|e| retry(&e))?;
        let last = stored
            .as_ref()
            .and_then(|s| s["checkedAt"].as_str())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        if last.is_some_and(|t| Utc::now() - t.with_timezone(&Utc) < MIN_INTERVAL) {
            tracing::debug!("version checked less than a minute ago; skipped");
            return Ok(Completion::Done);
        }
        let (release_version, published_at) = self
            .latest_release(&settings.channel)
            .await
            .map_err(|why| {
                tracing::warn!("Unable to run version check: {why}");
                JobError::Fatal(why)
            })?;
        let checked_at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let state = json!({ "checkedAt": checked_at, "releaseVersion": release_version });
        self.catalog
            .set_system_metadata(keys::VERSION_CHECK_STATE, &state)
            .await
            .map_err(|e| retry(&e))?;
        let Some(event) = release::release_event(&settings.channel, &checked_at, &release_version)
        else {
            return Ok(Completion::Done);
        };
        if event["isAvailable"] == json!(true) {
            tracing::info!("Found {release_version}, released at {published_at}");
            (self.announce)(event);
        }
        Ok(Completion::Done)
    }
}
