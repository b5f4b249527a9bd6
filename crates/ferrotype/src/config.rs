//! Configuration: built-in defaults, then a TOML file, then `FERROTYPE_*` environment variables.
//! Any key can instead be read from a file (`<key>_file` in TOML, `FERROTYPE_<KEY>_FILE` in the
//! environment), so secrets need not sit in the config or the environment. Every problem is
//! collected and reported at once, each with its key, where the value came from, and why.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ferrotype_core::jobs::QueueName;

/// Every key, its default, and what it means (printed by `ferrotype config-keys`).
/// Variables the command line reads itself (clap's `env`), not configuration keys: the config
/// file's path, and `serve`'s role and queues.
const COMMAND_LINE_VARIABLES: &[&str] = &["FERROTYPE_CONFIG", "FERROTYPE_ROLE", "FERROTYPE_QUEUES"];

pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "server.listen",
        "0.0.0.0:2283",
        "address and port to listen on",
    ),
    (
        "server.bind_timeout_seconds",
        "60",
        "how long to keep retrying while the listen address is not assigned yet (EADDRNOTAVAIL)",
    ),
    (
        "server.shutdown_timeout_seconds",
        "30",
        "how long SIGTERM waits for requests in flight before stopping",
    ),
    (
        "server.system_config_file",
        "",
        "Immich's system config as a JSON file (IMMICH_CONFIG_FILE is read too); when set, the settings come from it and cannot be changed through the API",
    ),
    (
        "server.environment",
        "production",
        "production, development or testing (IMMICH_ENV is read too); outside production, product keys are checked against Immich's staging keys, as Immich does",
    ),
    (
        "storage.data_dir",
        "./data",
        "the data folder: catalog, originals, thumbnails",
    ),
    (
        "database.url",
        "",
        "the catalog: empty for SQLite in the data folder; postgres://user@host:port/database for PostgreSQL 15 or later (migrated at start; FERROTYPE_DATABASE_URL_FILE reads it from a file)",
    ),
    (
        "database.password",
        "",
        "the PostgreSQL password when it is not in database.url (database.password_file / FERROTYPE_DATABASE_PASSWORD_FILE reads it from a file, as from a Kubernetes secret)",
    ),
    (
        "storage.url",
        "",
        "where originals, thumbnails and encoded videos live: empty for the data folder, or s3://bucket/prefix for an S3 bucket (storage.s3.*); the catalog and upload staging stay in the data folder",
    ),
    (
        "storage.s3.endpoint",
        "",
        "the S3 server's URL (http://127.0.0.1:9000 for MinIO or Garage beside us; plain http is allowed when it says so); empty: AWS, from the region",
    ),
    ("storage.s3.region", "us-east-1", "the bucket's region"),
    (
        "storage.s3.access_key_id",
        "",
        "the S3 access key id (required with an s3:// storage.url)",
    ),
    (
        "storage.s3.secret_access_key",
        "",
        "the S3 secret access key (required with an s3:// storage.url; best from a file: FERROTYPE_STORAGE_S3_SECRET_ACCESS_KEY_FILE)",
    ),
    (
        "storage.s3.presigned_redirects",
        "false",
        "true: media (originals, thumbnails, video playback) are answered with a 302 to a presigned S3 URL valid for an hour, so the bytes go from the bucket to the client without passing through the server",
    ),
    (
        "storage.s3.part_size",
        "8MiB",
        "part size of multipart uploads (at least 5MiB, S3's minimum); files larger than one part are uploaded in parts, two at a time",
    ),
    (
        "upload.max_file_size",
        "50GiB",
        "largest accepted upload, in bytes or with a unit (KB, MB, GB, KiB, MiB, GiB); larger ones get 413",
    ),
    (
        "log.level",
        "info",
        "log filter: error, warn, info, debug, trace, or a tracing directive",
    ),
    (
        "media.max_pixels",
        "250000000",
        "largest image (width x height) decoded for thumbnails; larger ones are refused as decompression bombs",
    ),
    (
        "media.geodata_dir",
        ".cache/geodata",
        "folder with the GeoNames data for reverse geocoding (scripts/setup-geodata fills it; relative to the working directory); without it, or empty, assets get no city, state or country",
    ),
    (
        "jobs.concurrency.metadataExtraction",
        "2",
        "the most metadata extractions that run at once; the admin's job.metadataExtraction.concurrency (system config) applies below it",
    ),
    (
        "jobs.concurrency.thumbnailGeneration",
        "2",
        "the most thumbnail jobs that run at once (each holds one decoded image: this bounds memory); the admin's job.thumbnailGeneration.concurrency (system config) applies below it",
    ),
    (
        "version_check.url",
        "",
        "the release feed asked daily for the newest release while the admin's newVersionCheck.enabled (system config) is on: a URL answering a GitHub-style latest release (tag_name, published_at); empty: no check is made (Immich's own feed announces Immich's releases, not Ferrotype's)",
    ),
    (
        "notifications.album_update_delay_seconds",
        "300",
        "how long after media is added to a shared album its other users are notified (by email too, as they choose); each addition meanwhile restarts the wait",
    ),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub bind_timeout_seconds: u64,
    pub shutdown_timeout_seconds: u64,
    pub data_dir: PathBuf,
    /// A PostgreSQL catalog instead of the data folder's SQLite one.
    pub database_url: Option<String>,
    /// Its password, when not in the URL.
    pub database_password: Option<String>,
    pub max_upload_bytes: u64,
    pub log_level: String,
    pub job_concurrency: Vec<(QueueName, usize)>,
    pub max_pixels: u64,
    pub geodata_dir: PathBuf,
    /// Immich's system config file; when set, the system config is read-only.
    pub system_config_file: Option<PathBuf>,
    /// Not `production`: product keys are checked against Immich's staging keys.
    pub staging_license_keys: bool,
    /// Immich's build facts for `/api/server/about`, from its environment variables.
    pub build_metadata: Vec<(&'static str, String)>,
    /// The release feed of the version check; empty: never checked.
    pub version_check_url: String,
    /// The wait before an album's users hear that media was added to it.
    pub album_update_delay_seconds: u64,
    /// Where the blobs live.
    pub storage: Storage,
}

