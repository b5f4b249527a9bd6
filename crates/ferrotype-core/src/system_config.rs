//! Immich's system configuration (`/api/system-config`): the settings an admin changes at run time.
//! Stored as Immich stores it, as the difference from the defaults under the `system-config`
//! key of the system metadata, so that a default changed by a later version reaches every
//! server that never set that value. One copy lives in memory behind [`SystemConfigStore`];
//! whoever needs a setting reads the current copy, so a change takes effect without a restart.
//! A config file (Immich's `IMMICH_CONFIG_FILE`) replaces the stored difference and makes the
//! configuration read-only.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::catalog::{Catalog, CatalogError};

/// Keys of the server-wide metadata (Immich's `SystemMetadataKey`).
pub mod keys {
    pub const SYSTEM_CONFIG: &str = "system-config";
    pub const ADMIN_ONBOARDING: &str = "admin-onboarding";
    pub const LICENSE: &str = "license";
    pub const REVERSE_GEOCODING_STATE: &str = "reverse-geocoding-state";
    pub const VERSION_CHECK_STATE: &str = "version-check-state";
    /// `{"lastOnThisDayDate": <ISO time>}`: the last day whose "on this day" memories were made.
    pub const MEMORIES_STATE: &str = "memories-state";
    /// Immich's `MaintenanceModeState`: `ferrotype_core::maintenance`.
    pub const MAINTENANCE_MODE: &str = "maintenance-mode";
}

