// The official Immich CLI 3.2.2 (`@immich/cli`, on Node 22) against the real server: login,
// server-info and uploads of the photo fixtures into per-folder albums, checked through the
// HTTP API afterwards. The CLI exits 0 even when uploads fail, so its output is checked too.
// The clients are installed by scripts/setup-compat (run from here when they are missing).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::compat_support::{Cli, Run};
use serde_json::Value;
use sha1::{Digest, Sha1};

/// The key's secret, as the CLI takes it.
fn secret(client: &Client) -> String {
    match &client.cred {
        Cred::ApiKey(secret) => secret.clone(),
        _ => panic!("not an API key client"),
    }
}

/// The CLI's plural suffix.
fn s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What the server says it accepts, with the leading dots.
struct MediaTypes {
    image: Vec<String>,
    video: Vec<String>,
}

async fn media_types(client: &Client) -> MediaTypes {
    let r = client.get("/api/server/media-types").await;
    assert_eq!(r.status, 200);
    let body = r.json();
    let list = |key: &str| -> Vec<String> {
        body[key]
            .as_array()
            .unwrap_or_else(|| panic!("media-types lacks {key}: {body}"))
            .iter()
            .map(|v| v.as_str().expect("extension").to_string())
            .collect()
    };
    MediaTypes {
        image: list("image"),
        video: list("video"),
    }
}

/// A fixture the CLI should upload.
#[derive(Debug, Clone)]
struct MediaFile {
    path: PathBuf,
    /// The album `--album` puts it in: its folder's name.
    album: String,
    sha1: String,
    is_video: bool,
}

/// Every file under `root` with a supported extension (case-insensitive), skipping hidden
/// entries as the CLI does; sorted by path. Also returns how many files were left out.
fn media_files(root: &Path, types: &MediaTypes) -> (Vec<MediaFile>, usize) {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read fixtures") {
            let path = entry.expect("dir entry").path();
            if path.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(root, &mut paths);
    paths.sort();
    let total = paths.len();
    let files: Vec<MediaFile> = paths
        .into_iter()
        .filter_map(|path| {
            let ext = format!(
                ".{}",
                path.extension()?.to_string_lossy().to_ascii_lowercase()
            );
            let is_video = types.video.contains(&ext);
            if !is_video && !types.image.contains(&ext) {
                return None;
            }
            let bytes = std::fs::read(&path).expect("read fixture");
            Some(MediaFile {
                album: path
                    .parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                sha1: hex::encode(Sha1::digest(&bytes)),
                is_video,
                path,
            })
        })
        .collect();
    let skipped = total - files.len();
    (files, skipped)
}

/// What the server should hold after uploading `files` once.
struct Expected {
    files: usize,
    unique: usize,
    images: usize,
    videos: usize,
    /// Album name → number of distinct contents among the folder's files.
    albums: BTreeMap<String, usize>,
}

fn expected(files: &[MediaFile]) -> Expected {
    let mut unique: HashMap<&str, bool> = HashMap::new();
    let mut albums: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for f in files {
        unique.insert(&f.sha1, f.is_video);
        albums.entry(f.album.clone()).or_default().insert(&f.sha1);
    }
    let videos = unique.values().filter(|v| **v).count();
    Expected {
        files: files.len(),
        unique: unique.len(),
        images: unique.len() - videos,
        videos,
        albums: albums.into_iter().map(|(k, v)| (k, v.len())).collect(),
    }
}

/// Fails on anything in the output that reports an error: the CLI's own "Failed to ..." lines,
/// and errors or warnings that Node prints.
fn assert_no_failures(run: &Run) {
    for line in run.stdout.lines().chain(run.stderr.lines()) {
        let lower = line.to_ascii_lowercase();
        assert!(
            !lower.contains("fail") && !lower.contains("error") && !lower.contains("warning"),
            "the CLI reported a problem: {line:?}\n{}",
            run.transcript()
        );
    }
}

/// The document `--json-output` prints: from a line `{` to the next line `}`.
fn json_output(run: &Run) -> Value {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "{")
        .unwrap_or_else(|| panic!("no JSON output\n{}", run.transcript()));
    let end = start
        + lines[start..]
            .iter()
            .position(|l| *l == "}")
            .unwrap_or_else(|| panic!("unterminated JSON output\n{}", run.transcript()));
    serde_json::from_str(&lines[start..=end].join("\n"))
        .unwrap_or_else(|e| panic!("bad JSON output ({e})\n{}", run.transcript()))
}