/// Where originals and generated files live.
#[derive(Debug, Clone, PartialEq)]
pub enum Storage {
    /// The data folder.
    Local,
    S3(S3Settings),
}

#[derive(Clone, PartialEq)]
pub struct S3Settings {
    pub bucket: String,
    pub prefix: String,
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub part_size: usize,
    pub presigned_redirects: bool,
}

impl S3Settings {
    /// The S3 store these settings name, staging uploads in `staging_dir`.
    pub fn store_config(&self, staging_dir: std::path::PathBuf) -> ferrotype_s3::S3Config {
        ferrotype_s3::S3Config {
            bucket: self.bucket.clone(),
            prefix: self.prefix.clone(),
            endpoint: self.endpoint.clone(),
            region: self.region.clone(),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            part_size: self.part_size,
            staging_dir,
        }
    }
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("part_size", &self.part_size)
            .field("presigned_redirects", &self.presigned_redirects)
            .finish_non_exhaustive()
    }
}

/// Immich's environment variables for the build facts of `/api/server/about`, and the field each
/// fills.
const BUILD_VARIABLES: &[(&str, &str)] = &[
    ("IMMICH_BUILD", "build"),
    ("IMMICH_BUILD_URL", "buildUrl"),
    ("IMMICH_BUILD_IMAGE", "buildImage"),
    ("IMMICH_BUILD_IMAGE_URL", "buildImageUrl"),
    ("IMMICH_REPOSITORY", "repository"),
    ("IMMICH_REPOSITORY_URL", "repositoryUrl"),
    ("IMMICH_SOURCE_REF", "sourceRef"),
    ("IMMICH_SOURCE_COMMIT", "sourceCommit"),
    ("IMMICH_SOURCE_URL", "sourceUrl"),
    ("IMMICH_THIRD_PARTY_SOURCE_URL", "thirdPartySourceUrl"),
    (
        "IMMICH_THIRD_PARTY_BUG_FEATURE_URL",
        "thirdPartyBugFeatureUrl",
    ),
    (
        "IMMICH_THIRD_PARTY_DOCUMENTATION_URL",
        "thirdPartyDocumentationUrl",
    ),
    ("IMMICH_THIRD_PARTY_SUPPORT_URL", "thirdPartySupportUrl"),
];