/// Immich's defaults (`server/src/config.ts`), as `GET /api/system-config/defaults` answers them.
/// Machine learning is off: Ferrotype has none (Immich's own value with
/// `IMMICH_MACHINE_LEARNING_ENABLED=false`, as its end-to-end tests run).
pub fn defaults_json() -> Value {
    let job = |n: u32| json!({ "concurrency": n });
    json!({
        "backup": { "database": { "enabled": true, "cronExpression": "0 02 * * *", "keepLastAmount": 14 } },
        "ffmpeg": {
            "crf": 23, "threads": 0, "preset": "ultrafast", "targetVideoCodec": "h264",
            "acceptedVideoCodecs": ["h264"], "targetAudioCodec": "aac",
            "acceptedAudioCodecs": ["aac", "mp3", "opus"], "acceptedContainers": ["mov", "ogg", "webm"],
            "targetResolution": "720", "maxBitrate": "0", "bframes": -1, "refs": 0, "gopSize": 0,
            "temporalAQ": false, "cqMode": "auto", "twoPass": false, "preferredHwDevice": "auto",
            "transcode": "required", "tonemap": "hable", "accel": "disabled", "accelDecode": true,
            "realtime": { "enabled": false, "videoCodecs": ["h264", "hevc"], "resolutions": [480, 720, 1080] },
        },
        "integrityChecks": {
            "missingFiles": { "enabled": true, "cronExpression": "0 03 * * *" },
            "untrackedFiles": { "enabled": true, "cronExpression": "0 03 * * *" },
            "checksumFiles": { "enabled": true, "cronExpression": "0 03 * * *", "timeLimit": 3_600_000, "percentageLimit": 1.0 },
        },
        "job": {
            "backgroundTask": job(5), "smartSearch": job(2), "metadataExtraction": job(5),
            "faceDetection": job(2), "search": job(5), "sidecar": job(5), "library": job(5),
            "migration": job(5), "thumbnailGeneration": job(3), "videoConversion": job(1),
            "notifications": job(5), "ocr": job(1), "workflow": job(5), "integrityCheck": job(1),
            "editor": job(2),
        },
        "logging": { "enabled": true, "level": "log" },
        "machineLearning": {
            "enabled": false,
            "urls": ["http://immich-machine-learning:3003"],
            "availabilityChecks": { "enabled": true, "timeout": 2000, "interval": 30_000 },
            "clip": { "enabled": true, "modelName": "ViT-B-32__openai" },
            "duplicateDetection": { "enabled": true, "maxDistance": 0.01 },
            "facialRecognition": { "enabled": true, "modelName": "buffalo_l", "minScore": 0.7, "maxDistance": 0.5, "minFaces": 3 },
            "ocr": { "enabled": true, "modelName": "PP-OCRv5_mobile", "minDetectionScore": 0.5, "minRecognitionScore": 0.8, "maxResolution": 736 },
        },
        "map": {
            "enabled": true,
            "lightStyle": "https://tiles.immich.cloud/v1/style/light.json",
            "darkStyle": "https://tiles.immich.cloud/v1/style/dark.json",
        },
        "reverseGeocoding": { "enabled": true },
        "metadata": { "faces": { "import": false } },
        "oauth": {
            "autoLaunch": false, "autoRegister": true, "buttonText": "Login with OAuth", "clientId": "",
            "clientSecret": "", "defaultStorageQuota": null, "enabled": false, "issuerUrl": "",
            "endSessionEndpoint": "", "mobileOverrideEnabled": false, "mobileRedirectUri": "", "prompt": "",
            "scope": "openid email profile", "signingAlgorithm": "RS256", "profileSigningAlgorithm": "none",
            "storageLabelClaim": "preferred_username", "storageQuotaClaim": "immich_quota",
            "roleClaim": "immich_role", "tokenEndpointAuthMethod": "client_secret_post", "timeout": 30_000,
            "allowInsecureRequests": false,
        },
        "passwordLogin": { "enabled": true },
        "storageTemplate": { "enabled": false, "hashVerificationEnabled": true, "template": "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}" },
        "image": {
            "thumbnail": { "format": "webp", "size": 250, "quality": 80, "progressive": false },
            "preview": { "format": "jpeg", "size": 1440, "quality": 80, "progressive": false },
            "colorspace": "p3",
            "extractEmbedded": false,
            "fullsize": { "enabled": false, "format": "jpeg", "quality": 80, "progressive": false },
        },
        "newVersionCheck": { "enabled": true, "channel": "stable" },
        "nightlyTasks": {
            "startTime": "00:00", "databaseCleanup": true, "generateMemories": true, "syncQuotaUsage": true,
            "missingThumbnails": true, "clusterNewFaces": true,
        },
        "trash": { "enabled": true, "days": 30 },
        "theme": { "customCss": "" },
        "library": { "scan": { "enabled": true, "cronExpression": "0 0 * * *" }, "watch": { "enabled": false } },
        "server": { "externalDomain": "", "loginPageMessage": "", "publicUsers": true },
        "notifications": {
            "smtp": {
                "enabled": false, "from": "", "replyTo": "",
                "transport": { "ignoreCert": false, "host": "", "port": 587, "secure": false, "username": "", "password": "" },
            },
        },
        "templates": { "email": { "welcomeTemplate": "", "albumInviteTemplate": "", "albumUpdateTemplate": "" } },
        "user": { "deleteDelay": 7 },
    })
}

