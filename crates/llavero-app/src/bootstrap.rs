//! First-start chores: the pepper for the embedded database, and the first admin.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use llavero_domain::{random, Password, Pepper, Username};
use llavero_store::Store;
use llavero_types::Role;

use crate::configuration::{Database, Settings};
use crate::passwords::PasswordWork;
use crate::usecases::{self, Acting};

/// Refuses to go on with a pepper other than the one this database was
/// set up with: every key would be refused (and every webhook signed
/// wrong) while the replica looked healthy. The first start (or the first
/// after upgrading to a release that keeps the check) records it. The
/// message names the setting, never a value.
pub async fn check_pepper(store: &Store, pepper: &Pepper) -> anyhow::Result<()> {
    let ours = pepper.check_value();
    let stored = store
        .pepper_check_claim(&ours)
        .await
        .context("reading the pepper check")?;
    if !llavero_domain::hashing::constant_time_eq(stored.as_bytes(), ours.as_bytes()) {
        bail!(
            "LLAVERO_KEY_PEPPER is not the pepper this database was set up with \
             (or, on the embedded database, its llavero.pepper file was replaced): \
             every key would be refused. Start with the right pepper. To change it \
             on purpose — every existing key and webhook secret then stops working — \
             run `llavero pepper-accept --yes` with the new one (docs/operations.md)."
        );
    }
    Ok(())
}

/// Records the current pepper as this database's own: the deliberate
/// pepper change (`llavero pepper-accept --yes`).
pub async fn accept_pepper(store: &Store, pepper: &Pepper) -> anyhow::Result<()> {
    store
        .pepper_check_replace(&pepper.check_value())
        .await
        .context("writing the pepper check")?;
    Ok(())
}

/// The pepper file's name, beside the SQLite database.
const PEPPER_FILE: &str = "llavero.pepper";

/// The pepper from `LLAVERO_KEY_PEPPER`; else, for SQLite, the one kept
/// beside the database file (created, owner-only, on first start).
///
/// PostgreSQL needs it configured: replicas must share it, and a pepper
/// stored with the database would defeat its purpose.
pub fn resolve_pepper(settings: &Settings) -> anyhow::Result<Pepper> {
    if let Some(p) = &settings.key_pepper {
        return Pepper::new(p.expose().as_bytes().to_vec())
            .map_err(|e| anyhow::anyhow!("LLAVERO_KEY_PEPPER: {e}"));
    }
    if settings.database == Database::Postgres {
        bail!("LLAVERO_KEY_PEPPER is required with PostgreSQL (at least 32 random characters, the same on every replica)");
    }
    match settings.sqlite_path() {
        Some(db) => {
            let dir = db
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the data directory {}", dir.display()))?;
            load_or_create_pepper(&dir.join(PEPPER_FILE))
        }
        // An in-memory database forgets its keys anyway: a pepper for this run.
        None => Pepper::new(random::bytes::<32>()?.to_vec()).map_err(anyhow::Error::msg),
    }
}

fn load_or_create_pepper(path: &Path) -> anyhow::Result<Pepper> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Pepper::new(existing.trim().as_bytes().to_vec())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    let token = random::hex_token(32)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating the pepper file {}", path.display()))?;
    file.write_all(token.as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "generated a new key pepper (keep it with the database backups)");
    Pepper::new(token.into_bytes()).map_err(anyhow::Error::msg)
}

/// Creates the first admin on an empty database.
///
/// From `LLAVERO_ADMIN_USERNAME`/`LLAVERO_ADMIN_PASSWORD` when set; with no
/// password configured, a random one is generated and printed once to
/// stderr (not to the log).
pub async fn bootstrap_admin(store: &Store, settings: &Settings) -> anyhow::Result<()> {
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let username = Username::parse(&settings.admin_username)
        .map_err(|e| anyhow::anyhow!("LLAVERO_ADMIN_USERNAME: {e}"))?;
    let (password, generated) = match &settings.admin_password {
        Some(p) => (
            Password::parse(p.expose())
                .map_err(|e| anyhow::anyhow!("LLAVERO_ADMIN_PASSWORD: {e}"))?,
            false,
        ),
        None => (
            Password::parse(&random::hex_token(12)?).map_err(anyhow::Error::msg)?,
            true,
        ),
    };
    usecases::users::create(
        store,
        &PasswordWork::new(1),
        &Acting::system(),
        &username,
        password.clone(),
        Role::Admin,
    )
    .await?;
    tracing::info!(username = username.as_str(), "created the first admin");
    if generated {
        eprintln!(
            "\n  First start: created admin user {:?} with password {}\n  \
             It is shown only now. Sign in and change it, or set LLAVERO_ADMIN_PASSWORD.\n",
            username.as_str(),
            password.expose()
        );
    }
    Ok(())
}