/// Immich's names for settings that have one of ours.
const IMMICH_ALIASES: &[(&str, &str)] = &[
    ("IMMICH_CONFIG_FILE", "server.system_config_file"),
    ("IMMICH_ENV", "server.environment"),
];

/// Where a value came from, for error messages.
#[derive(Debug, Clone)]
enum Source {
    Default,
    File(PathBuf),
    Env(String),
    Flag,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File(p) => write!(f, "config file {}", p.display()),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::Flag => write!(f, "command-line flag"),
        }
    }
}

#[derive(Debug)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration ({} problem(s)):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

fn is_key(key: &str) -> bool {
    KEYS.iter().any(|(k, _, _)| *k == key)
}

/// `server.listen` <-> `FERROTYPE_SERVER_LISTEN`.
fn env_name(key: &str) -> String {
    format!("FERROTYPE_{}", key.replace('.', "_").to_uppercase())
}

struct Layers {
    values: BTreeMap<String, (String, Source)>,
    errors: Vec<String>,
    build_metadata: Vec<(&'static str, String)>,
}

impl Layers {
    fn set(&mut self, key: &str, value: String, source: Source) {
        self.values.insert(key.to_string(), (value, source));
    }

    /// `<key>_file` / `FERROTYPE_<KEY>_FILE`: the value is the file's content, trimmed.
    fn set_from_file(&mut self, key: &str, path: &Path, source: Source) {
        match std::fs::read_to_string(path) {
            Ok(content) => self.set(key, content.trim().to_string(), source),
            Err(e) => self.errors.push(format!(
                "{key} (from {source}): cannot read {}: {e}",
                path.display()
            )),
        }
    }

    fn toml_table(&mut self, prefix: &str, table: &toml::Table, file: &Path) {
        for (name, value) in table {
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            let source = Source::File(file.to_path_buf());
            match value {
                toml::Value::Table(inner) => self.toml_table(&key, inner, file),
                _ if is_key(&key) => match scalar(value) {
                    Some(v) => self.set(&key, v, source),
                    None => self
                        .errors
                        .push(format!("{key} (from {source}): must be a single value")),
                },
                toml::Value::String(path)
                    if key.ends_with("_file") && is_key(key.trim_end_matches("_file")) =>
                {
                    self.set_from_file(key.trim_end_matches("_file"), Path::new(path), source)
                }
                _ => self
                    .errors
                    .push(format!("{key} (from {source}): unknown key")),
            }
        }
    }
}

fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("'{other}' is not true or false")),
    }
}