/// `[{"id", "filepath"}]` from the JSON output as file path → asset id.
fn ids_by_path(list: &Value) -> BTreeMap<PathBuf, String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|item| {
            (
                PathBuf::from(item["filepath"].as_str().expect("filepath")),
                item["id"].as_str().expect("id").to_string(),
            )
        })
        .collect()
}

/// Checks the CLI's file → asset id mapping: one id per file, the same id exactly for the same
/// contents. Returns content hash → asset id.
fn assert_ids_follow_contents(
    ids: &BTreeMap<PathBuf, String>,
    files: &[MediaFile],
) -> BTreeMap<String, String> {
    let paths: BTreeSet<&PathBuf> = files.iter().map(|f| &f.path).collect();
    assert_eq!(
        ids.keys().collect::<BTreeSet<_>>(),
        paths,
        "the CLI handled other files than expected"
    );
    let mut by_hash: BTreeMap<String, String> = BTreeMap::new();
    for f in files {
        let id = &ids[&f.path];
        let known = by_hash.entry(f.sha1.clone()).or_insert_with(|| id.clone());
        assert_eq!(
            known,
            id,
            "{} has the same contents as another file but a different asset",
            f.path.display()
        );
    }
    let distinct: BTreeSet<&String> = by_hash.values().collect();
    assert_eq!(
        distinct.len(),
        by_hash.len(),
        "different contents share an asset"
    );
    by_hash
}

async fn statistics(client: &Client) -> Value {
    let r = client.get("/api/assets/statistics").await;
    assert_eq!(r.status, 200);
    r.json()
}

/// Album name → (id, assetCount).
async fn albums(client: &Client) -> BTreeMap<String, (String, u64)> {
    let r = client.get("/api/albums").await;
    assert_eq!(r.status, 200);
    let list = r.json();
    let mut out = BTreeMap::new();
    for album in list.as_array().expect("albums") {
        let name = album["albumName"].as_str().expect("albumName").to_string();
        let entry = (
            album["id"].as_str().expect("id").to_string(),
            album["assetCount"].as_u64().expect("assetCount"),
        );
        assert!(
            out.insert(name.clone(), entry).is_none(),
            "two albums named {name}"
        );
    }
    out
}

fn album_counts(albums: &BTreeMap<String, (String, u64)>) -> BTreeMap<String, usize> {
    albums
        .iter()
        .map(|(name, (_, count))| (name.clone(), *count as usize))
        .collect()
}

/// Each asset's record and original match the uploaded file.
async fn assert_assets_stored(
    client: &Client,
    files: &[MediaFile],
    by_hash: &BTreeMap<String, String>,
) {
    for (hash, id) in by_hash {
        let names: BTreeSet<String> = files
            .iter()
            .filter(|f| &f.sha1 == hash)
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let r = client.get(&format!("/api/assets/{id}")).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let asset = r.json();
        let name = asset["originalFileName"]
            .as_str()
            .expect("originalFileName");
        assert!(
            names.contains(name),
            "asset {id} is named {name}, not one of {names:?}"
        );
        let r = client.get(&format!("/api/assets/{id}/original")).await;
        assert_eq!(r.status, 200);
        assert_eq!(
            &hex::encode(Sha1::digest(&r.body)),
            hash,
            "the original of {name} differs from the uploaded file"
        );
    }
}

/// `server-info` shows the version, the formats and these statistics.
fn assert_server_info(run: &Run, email: &str, types: &MediaTypes, images: usize, videos: usize) {
    run.assert_exit(0);
    let strip = |list: &[String]| {
        list.iter()
            .map(|e| e.trim_start_matches('.'))
            .collect::<Vec<_>>()
            .join(",")
    };
    run.assert_stdout_has(&format!("Server Info (via {email})"));
    run.assert_stdout_has("  Version: 3.2.2\n");
    run.assert_stdout_has(&format!(
        "  Formats:\n    Images: {}\n    Videos: {}\n",
        strip(&types.image),
        strip(&types.video)
    ));
    run.assert_stdout_has(&format!(
        "  Statistics:\n    Images: {images}\n    Videos: {videos}\n    Total: {}\n",
        images + videos
    ));
}

