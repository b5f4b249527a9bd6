//! `ferrotype admin ...`: account chores straight on a data folder's catalog, for headless setup
//! (no server needs to run; one may, since SQLite serialises the writes).

use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use ferrotype_core::accounts::{self, NewUser};

use crate::config::Config;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a user (the first one can be an admin: `--admin`).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[arg(long)]
        admin: bool,
    },
    /// Set a new password for a user.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Create an API key for a user; the secret is printed once.
    CreateApiKey {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "ferrotype admin")]
        name: String,
        /// A permission to grant (repeatable); `all` by default.
        #[arg(long = "permission", default_value = "all")]
        permissions: Vec<ferrotype_core::permissions::Permission>,
    },
}

#[derive(clap::Args)]
pub struct PasswordArgs {
    /// The password (visible to other local users in the process list; prefer --password-file).
    #[arg(long, conflicts_with = "password_file")]
    password: Option<String>,
    /// A file holding the password. Without either flag, a random password is made and printed.
    #[arg(long)]
    password_file: Option<PathBuf>,
}

impl PasswordArgs {
    /// The password, and whether it was generated (and so must be shown).
    fn resolve(&self) -> anyhow::Result<(String, bool)> {
        if let Some(p) = &self.password {
            return Ok((p.clone(), false));
        }
        if let Some(path) = &self.password_file {
            let p = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            return Ok((p.trim_end_matches(['\n', '\r']).to_string(), false));
        }
        Ok((accounts::new_secret()[..20].to_string(), true))
    }
}

pub async fn run(config: Config, command: AdminCommand) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            config.data_dir.display()
        )
    })?;
    let catalog = crate::serve::open_catalog(&config).await?;
    let catalog = catalog.as_ref();
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            password,
            admin,
        } => {
            let (password, generated) = password.resolve()?;
            if password.is_empty() {
                bail!("the password must not be empty");
            }
            let user = accounts::create_user(
                catalog,
                NewUser {
                    email: &email,
                    name: &name,
                    password: &password,
                    is_admin: admin,
                },
            )
            .await?;
            println!("created user {} ({})", user.email, user.id);
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::ResetPassword { email, password } => {
            let user = catalog
                .user_by_email(&email)
                .await?
                .ok_or_else(|| anyhow!("no user with the email {email}"))?;
            let (password, generated) = password.resolve()?;
            if password.is_empty() {
                bail!("the password must not be empty");
            }
            catalog
                .set_password(user.id, &accounts::hash_password(&password)?)
                .await?;
            println!("password reset for {}", user.email);
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::CreateApiKey {
            email,
            name,
            permissions,
        } => {
            let user = catalog
                .user_by_email(&email)
                .await?
                .ok_or_else(|| anyhow!("no user with the email {email}"))?;
            let (_, secret) =
                accounts::create_api_key(catalog, user.id, &name, permissions, None).await?;
            println!("{secret}");
        }
    }
    Ok(())
}