/// `1048576`, `512KB`, `10MB`, `50GiB`, ... as a number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!("'{s}' is not a size (use bytes, or a number with KB, MB, GB, KiB, MiB, GiB)")
    })?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        other => return Err(format!("'{s}': unknown size unit '{other}'")),
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// Loads the configuration from the defaults, the file (if any), the environment given, and
/// the command-line data folder (if any), in that order of increasing precedence.
pub fn load(
    file: Option<&Path>,
    env: &[(String, String)],
    data_dir_flag: Option<&Path>,
) -> Result<Config, ConfigErrors> {
    let mut layers = Layers {
        values: BTreeMap::new(),
        errors: Vec::new(),
        build_metadata: Vec::new(),
    };
    for (key, default, _) in KEYS {
        layers.set(key, default.to_string(), Source::Default);
    }
    if let Some(path) = file {
        match std::fs::read_to_string(path) {
            Ok(text) => match text.parse::<toml::Table>() {
                Ok(table) => layers.toml_table("", &table, path),
                Err(e) => layers.errors.push(format!(
                    "config file {}: not valid TOML: {e}",
                    path.display()
                )),
            },
            Err(e) => layers
                .errors
                .push(format!("config file {}: cannot read: {e}", path.display())),
        }
    }
    // Immich's names first, so that ours win when both are given.
    for (name, value) in env {
        if let Some((_, key)) = IMMICH_ALIASES.iter().find(|(n, _)| n == name) {
            layers.set(key, value.clone(), Source::Env(name.clone()));
        }
    }
    layers.build_metadata = BUILD_VARIABLES
        .iter()
        .filter_map(|(variable, field)| {
            let (_, value) = env.iter().find(|(n, _)| n == variable)?;
            Some((*field, value.clone()))
        })
        .collect();
    for (name, value) in env {
        // FERROTYPE_MIGRATE_*: the target of `ferrotype migrate`, read by its flags.
        if !name.starts_with("FERROTYPE_")
            || COMMAND_LINE_VARIABLES.contains(&name.as_str())
            || name.starts_with("FERROTYPE_MIGRATE_")
        {
            continue;
        }
        let source = Source::Env(name.clone());
        if let Some((key, _, _)) = KEYS.iter().find(|(k, _, _)| env_name(k) == *name) {
            layers.set(key, value.clone(), source);
        } else if let Some((key, _, _)) = KEYS
            .iter()
            .find(|(k, _, _)| format!("{}_FILE", env_name(k)) == *name)
        {
            layers.set_from_file(key, Path::new(value), source);
        } else {
            layers.errors.push(format!("{name}: unknown setting"));
        }
    }
    if let Some(dir) = data_dir_flag {
        layers.set("storage.data_dir", dir.display().to_string(), Source::Flag);
    }
    build(layers)
}