#[tokio::test]
async fn cli_login_server_info_and_album_upload() {
    let server = Server::start();
    let admin = admin(&server).await;
    let key = api_key(&admin, &["all"]).await;
    let cli = Cli::new();

    // login: checks the key and writes auth.yml for the next commands.
    let run = cli.run(&["login", &server.base, &secret(&key)]);
    run.assert_exit(0);
    run.assert_stdout_has("Logged in as admin@example.com");
    let auth = std::fs::read_to_string(cli.config_dir().join("auth.yml")).expect("auth.yml");
    assert!(auth.contains(&secret(&key)), "auth.yml: {auth}");

    let types = media_types(&key).await;
    let run = cli.run(&["server-info"]);
    assert_server_info(&run, "admin@example.com", &types, 0, 0);

    let (files, skipped) = media_files(&fixtures(), &types);
    let want = expected(&files);
    // The fixtures must exercise what this test is about.
    assert!(skipped > 0, "no non-media files among the fixtures");
    assert!(
        want.unique < want.files,
        "no duplicate contents among the fixtures"
    );
    let fixtures = fixtures();
    let fixtures = fixtures.to_str().unwrap();

    // First upload: every file is new to the hash check; identical contents in different folders
    // are all sent and the server answers the repeats with 200 "duplicate".
    let run = cli.run(&[
        "upload",
        "--recursive",
        "--album",
        "--no-progress",
        "--json-output",
        fixtures,
    ]);
    run.assert_exit(0);
    assert_no_failures(&run);
    run.assert_stdout_has(&format!(
        "Found {} new files and 0 duplicates\n",
        want.files
    ));
    run.assert_stdout_has(&format!(
        "Successfully uploaded {} new asset{} (",
        want.unique,
        s(want.unique)
    ));
    let repeats = want.files - want.unique;
    run.assert_stdout_has(&format!(
        "Skipped {repeats} duplicate asset{} (",
        s(repeats)
    ));
    run.assert_stdout_has(&format!(
        "Successfully created {} new album{}\n",
        want.albums.len(),
        s(want.albums.len())
    ));
    run.assert_stdout_has(&format!("Successfully updated {} assets\n", want.files));
    let output = json_output(&run);
    assert_eq!(output["duplicates"], Value::Array(vec![]), "{output}");
    let new_files: BTreeSet<PathBuf> = output["newFiles"]
        .as_array()
        .expect("newFiles")
        .iter()
        .map(|p| PathBuf::from(p.as_str().unwrap()))
        .collect();
    assert_eq!(new_files, files.iter().map(|f| f.path.clone()).collect());
    let ids = ids_by_path(&output["newAssets"]);
    let by_hash = assert_ids_follow_contents(&ids, &files);

    // What the server holds now.
    let stats = statistics(&key).await;
    assert_eq!(stats["total"], want.unique, "{stats}");
    assert_eq!(stats["images"], want.images, "{stats}");
    assert_eq!(stats["videos"], want.videos, "{stats}");
    assert_assets_stored(&key, &files, &by_hash).await;
    let albums_after = albums(&key).await;
    assert_eq!(album_counts(&albums_after), want.albums);
    // Thumbnails are written through the staging folder: let the background work settle first.
    wait_for_media_jobs(&admin).await;
    let stored = server.stored_files();
    assert_eq!(stored.len(), want.unique, "{stored:#?}");

    let run = cli.run(&["server-info"]);
    assert_server_info(&run, "admin@example.com", &types, want.images, want.videos);

    // The same upload again: the hash check finds everything, nothing is sent, and the albums
    // (which already hold every asset) stay as they are.
    let run = cli.run(&[
        "upload",
        "--recursive",
        "--album",
        "--no-progress",
        "--json-output",
        fixtures,
    ]);
    run.assert_exit(0);
    assert_no_failures(&run);
    run.assert_stdout_has(&format!(
        "Found 0 new files and {} duplicates\n",
        want.files
    ));
    run.assert_stdout_has("All assets were already uploaded, nothing to do.\n");
    run.assert_stdout_has("Successfully created 0 new albums\n");
    let output = json_output(&run);
    assert_eq!(output["newFiles"], Value::Array(vec![]), "{output}");
    assert_eq!(
        ids_by_path(&output["duplicates"]),
        ids,
        "the hash check named other assets than the upload"
    );
    assert_eq!(statistics(&key).await, stats);
    assert_eq!(albums(&key).await, albums_after);
    wait_for_media_jobs(&admin).await;
    let mut again = server.stored_files();
    let mut before = stored.clone();
    again.sort();
    before.sort();
    assert_eq!(again, before, "the second upload changed the stored files");
}

