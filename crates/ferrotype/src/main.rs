//! The `ferrotype` binary: reads the configuration, wires the catalog and blob store into the
//! API, and runs the server or an admin command.

mod admin;
mod config;
mod jobs;
mod migrate;
mod serve;
mod version_check;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ferrotype",
    version,
    about = "A self-hosted photo and video server that speaks Immich's API"
)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "FERROTYPE_CONFIG")]
    config: Option<PathBuf>,
    /// Data folder (overrides `storage.data_dir`).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Manage accounts directly in a data folder, for headless setup.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Copy this install (the catalog and blobs the configuration names) into another backend:
    /// PostgreSQL and S3, or back to SQLite and a folder. Resumable; verified at the end.
    Migrate(migrate::MigrateArgs),
    /// List the configuration keys with their defaults.
    ConfigKeys,
}

/// glibc's malloc raises its mmap threshold (up to 32 MiB) each time a large block is freed; from
/// then on, multi-megabyte buffers (decoded photos, files read whole) come from the per-thread
/// arenas, which keep that memory after it is freed. On an ingest of 12-24 MP photos that took the
/// server's peak RSS from about 100 MB to over 450 MB, and kept it there. A fixed threshold keeps
/// every block of 1 MiB or more in its own mapping, returned to the system when freed. An explicit
/// `MALLOC_MMAP_THRESHOLD_` in the environment wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; it is called before any other
        // thread exists.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    let cli = Cli::parse();
    if let Command::ConfigKeys = cli.command {
        for (key, default, about) in config::KEYS {
            println!(
                "{key} = {default:?}\n    env FERROTYPE_{}: {about}",
                key.replace('.', "_").to_uppercase()
            );
        }
        return ExitCode::SUCCESS;
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    let config = match config::load(cli.config.as_deref(), &env, cli.data_dir.as_deref()) {
        Ok(c) => c,
        Err(errors) => {
            eprint!("{errors}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log_level);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(config, args).await,
            Command::Admin(cmd) => admin::run(config, cmd).await,
            Command::Migrate(args) => migrate::run(config, args).await,
            Command::ConfigKeys => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; `RUST_LOG`, when set, overrides `log.level`.
fn init_logging(level: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