fn build(layers: Layers) -> Result<Config, ConfigErrors> {
    let mut errors = layers.errors;
    let get = |key: &str| -> (&str, &Source) {
        let (v, s) = &layers.values[key];
        (v.as_str(), s)
    };
    let mut check = |key: &str, result: Result<(), String>| {
        if let Err(reason) = result {
            let (_, source) = get(key);
            errors.push(format!("{key} (from {source}): {reason}"));
        }
    };

    let mut config = Config {
        listen: SocketAddr::from(([0, 0, 0, 0], 2283)),
        bind_timeout_seconds: 60,
        shutdown_timeout_seconds: 30,
        data_dir: PathBuf::from("./data"),
        database_url: None,
        database_password: None,
        max_upload_bytes: 0,
        log_level: String::new(),
        job_concurrency: Vec::new(),
        max_pixels: 0,
        geodata_dir: PathBuf::new(),
        system_config_file: None,
        staging_license_keys: false,
        build_metadata: layers.build_metadata.clone(),
        version_check_url: String::new(),
        album_update_delay_seconds: 300,
        storage: Storage::Local,
    };
    let (v, _) = get("server.listen");
    check(
        "server.listen",
        v.parse()
            .map(|a| config.listen = a)
            .map_err(|_| format!("'{v}' is not an address:port such as 0.0.0.0:2283")),
    );
    for (key, slot) in [
        (
            "server.bind_timeout_seconds",
            &mut config.bind_timeout_seconds,
        ),
        (
            "server.shutdown_timeout_seconds",
            &mut config.shutdown_timeout_seconds,
        ),
    ] {
        let (v, _) = get(key);
        check(
            key,
            v.trim()
                .parse()
                .map(|n| *slot = n)
                .map_err(|_| format!("'{v}' is not a whole number of seconds")),
        );
    }
    let (v, _) = get("storage.data_dir");
    check(
        "storage.data_dir",
        if v.trim().is_empty() {
            Err("must not be empty".to_string())
        } else {
            config.data_dir = PathBuf::from(v);
            Ok(())
        },
    );
    let (v, _) = get("database.url");
    check(
        "database.url",
        match v.trim() {
            "" => Ok(()),
            url if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                config.database_url = Some(url.to_string());
                Ok(())
            }
            _ => Err("is not a postgres:// URL (leave it empty for SQLite)".to_string()),
        },
    );
    let (v, _) = get("database.password");
    config.database_password = Some(v.to_string()).filter(|p| !p.is_empty());
    let (v, _) = get("upload.max_file_size");
    check(
        "upload.max_file_size",
        parse_size(v).and_then(|n| {
            if n == 0 {
                Err("must be more than 0".to_string())
            } else {
                config.max_upload_bytes = n;
                Ok(())
            }
        }),
    );
    let (v, _) = get("log.level");
    check(
        "log.level",
        tracing_subscriber::EnvFilter::try_new(v)
            .map(|_| config.log_level = v.to_string())
            .map_err(|e| format!("'{v}' is not a log filter: {e}")),
    );
    let (v, _) = get("server.system_config_file");
    config.system_config_file = Some(v.trim()).filter(|p| !p.is_empty()).map(PathBuf::from);
    let (v, _) = get("server.environment");
    check(
        "server.environment",
        match v.trim() {
            "production" => Ok(()),
            "development" | "testing" => {
                config.staging_license_keys = true;
                Ok(())
            }
            other => Err(format!(
                "'{other}' is not one of production, development, testing"
            )),
        },
    );
    let (v, _) = get("media.max_pixels");
    check(
        "media.max_pixels",
        match v.trim().replace('_', "").parse::<u64>() {
            Ok(n) if n > 0 => {
                config.max_pixels = n;
                Ok(())
            }
            _ => Err(format!("'{v}' is not a positive number of pixels")),
        },
    );
    let (v, _) = get("media.geodata_dir");
    config.geodata_dir = PathBuf::from(v.trim());
    let (v, _) = get("version_check.url");
    let url = v.trim();
    check(
        "version_check.url",
        if url.is_empty() || url.starts_with("http://") || url.starts_with("https://") {
            config.version_check_url = url.to_string();
            Ok(())
        } else {
            Err(format!("'{url}' is not an http:// or https:// URL"))
        },
    );
    let (v, _) = get("notifications.album_update_delay_seconds");
    check(
        "notifications.album_update_delay_seconds",
        v.trim()
            .parse()
            .map(|n| config.album_update_delay_seconds = n)
            .map_err(|_| format!("'{v}' is not a whole number of seconds")),
    );
    let (url, _) = get("storage.url");
    let url = url.trim();
    if !url.is_empty() {
        let mut s3 = S3Settings {
            bucket: String::new(),
            prefix: String::new(),
            endpoint: get("storage.s3.endpoint").0.trim().to_string(),
            region: get("storage.s3.region").0.trim().to_string(),
            access_key_id: get("storage.s3.access_key_id").0.trim().to_string(),
            secret_access_key: get("storage.s3.secret_access_key").0.trim().to_string(),
            part_size: ferrotype_s3::DEFAULT_PART_SIZE,
            presigned_redirects: false,
        };
        check(
            "storage.url",
            ferrotype_s3::parse_url(url).map(|(bucket, prefix)| {
                s3.bucket = bucket;
                s3.prefix = prefix;
            }),
        );
        let endpoint = s3.endpoint.clone();
        check(
            "storage.s3.endpoint",
            if endpoint.is_empty()
                || endpoint.starts_with("http://")
                || endpoint.starts_with("https://")
            {
                Ok(())
            } else {
                Err(format!("'{endpoint}' is not an http:// or https:// URL"))
            },
        );
        for key in ["storage.s3.access_key_id", "storage.s3.secret_access_key"] {
            check(
                key,
                if get(key).0.trim().is_empty() {
                    Err("required with an s3:// storage.url".to_string())
                } else {
                    Ok(())
                },
            );
        }
        let (v, _) = get("storage.s3.part_size");
        check(
            "storage.s3.part_size",
            parse_size(v).and_then(|n| match usize::try_from(n) {
                Ok(n) if n >= ferrotype_s3::MIN_PART_SIZE => {
                    s3.part_size = n;
                    Ok(())
                }
                _ => Err(format!("'{v}' is below S3's minimum part size of 5MiB")),
            }),
        );
        let (v, _) = get("storage.s3.presigned_redirects");
        check(
            "storage.s3.presigned_redirects",
            parse_bool(v).map(|b| s3.presigned_redirects = b),
        );
        config.storage = Storage::S3(s3);
    }
    for (key, _, _) in KEYS {
        let Some(queue) = key.strip_prefix("jobs.concurrency.") else {
            continue;
        };
        let queue = QueueName::parse(queue).expect("KEYS names real queues");
        let (v, _) = get(key);
        check(
            key,
            match v.trim().parse::<usize>() {
                Ok(n) if (1..=64).contains(&n) => {
                    config.job_concurrency.push((queue, n));
                    Ok(())
                }
                _ => Err(format!("'{v}' is not a number from 1 to 64")),
            },
        );
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults() {
        let c = load(None, &[], None).unwrap();
        assert_eq!(
            c.version_check_url, "",
            "no release feed unless the operator sets one"
        );
        assert_eq!(c.album_update_delay_seconds, 300);
        assert_eq!(c.listen.port(), 2283);
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.bind_timeout_seconds, 60);
        assert_eq!(c.max_upload_bytes, 50 << 30);
    }

    #[test]
    fn file_then_env_then_flag() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.toml");
        std::fs::write(
            &file,
            "[server]\nlisten = \"127.0.0.1:1\"\nbind_timeout_seconds = 5\n[upload]\nmax_file_size = \"2MB\"\n",
        )
        .unwrap();
        let c = load(
            Some(&file),
            &env(&[("FERROTYPE_SERVER_LISTEN", "127.0.0.1:2"), ("PATH", "/bin")]),
            Some(Path::new("/tmp/d")),
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:2".parse().unwrap());
        assert_eq!(c.bind_timeout_seconds, 5);
        assert_eq!(c.max_upload_bytes, 2_000_000);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/d"));
    }

    #[test]
    fn values_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("level");
        std::fs::write(&secret, "debug\n").unwrap();
        let file = dir.path().join("f.toml");
        std::fs::write(
            &file,
            format!(
                "[storage]\ndata_dir_file = {:?}\n",
                secret.display().to_string()
            ),
        )
        .unwrap();
        let c = load(
            Some(&file),
            &env(&[("FERROTYPE_LOG_LEVEL_FILE", secret.to_str().unwrap())]),
            None,
        )
        .unwrap();
        assert_eq!(c.log_level, "debug");
        assert_eq!(c.data_dir, PathBuf::from("debug"));
    }

    #[test]
    fn the_database_url_and_its_password_from_a_secret_file() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("password");
        std::fs::write(&secret, "s3cret\n").unwrap();
        let c = load(
            None,
            &env(&[
                (
                    "FERROTYPE_DATABASE_URL",
                    "postgres://ferrotype@db:5432/ferrotype",
                ),
                ("FERROTYPE_DATABASE_PASSWORD_FILE", secret.to_str().unwrap()),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            c.database_url.as_deref(),
            Some("postgres://ferrotype@db:5432/ferrotype")
        );
        assert_eq!(c.database_password.as_deref(), Some("s3cret"));
        let c = load(None, &env(&[]), None).unwrap();
        assert_eq!((c.database_url, c.database_password), (None, None));
        let err = load(
            None,
            &env(&[("FERROTYPE_DATABASE_URL", "mysql://db/x")]),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("database.url"), "{err}");
        assert!(err.contains("is not a postgres:// URL"), "{err}");
    }

    #[test]
    fn every_problem_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.toml");
        std::fs::write(&file, "colour = \"blue\"\n[server]\nlisten = \"nowhere\"\n").unwrap();
        let err = load(
            Some(&file),
            &env(&[
                ("FERROTYPE_UPLOAD_MAX_FILE_SIZE", "lots"),
                ("FERROTYPE_SERVER_BIND_TIMEOUT_SECONDS", "-1"),
                ("FERROTYPE_NOPE", "1"),
                ("FERROTYPE_LOG_LEVEL_FILE", "/nonexistent/secret"),
                ("FERROTYPE_VERSION_CHECK_URL", "github.com/releases"),
                ("FERROTYPE_NOTIFICATIONS_ALBUM_UPDATE_DELAY_SECONDS", "soon"),
            ]),
            None,
        )
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "colour",
            "server.listen",
            "upload.max_file_size",
            "server.bind_timeout_seconds",
            "FERROTYPE_NOPE",
            "log.level",
            "version_check.url",
            "notifications.album_update_delay_seconds",
        ] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        assert_eq!(err.0.len(), 8, "{text}");
    }

    #[test]
    fn immich_names() {
        let c = load(
            None,
            &env(&[
                ("IMMICH_CONFIG_FILE", "/etc/immich.json"),
                ("IMMICH_ENV", "testing"),
                ("IMMICH_BUILD", "1234"),
                ("IMMICH_REPOSITORY", "me/photos"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            c.system_config_file,
            Some(PathBuf::from("/etc/immich.json"))
        );
        assert!(c.staging_license_keys);
        assert_eq!(
            c.build_metadata,
            [
                ("build", "1234".to_string()),
                ("repository", "me/photos".to_string())
            ]
        );
        // Ours win over Immich's.
        let c = load(
            None,
            &env(&[
                ("FERROTYPE_SERVER_ENVIRONMENT", "production"),
                ("IMMICH_ENV", "testing"),
            ]),
            None,
        )
        .unwrap();
        assert!(!c.staging_license_keys);
        assert!(load(None, &env(&[("IMMICH_ENV", "staging")]), None).is_err());
    }

    #[test]
    fn s3_storage() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cr3t\n").unwrap();
        let c = load(
            None,
            &env(&[
                ("FERROTYPE_STORAGE_URL", "s3://photos/ferrotype"),
                ("FERROTYPE_STORAGE_S3_ENDPOINT", "http://127.0.0.1:9000"),
                ("FERROTYPE_STORAGE_S3_ACCESS_KEY_ID", "key"),
                (
                    "FERROTYPE_STORAGE_S3_SECRET_ACCESS_KEY_FILE",
                    secret.to_str().unwrap(),
                ),
                ("FERROTYPE_STORAGE_S3_PRESIGNED_REDIRECTS", "true"),
            ]),
            None,
        )
        .unwrap();
        let Storage::S3(s3) = c.storage else {
            panic!("not S3: {:?}", c.storage)
        };
        assert_eq!(
            (s3.bucket.as_str(), s3.prefix.as_str()),
            ("photos", "ferrotype")
        );
        assert_eq!(s3.secret_access_key, "s3cr3t");
        assert_eq!(s3.region, "us-east-1");
        assert!(s3.presigned_redirects);
        assert_eq!(s3.part_size, 8 << 20);
        assert!(
            !format!("{s3:?}").contains("s3cr3t"),
            "the secret is never logged"
        );
        assert_eq!(load(None, &[], None).unwrap().storage, Storage::Local);

        let errors = load(
            None,
            &env(&[
                ("FERROTYPE_STORAGE_URL", "s3://Bad_Bucket"),
                ("FERROTYPE_STORAGE_S3_ENDPOINT", "127.0.0.1:9000"),
                ("FERROTYPE_STORAGE_S3_PART_SIZE", "1MiB"),
                ("FERROTYPE_STORAGE_S3_PRESIGNED_REDIRECTS", "yes"),
            ]),
            None,
        )
        .unwrap_err()
        .0
        .join("\n");
        for expected in [
            "storage.url (from environment variable FERROTYPE_STORAGE_URL): 'Bad_Bucket' is not a bucket name",
            "storage.s3.endpoint (from environment variable FERROTYPE_STORAGE_S3_ENDPOINT): '127.0.0.1:9000' is not an http:// or https:// URL",
            "storage.s3.access_key_id (from default): required with an s3:// storage.url",
            "storage.s3.secret_access_key (from default): required with an s3:// storage.url",
            "storage.s3.part_size (from environment variable FERROTYPE_STORAGE_S3_PART_SIZE): '1MiB' is below",
            "storage.s3.presigned_redirects (from environment variable FERROTYPE_STORAGE_S3_PRESIGNED_REDIRECTS): 'yes' is not true or false",
        ] {
            assert!(errors.contains(expected), "{expected}\nin\n{errors}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert_eq!(parse_size("10MB").unwrap(), 10_000_000);
        assert_eq!(parse_size("1 GiB").unwrap(), 1 << 30);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5PB").is_err());
        assert!(parse_size("99999999999999999999").is_err());
    }
}
