//! The `llavero` command line: `serve`, `migrate`, `user add`, `openapi`,
//! `config --markdown`, `backup`, `pepper-accept`, `probe`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use llavero_domain::{Password, Username};
use llavero_types::Role;

use llavero_app::configuration::Settings;
use llavero_app::connect_and_migrate;
use llavero_app::passwords::PasswordWork;
use llavero_app::usecases::{self, users::UserCreateError, Acting};

use crate::startup::Application;
use crate::telemetry;

/// Llavero: API keys for the cloud management portal.
///
/// Configuration comes from defaults, then an optional TOML file, then
/// LLAVERO_* environment variables; see docs/configuration.md.
#[derive(Debug, Parser)]
#[command(
    name = "llavero",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("LLAVERO_COMMIT"), ")"),
    about
)]
struct Cli {
    /// A TOML file of settings (keys: the variables' names without LLAVERO_, in lower case).
    #[arg(long, global = true, env = "LLAVERO_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations and serve the API (the default deployment command).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage local users.
    #[command(subcommand)]
    User(UserCommand),
    /// Print the OpenAPI document (the committed openapi/llavero.json).
    Openapi,
    /// Check the configuration and exit; with --markdown, print the table
    /// of every setting instead (the one in docs/configuration.md).
    Config {
        /// Print the settings table in Markdown.
        #[arg(long)]
        markdown: bool,
    },
    /// Copy the embedded (SQLite) database to FILE while it serves, and say
    /// what else a restore needs. PostgreSQL: see docs/operations.md.
    Backup {
        /// Where to write the copy (must not exist yet).
        file: std::path::PathBuf,
    },
    /// Make the configured pepper this database's own: a deliberate pepper
    /// change. Every existing key and webhook secret stops working.
    PepperAccept {
        /// Confirm that every existing key and webhook secret stops working.
        #[arg(long)]
        yes: bool,
    },
    /// Exit 0 when an http:// URL answers 200 (container health checks; no curl needed).
    Probe {
        /// e.g. http://127.0.0.1:8080/readyz
        url: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; the password comes from LLAVERO_PASSWORD or a prompt.
    Add {
        /// 3 to 64 of letters, digits, '.', '_', '-', '@'.
        username: String,
        /// Give the user the admin role.
        #[arg(long)]
        admin: bool,
    },
}

/// Runs the command named on the command line.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        Command::Openapi => {
            print!("{}", crate::openapi::document_json());
            return Ok(());
        }
        Command::Probe { url } => return crate::probe::probe(url),
        Command::Config { markdown: true } => {
            print!("{}", llavero_app::configuration::settings_table());
            return Ok(());
        }
        _ => {}
    }
    let settings = llavero_app::configuration::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format, "info", std::io::stderr);
    match cli.command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            // One plain line on stdout, whatever the log level or format:
            // with `LLAVERO_LISTEN=…:0` it is how a supervisor (or a test)
            // learns the port the OS chose, without racing for a free one.
            println!("llavero: listening on http://{}", app.address());
            if let Some(metrics) = app.metrics_address() {
                println!("llavero: metrics on http://{metrics}/metrics");
            }
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            connect_and_migrate(&settings).await?;
            tracing::info!("migrations applied");
        }
        Command::User(UserCommand::Add { username, admin }) => {
            add_user(&settings, &username, admin).await?;
        }
        Command::Backup { file } => backup(&settings, &file).await?,
        Command::PepperAccept { yes } => {
            if !yes {
                anyhow::bail!(
                    "a new pepper makes every existing API key and webhook secret stop working; \
                     run again with --yes to accept it"
                );
            }
            let pepper = llavero_app::bootstrap::resolve_pepper(&settings)?;
            let store = connect_and_migrate(&settings).await?;
            llavero_app::bootstrap::accept_pepper(&store, &pepper).await?;
            println!("llavero: the configured pepper is now this database's own; existing keys no longer verify");
        }
        Command::Config { .. } => println!("llavero: the configuration is valid"),
        Command::Openapi | Command::Probe { .. } => {}
    }
    Ok(())
}

async fn backup(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    if file.exists() {
        anyhow::bail!("{} exists already: choose a new file", file.display());
    }
    let store = llavero_store::Store::connect(settings.database_url.expose(), 1)
        .await
        .context("connecting to the database (LLAVERO_DATABASE_URL)")?;
    match store
        .backup_into(file)
        .await
        .context("writing the backup")?
    {
        Some(()) => {
            println!("llavero: backed up the database to {}", file.display());
            match (&settings.key_pepper, settings.sqlite_path()) {
                (Some(_), _) => println!(
                    "llavero: keep LLAVERO_KEY_PEPPER with it: without that pepper no key in the backup verifies"
                ),
                (None, Some(db)) => println!(
                    "llavero: keep {} with it: without that pepper no key in the backup verifies",
                    db.parent()
                        .unwrap_or(std::path::Path::new("."))
                        .join("llavero.pepper")
                        .display()
                ),
                (None, None) => {}
            }
            Ok(())
        }
        None => anyhow::bail!(
            "this is a PostgreSQL database: back it up with pg_dump (docs/operations.md), \
             and keep LLAVERO_KEY_PEPPER with it"
        ),
    }
}

async fn add_user(settings: &Settings, username: &str, admin: bool) -> anyhow::Result<()> {
    let username = Username::parse(username)?;
    let raw = match std::env::var("LLAVERO_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => rpassword::prompt_password(format!("Password for {username}: "))
            .context("reading the password (or set LLAVERO_PASSWORD)")?,
    };
    let password = Password::parse(&raw)?;
    let store = connect_and_migrate(settings).await?;
    let role = if admin { Role::Admin } else { Role::User };
    let user = usecases::users::create(
        &store,
        &PasswordWork::new(1),
        &Acting::system(),
        &username,
        password,
        role,
    )
    .await
    .map_err(|e| match e {
        UserCreateError::UsernameTaken => anyhow::anyhow!("username is taken"),
        other => anyhow::Error::new(other),
    })?;
    println!(
        "created {} user {} ({})",
        role.as_str(),
        user.username,
        user.id
    );
    Ok(())
}