// The typed configuration: every section as Immich's SystemConfigDto names it. Enumerations are
// kept as the strings clients send and checked in `validate`. Unknown keys are dropped, as
// Immich's schema strips them.

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemConfig {
    pub backup: Backup,
    pub ffmpeg: Ffmpeg,
    pub integrity_checks: IntegrityChecks,
    pub job: Jobs,
    pub logging: Logging,
    pub machine_learning: MachineLearning,
    pub map: MapConfig,
    pub reverse_geocoding: Enabled,
    pub metadata: MetadataConfig,
    pub oauth: OAuth,
    pub password_login: Enabled,
    pub storage_template: StorageTemplate,
    pub image: Image,
    pub new_version_check: NewVersionCheck,
    pub nightly_tasks: NightlyTasks,
    pub trash: Trash,
    pub theme: Theme,
    pub library: Library,
    pub server: ServerSettings,
    pub notifications: Notifications,
    pub templates: Templates,
    pub user: UserSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enabled {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    pub database: DatabaseBackup,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseBackup {
    pub enabled: bool,
    pub cron_expression: String,
    pub keep_last_amount: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ffmpeg {
    pub crf: i64,
    pub threads: i64,
    pub preset: String,
    pub target_video_codec: String,
    pub accepted_video_codecs: Vec<String>,
    pub target_audio_codec: String,
    pub accepted_audio_codecs: Vec<String>,
    pub accepted_containers: Vec<String>,
    pub target_resolution: String,
    pub max_bitrate: String,
    pub bframes: i64,
    pub refs: i64,
    pub gop_size: i64,
    #[serde(rename = "temporalAQ")]
    pub temporal_aq: bool,
    pub cq_mode: String,
    pub two_pass: bool,
    pub preferred_hw_device: String,
    pub transcode: String,
    pub accel: String,
    pub accel_decode: bool,
    pub tonemap: String,
    pub realtime: FfmpegRealtime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FfmpegRealtime {
    pub enabled: bool,
    pub video_codecs: Vec<String>,
    pub resolutions: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityChecks {
    pub missing_files: IntegrityJob,
    pub untracked_files: IntegrityJob,
    pub checksum_files: ChecksumJob,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityJob {
    pub enabled: bool,
    pub cron_expression: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChecksumJob {
    pub enabled: bool,
    pub cron_expression: String,
    pub time_limit: i64,
    pub percentage_limit: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct JobSettings {
    pub concurrency: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Jobs {
    pub background_task: JobSettings,
    pub smart_search: JobSettings,
    pub metadata_extraction: JobSettings,
    pub face_detection: JobSettings,
    pub search: JobSettings,
    pub sidecar: JobSettings,
    pub library: JobSettings,
    pub migration: JobSettings,
    pub thumbnail_generation: JobSettings,
    pub video_conversion: JobSettings,
    pub notifications: JobSettings,
    pub ocr: JobSettings,
    pub workflow: JobSettings,
    pub integrity_check: JobSettings,
    pub editor: JobSettings,
}

impl Jobs {
    /// How many jobs of `queue` the admin wants run at once; `None` for queues the config does
    /// not size (the storage template's runs one at a time, as in Immich).
    pub fn concurrency_of(&self, queue: crate::jobs::QueueName) -> Option<usize> {
        use crate::jobs::QueueName as Q;
        let settings = match queue {
            Q::BackgroundTask => self.background_task,
            Q::SmartSearch => self.smart_search,
            Q::MetadataExtraction => self.metadata_extraction,
            Q::FaceDetection => self.face_detection,
            Q::Search => self.search,
            Q::Sidecar => self.sidecar,
            Q::Library => self.library,
            Q::Migration => self.migration,
            Q::ThumbnailGeneration => self.thumbnail_generation,
            Q::VideoConversion => self.video_conversion,
            Q::Notifications => self.notifications,
            Q::Ocr => self.ocr,
            Q::Workflow => self.workflow,
            Q::IntegrityCheck => self.integrity_check,
            Q::Editor => self.editor,
            Q::StorageTemplateMigration
            | Q::FacialRecognition
            | Q::DuplicateDetection
            | Q::BackupDatabase => return None,
        };
        Some(settings.concurrency.max(1) as usize)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Logging {
    pub enabled: bool,
    pub level: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineLearning {
    pub enabled: bool,
    pub urls: Vec<String>,
    pub availability_checks: AvailabilityChecks,
    pub clip: ModelConfig,
    pub duplicate_detection: DuplicateDetection,
    pub facial_recognition: FacialRecognition,
    pub ocr: Ocr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityChecks {
    pub enabled: bool,
    pub timeout: i64,
    pub interval: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelConfig {
    pub enabled: bool,
    pub model_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateDetection {
    pub enabled: bool,
    pub max_distance: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacialRecognition {
    pub enabled: bool,
    pub model_name: String,
    pub min_score: f64,
    pub max_distance: f64,
    pub min_faces: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ocr {
    pub enabled: bool,
    pub model_name: String,
    pub min_detection_score: f64,
    pub min_recognition_score: f64,
    pub max_resolution: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapConfig {
    pub enabled: bool,
    pub light_style: String,
    pub dark_style: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataConfig {
    pub faces: FacesConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacesConfig {
    pub import: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuth {
    pub auto_launch: bool,
    pub auto_register: bool,
    pub button_text: String,
    pub client_id: String,
    pub client_secret: String,
    /// Always written, `null` included.
    pub default_storage_quota: Option<i64>,
    pub enabled: bool,
    pub issuer_url: String,
    pub end_session_endpoint: String,
    pub mobile_override_enabled: bool,
    pub mobile_redirect_uri: String,
    pub prompt: String,
    pub scope: String,
    pub signing_algorithm: String,
    pub profile_signing_algorithm: String,
    pub storage_label_claim: String,
    pub storage_quota_claim: String,
    pub role_claim: String,
    pub token_endpoint_auth_method: String,
    pub timeout: i64,
    pub allow_insecure_requests: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageTemplate {
    pub enabled: bool,
    pub hash_verification_enabled: bool,
    pub template: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub thumbnail: GeneratedImage,
    pub preview: GeneratedImage,
    pub colorspace: String,
    pub extract_embedded: bool,
    pub fullsize: FullsizeImage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedImage {
    pub format: String,
    pub size: i64,
    pub quality: i64,
    #[serde(default)]
    pub progressive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FullsizeImage {
    pub enabled: bool,
    pub format: String,
    pub quality: i64,
    #[serde(default)]
    pub progressive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewVersionCheck {
    pub enabled: bool,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NightlyTasks {
    pub start_time: String,
    pub database_cleanup: bool,
    pub generate_memories: bool,
    pub sync_quota_usage: bool,
    pub missing_thumbnails: bool,
    pub cluster_new_faces: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trash {
    pub enabled: bool,
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Theme {
    pub custom_css: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Library {
    pub scan: IntegrityJob,
    pub watch: Enabled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerSettings {
    pub external_domain: String,
    pub login_page_message: String,
    pub public_users: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notifications {
    pub smtp: Smtp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Smtp {
    pub enabled: bool,
    pub from: String,
    pub reply_to: String,
    pub transport: SmtpTransport,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmtpTransport {
    pub ignore_cert: bool,
    pub host: String,
    pub port: i64,
    pub secure: bool,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Templates {
    pub email: EmailTemplates,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailTemplates {
    pub welcome_template: String,
    pub album_invite_template: String,
    pub album_update_template: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSettings {
    pub delete_delay: i64,
}

impl Default for SystemConfig {
    fn default() -> Self {
        serde_json::from_value(defaults_json()).expect("the defaults fit the type")
    }
}

impl SystemConfig {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a config always serializes")
    }

    /// The configuration a partial one (stored difference or config file) describes: its values
    /// laid over the defaults, then normalised as Immich does. Errors name what does not fit.
    pub fn from_partial(partial: &Value) -> Result<SystemConfig, String> {
        let mut merged = defaults_json();
        overlay(&mut merged, partial);
        let mut config: SystemConfig =
            serde_json::from_value(merged).map_err(|e| format!("Invalid system config: {e}"))?;
        config.normalise();
        Ok(config)
    }

    /// Immich's adjustments after loading: the external domain reduced to its origin, the
    /// target codecs counted among the accepted ones.
    pub fn normalise(&mut self) {
        if let Some(origin) = url_origin(&self.server.external_domain) {
            self.server.external_domain = origin;
        }
        let ffmpeg = &mut self.ffmpeg;
        if !ffmpeg
            .accepted_video_codecs
            .contains(&ffmpeg.target_video_codec)
        {
            ffmpeg
                .accepted_video_codecs
                .push(ffmpeg.target_video_codec.clone());
        }
        if !ffmpeg
            .accepted_audio_codecs
            .contains(&ffmpeg.target_audio_codec)
        {
            ffmpeg
                .accepted_audio_codecs
                .push(ffmpeg.target_audio_codec.clone());
        }
    }

    /// What is stored: every value that differs from the default. Like Immich, empty strings and
    /// nulls are not stored (they read back as the default); arrays are compared whole.
    pub fn difference_from_defaults(&self) -> Value {
        let mut out = Map::new();
        difference(&defaults_json(), &self.to_json(), &mut out);
        Value::Object(out)
    }
}

/// Lays `partial` over `base`, object by object; any other value replaces.
fn overlay(base: &mut Value, partial: &Value) {
    match (base, partial) {
        (Value::Object(base), Value::Object(partial)) => {
            for (key, value) in partial {
                match base.get_mut(key) {
                    Some(slot) if slot.is_object() && value.is_object() => overlay(slot, value),
                    // Unknown keys are dropped, as Immich's schema strips them.
                    Some(slot) => *slot = value.clone(),
                    None => {}
                }
            }
        }
        (base, partial) => *base = partial.clone(),
    }
}

fn difference(defaults: &Value, config: &Value, out: &mut Map<String, Value>) {
    let (Value::Object(defaults), Value::Object(config)) = (defaults, config) else {
        return;
    };
    for (key, default) in defaults {
        let Some(value) = config.get(key) else {
            continue;
        };
        if default.is_object() {
            let mut inner = Map::new();
            difference(default, value, &mut inner);
            if !inner.is_empty() {
                out.insert(key.clone(), Value::Object(inner));
            }
            continue;
        }
        let empty = value.is_null() || value.as_str() == Some("");
        if !empty && !same_value(value, default) {
            out.insert(key.clone(), value.clone());
        }
    }
}

/// Equal as JSON values, numbers compared by value (`1` equals `1.0`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// `scheme://host[:port]` of an absolute URL with a host, as the browser's `URL.origin` gives it
/// (user and password kept, as Immich keeps them).
fn url_origin(text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let url = url::Url::parse(text).ok()?;
    let host = url.host_str()?;
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let credentials = match (url.username(), url.password()) {
        (user, Some(password)) if !user.is_empty() => format!("{user}:{password}@"),
        _ => String::new(),
    };
    Some(format!("{}://{credentials}{host}{port}", url.scheme()))
}

fn is_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| u.has_host())
}

/// Checks the rules of a new configuration that its schema cannot state: the storage template,
/// URLs and cron expressions (Immich's services check these); the first broken one is the
/// message of the 400 answer. Types, enums, ranges and patterns are the contract's
/// (`SystemConfigDto`): the API checks them on every request body, the binary on a config file.
pub fn validate(config: &SystemConfig) -> Result<(), String> {
    let c = config;
    crate::storage_template::Template::compile(&c.storage_template.template)?;
    if !c.server.external_domain.is_empty() && !is_url(&c.server.external_domain) {
        return Err("External domain must be an empty string or a valid URL".into());
    }
    for (path, url) in [
        ("map.lightStyle", &c.map.light_style),
        ("map.darkStyle", &c.map.dark_style),
    ] {
        if !is_url(url) {
            return Err(format!("{path} must be a valid URL"));
        }
    }
    if !c.oauth.issuer_url.is_empty() && !is_url(&c.oauth.issuer_url) {
        return Err("Issuer URL must be an empty string or a valid URL".into());
    }
    if !c.oauth.end_session_endpoint.is_empty() && !is_url(&c.oauth.end_session_endpoint) {
        return Err("endSessionEndpoint must be an empty string or a valid URL".into());
    }
    for (path, cron) in [
        (
            "backup.database.cronExpression",
            &c.backup.database.cron_expression,
        ),
        (
            "library.scan.cronExpression",
            &c.library.scan.cron_expression,
        ),
        (
            "integrityChecks.missingFiles.cronExpression",
            &c.integrity_checks.missing_files.cron_expression,
        ),
        (
            "integrityChecks.untrackedFiles.cronExpression",
            &c.integrity_checks.untracked_files.cron_expression,
        ),
        (
            "integrityChecks.checksumFiles.cronExpression",
            &c.integrity_checks.checksum_files.cron_expression,
        ),
    ] {
        if let Err(why) = check_cron(cron) {
            return Err(format!("{path}: Invalid cron expression. {why}"));
        }
    }
    Ok(())
}

/// A cron expression of 5 or 6 fields (seconds first in the 6-field form, as the `cron` package
/// Immich uses reads it), each a list of `*`, values, ranges and steps, with month and weekday
/// names allowed.
fn check_cron(expression: &str) -> Result<(), String> {
    let fields: Vec<&str> = expression.split_whitespace().collect();
    let limits: &[(u32, u32)] = match fields.len() {
        5 => &[(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)],
        6 => &[(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7)],
        n => return Err(format!("Expected 5 or 6 fields, found {n}")),
    };
    const NAMES: &[&str] = &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "sun",
        "mon", "tue", "wed", "thu", "fri", "sat",
    ];
    let value_ok = |text: &str, (min, max): (u32, u32)| {
        text.parse::<u32>()
            .map(|n| (min..=max).contains(&n))
            .unwrap_or_else(|_| NAMES.contains(&text.to_ascii_lowercase().as_str()))
    };
    for (field, &limit) in fields.iter().zip(limits) {
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => (range, Some(step)),
                None => (part, None),
            };
            if step.is_some_and(|s| !s.parse::<u32>().is_ok_and(|n| n > 0)) {
                return Err(format!("Invalid step in '{field}'"));
            }
            let ok = range == "*"
                || match range.split_once('-') {
                    Some((a, b)) => value_ok(a, limit) && value_ok(b, limit),
                    None => value_ok(range, limit),
                };
            if !ok {
                return Err(format!("Invalid value '{field}'"));
            }
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigUpdateError {
    /// The configuration comes from a file.
    #[error("Cannot update configuration while IMMICH_CONFIG_FILE is in use")]
    ReadOnly,
    /// A rule is broken; the message is Immich's.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// The configuration the catalog holds over the defaults; one that no longer fits is logged and
/// the defaults are used.
async fn stored(catalog: &dyn Catalog) -> Result<SystemConfig, CatalogError> {
    let stored = catalog.system_metadata(keys::SYSTEM_CONFIG).await?;
    Ok(
        match stored.map(|partial| SystemConfig::from_partial(&partial)) {
            None => SystemConfig::default(),
            Some(Ok(config)) => {
                if let Err(why) = validate(&config) {
                    tracing::error!("the stored system config breaks a rule ({why}); used anyway");
                }
                config
            }
            Some(Err(why)) => {
                tracing::error!("the stored system config is unusable ({why}); using the defaults");
                SystemConfig::default()
            }
        },
    )
}

/// The live configuration: read by everyone, replaced by `update` (or `reload`, when another
/// process updated it).
pub struct SystemConfigStore {
    current: RwLock<Arc<SystemConfig>>,
    /// The config file it came from, which makes it read-only.
    file: Option<PathBuf>,
    /// One update at a time, so that the stored and the live copy end up the same.
    updating: tokio::sync::Mutex<()>,
}

impl SystemConfigStore {
    /// A store holding `config`, for tests and tools.
    pub fn fixed(config: SystemConfig) -> SystemConfigStore {
        SystemConfigStore {
            current: RwLock::new(Arc::new(config)),
            file: None,
            updating: tokio::sync::Mutex::new(()),
        }
    }

    /// Loads the stored difference from the catalog. One that no longer fits (written by another
    /// version) is logged and the defaults are used, as a server must still start.
    pub async fn load(catalog: &dyn Catalog) -> Result<SystemConfigStore, CatalogError> {
        Ok(SystemConfigStore::fixed(stored(catalog).await?))
    }

    /// Reads the stored configuration again and makes it live: another process changed it. A
    /// configuration from a file stays as it is.
    pub async fn reload(&self, catalog: &dyn Catalog) -> Result<(), CatalogError> {
        if self.file.is_some() {
            return Ok(());
        }
        let _one_at_a_time = self.updating.lock().await;
        let live = Arc::new(stored(catalog).await?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = live;
        Ok(())
    }

    /// The configuration read from a file (Immich's format: any part of SystemConfigDto, JSON,
    /// laid over the defaults with `SystemConfig::from_partial`), read-only from then on. Unlike
    /// a stored one, a file that breaks a rule stops the start.
    pub fn from_file(path: PathBuf, config: SystemConfig) -> Result<SystemConfigStore, String> {
        validate(&config)?;
        Ok(SystemConfigStore {
            file: Some(path),
            ..SystemConfigStore::fixed(config)
        })
    }

    pub fn get(&self) -> Arc<SystemConfig> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The config file the configuration comes from, if any (then it cannot be changed).
    pub fn file(&self) -> Option<&PathBuf> {
        self.file.as_ref()
    }

    /// Validates, stores the difference from the defaults, and makes it the live configuration.
    pub async fn update(
        &self,
        catalog: &dyn Catalog,
        new: SystemConfig,
    ) -> Result<Arc<SystemConfig>, ConfigUpdateError> {
        if self.file.is_some() {
            return Err(ConfigUpdateError::ReadOnly);
        }
        validate(&new).map_err(ConfigUpdateError::Invalid)?;
        let _one_at_a_time = self.updating.lock().await;
        let difference = new.difference_from_defaults();
        catalog
            .set_system_metadata(keys::SYSTEM_CONFIG, &difference)
            .await?;
        // Read back as a load would, so what is live is exactly what the next start will see.
        let live =
            Arc::new(SystemConfig::from_partial(&difference).map_err(ConfigUpdateError::Invalid)?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = live.clone();
        Ok(live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip() {
        let config = SystemConfig::default();
        assert_eq!(config.to_json(), defaults_json());
        assert_eq!(config.difference_from_defaults(), json!({}));
        assert!(validate(&config).is_ok());
    }

    #[test]
    fn only_differences_are_stored() {
        let mut config = SystemConfig::default();
        config.trash.days = 3;
        config.server.login_page_message = String::new();
        config.ffmpeg.accepted_containers = vec!["mp4".into()];
        assert_eq!(
            config.difference_from_defaults(),
            json!({ "trash": { "days": 3 }, "ffmpeg": { "acceptedContainers": ["mp4"] } })
        );
        let back = SystemConfig::from_partial(&config.difference_from_defaults()).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn partial_over_defaults_and_normalised() {
        let config = SystemConfig::from_partial(&json!({
            "server": { "externalDomain": "https://photos.example.com/some/path" },
            "ffmpeg": { "targetVideoCodec": "hevc" },
            "unknown": { "x": 1 },
        }))
        .unwrap();
        assert_eq!(config.server.external_domain, "https://photos.example.com");
        assert_eq!(config.ffmpeg.accepted_video_codecs, ["h264", "hevc"]);
        assert_eq!(config.trash.days, 30);
        assert!(SystemConfig::from_partial(&json!({ "trash": { "days": "many" } })).is_err());
    }

    #[test]
    fn queues_take_the_admins_concurrency() {
        use crate::jobs::QueueName;
        let mut config = SystemConfig::default();
        config.job.thumbnail_generation.concurrency = 7;
        assert_eq!(
            config.job.concurrency_of(QueueName::ThumbnailGeneration),
            Some(7)
        );
        assert_eq!(
            config.job.concurrency_of(QueueName::MetadataExtraction),
            Some(5)
        );
        assert_eq!(
            config
                .job
                .concurrency_of(QueueName::StorageTemplateMigration),
            None
        );
    }

    #[test]
    fn rules() {
        let mut config = SystemConfig::default();
        config.server.external_domain = "not a url".into();
        assert_eq!(
            validate(&config).unwrap_err(),
            "External domain must be an empty string or a valid URL"
        );
        let mut config = SystemConfig::default();
        config.library.scan.cron_expression = "every day".into();
        assert!(
            validate(&config)
                .unwrap_err()
                .contains("Invalid cron expression")
        );
        // Ranges and patterns are the contract's (see ferrotype-api's contract tests).
        let mut config = SystemConfig::default();
        config.user.delete_delay = 0;
        assert!(validate(&config).is_ok());
        assert!(check_cron("*/5 1-3 * jan,feb mon-fri").is_ok());
        assert!(check_cron("0 0 0 * * *").is_ok());
        assert!(check_cron("61 * * * *").is_err());
    }
}