#[tokio::test]
async fn cli_upload_with_skip_hash_relies_on_server_duplicates() {
    let server = Server::start();
    let admin = admin(&server).await;
    let types = media_types(&admin).await;
    let (files, _) = media_files(&fixtures(), &types);
    let want = expected(&files);

    // The admin already has one of the photos: duplicates are per owner, so this must not count
    // for the other user.
    let shared = files
        .iter()
        .find(|f| files.iter().filter(|g| g.sha1 == f.sha1).count() > 1)
        .expect("a fixture whose contents appear more than once");
    let r = admin
        .upload(
            shared.path.file_name().unwrap().to_str().unwrap(),
            std::fs::read(&shared.path).unwrap(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let admin_asset = r.json()["id"].as_str().unwrap().to_string();

    create_user(&server, "user@example.com", "user-password");
    let user = login(&server, "user@example.com", "user-password").await;
    let key = api_key(&user, &["all"]).await;
    let cli = Cli::new();
    let fixtures = fixtures();
    let fixtures = fixtures.to_str().unwrap();
    // --url and --key instead of login: the CLI then never reads or writes auth.yml.
    let upload = |cli: &Cli| {
        cli.run(&[
            "--url",
            &server.url("/api"),
            "--key",
            &secret(&key),
            "upload",
            "--recursive",
            "--album",
            "--skip-hash",
            "--no-progress",
            "--json-output",
            fixtures,
        ])
    };

    // No hash check: every file is sent, and the server alone finds the repeated contents.
    let run = upload(&cli);
    run.assert_exit(0);
    assert_no_failures(&run);
    run.assert_stdout_has("Skipping hash check, assuming all files are new\n");
    run.assert_stdout_has(&format!("Uploading {} assets (", want.files));
    run.assert_stdout_has(&format!(
        "Successfully uploaded {} new assets (",
        want.unique
    ));
    let repeats = want.files - want.unique;
    run.assert_stdout_has(&format!(
        "Skipped {repeats} duplicate asset{} (",
        s(repeats)
    ));
    run.assert_stdout_has(&format!(
        "Successfully created {} new albums\n",
        want.albums.len()
    ));
    assert!(!cli.config_dir().join("auth.yml").exists());
    let ids = ids_by_path(&json_output(&run)["newAssets"]);
    let by_hash = assert_ids_follow_contents(&ids, &files);
    assert_ne!(
        by_hash[&shared.sha1], admin_asset,
        "the user's upload was matched with the admin's asset"
    );

    let stats = statistics(&key).await;
    assert_eq!(stats["total"], want.unique, "{stats}");
    assert_eq!(stats["images"], want.images, "{stats}");
    assert_eq!(stats["videos"], want.videos, "{stats}");
    assert_eq!(statistics(&admin).await["total"], 1);
    assert_assets_stored(&key, &files, &by_hash).await;
    let user_albums = albums(&key).await;
    assert_eq!(album_counts(&user_albums), want.albums);
    assert!(albums(&admin).await.is_empty(), "the admin got albums");
    wait_for_media_jobs(&admin).await;
    let stored = server.stored_files();
    assert_eq!(stored.len(), want.unique + 1, "{stored:#?}");

    // Again without the hash check: the server answers every file with its existing asset.
    let run = upload(&cli);
    run.assert_exit(0);
    assert_no_failures(&run);
    run.assert_stdout_has("Successfully uploaded 0 new assets (0 B)\n");
    run.assert_stdout_has(&format!("Skipped {} duplicate assets (", want.files));
    run.assert_stdout_has("Successfully created 0 new albums\n");
    assert_eq!(ids_by_path(&json_output(&run)["newAssets"]), ids);
    assert_eq!(statistics(&key).await, stats);
    assert_eq!(albums(&key).await, user_albums);
    wait_for_media_jobs(&admin).await;
    assert_eq!(server.stored_files().len(), stored.len());
}

#[tokio::test]
async fn cli_reports_bad_keys_and_missing_permissions() {
    let server = Server::start();
    let admin = admin(&server).await;
    let cli = Cli::new();

    // A key the server does not know: 401 with Immich's JSON error body, exit 1.
    let run = cli.run(&["login", &server.base, "not-a-valid-key"]);
    run.assert_exit(1);
    run.assert_stderr_has(&format!(
        "Failed to connect to server {}: 401\n",
        server.url("/api")
    ));
    run.assert_stderr_has("Invalid API key");
    assert!(!cli.config_dir().join("auth.yml").exists());

    // A key that may read the user but do nothing else: login works, the rest is refused by
    // the CLI after it reads the key's permissions from /api/api-keys/me.
    let key = api_key(&admin, &["user.read"]).await;
    let run = cli.run(&["login", &server.base, &secret(&key)]);
    run.assert_exit(0);
    run.assert_stdout_has("Logged in as admin@example.com");
    let run = cli.run(&["server-info"]);
    run.assert_exit(1);
    run.assert_stdout_has("Missing required permissions: \"server.about\", \"asset.statistics\".");
    let run = cli.run(&["upload", "--recursive", fixtures().to_str().unwrap()]);
    run.assert_exit(1);
    run.assert_stdout_has("Missing required permission: \"asset.upload\".");
    assert_eq!(statistics(&admin).await["total"], 0);
}
