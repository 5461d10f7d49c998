//! The `attend-server` commands: serve (optionally migrating and seeding the demo), migrate,
//! and create an account. `main.rs` only parses the command line and calls [`Cli::run`].

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

use crate::access::Role;
use crate::app::Stores;
use crate::db::location::Database;
use crate::db::sql::SqlDb;
use crate::db::sqlite;
use crate::db::{AuditCtx, StoreError};
use crate::db::{postgres, transfer};
use crate::features::people::{NewUser, UserStatus};
use crate::platform::password::Hasher;
use crate::platform::telemetry;
use crate::{Application, Settings, demo};

#[derive(Parser, Debug)]
#[command(name = "attend-server", version, about = "Attend central server")]
pub struct Cli {
    /// TOML config file (values can be overridden by ATTEND_* variables).
    #[arg(long, global = true, env = "ATTEND_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API.
    Serve {
        /// Apply pending migrations first (otherwise a schema behind this build is refused).
        #[arg(long)]
        migrate: bool,
        /// Seed the demo organisation when the database is empty (implies --migrate).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Write the whole configured database to FILE (a dump `import` reads, on either backend).
    Export { file: PathBuf },
    /// Load a dump into the configured database (migrated first; it must hold no rows).
    Import { file: PathBuf },
    /// Manage user accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        /// super_admin, support, org_admin, manager or employee.
        #[arg(long)]
        role: String,
        /// Organisation id (required for organisation roles).
        #[arg(long)]
        org: Option<String>,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

impl Cli {
    /// Loads the settings, starts logging and runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        let settings = Settings::load(self.config.as_deref())
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        telemetry::init(settings.log_format);
        match self.command {
            Command::Serve { migrate, demo } => serve(settings, migrate || demo, demo).await,
            Command::Migrate => {
                let applied = match &settings.database {
                    Database::Sqlite(path) => sqlite::migrate(path).context("migrating")?,
                    Database::Postgres(url) => postgres::migrate(url).await?,
                };
                println!("{applied} migration(s) applied to {}", settings.database);
                Ok(())
            }
            Command::Export { file } => {
                let (tables, rows) = transfer::export(&settings.database, &file).await?;
                println!(
                    "{rows} rows of {tables} tables exported from {} to {}",
                    settings.database,
                    file.display()
                );
                Ok(())
            }
            Command::Import { file } => {
                let (tables, rows) = transfer::import(&settings.database, &file).await?;
                println!(
                    "{rows} rows of {tables} tables imported from {} into {}",
                    file.display(),
                    settings.database
                );
                Ok(())
            }
            Command::Admin {
                command:
                    AdminCommand::Create {
                        email,
                        role,
                        org,
                        name,
                    },
            } => create_admin(settings, email, role, org, name).await,
        }
    }
}

async fn serve(settings: Settings, migrate: bool, seed_demo: bool) -> anyhow::Result<()> {
    let app = match Application::build(settings.clone(), migrate).await {
        Ok(app) => app,
        Err(e)
            if e.chain()
                .any(|c| matches!(c.downcast_ref(), Some(StoreError::SchemaBehind { .. }))) =>
        {
            bail!(
                "{e:#}\nThe database schema is behind this build. Run `attend-server migrate` or start with `serve --migrate`."
            )
        }
        Err(e) => return Err(e),
    };
    if seed_demo && let Some(seed) = demo::seed(&app.stores()).await? {
        eprintln!(
            "\nDemo data seeded.\n  dashboard/API: http://{addr}  (docs: http://{addr}/api/docs)\n  org admin:  {}  /  {}\n  manager:    {}  /  {}\n  kiosk provisioning code: {}\n  employee join code:      {}\n  employees 1001-1004 with PINs 1234, 2345, 3456, 4567\n  machine: Lathe, code {} (relay 0)\n",
            demo::ADMIN_EMAIL,
            demo::DEMO_PASSWORD,
            demo::MANAGER_EMAIL,
            demo::DEMO_PASSWORD,
            seed.provisioning_code,
            seed.join_code,
            demo::DEMO_EQUIPMENT_CODE,
            addr = app.local_addr(),
        );
    }
    app.run_until_stopped().await
}

async fn create_admin(
    settings: Settings,
    email: String,
    role: String,
    org: Option<String>,
    name: String,
) -> anyhow::Result<()> {
    let role = Role::parse(&role).with_context(|| {
        format!("unknown role `{role}`: use super_admin, support, org_admin, manager or employee")
    })?;
    let org = match (role.is_global(), org) {
        (true, Some(_)) => bail!("--org must not be given for role {}", role.as_str()),
        (true, None) => None,
        (false, Some(o)) => Some(
            o.parse()
                .with_context(|| format!("--org `{o}` is not an organisation id"))?,
        ),
        (false, None) => bail!("--org is required for role {}", role.as_str()),
    };
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    if password.chars().count() < 10 {
        bail!("the password must be at least 10 characters");
    }
    let db = SqlDb::open(&settings.database, settings.synchronous, 2, false)
        .await
        .context("opening the database (run `attend-server migrate` first)")?;
    let user = Stores::on(&db)
        .people
        .create_user(
            &AuditCtx::system(),
            NewUser {
                org_id: org,
                email: email.trim().to_owned(),
                display_name: name,
                password_hash: Hasher::default().hash(password).await?,
                role,
                status: UserStatus::Active,
                employee_id: None,
                // Made at the server's console by its operator, for someone who is not on
                // the organisation's payroll; an administrator links it later if it is.
                not_employee: true,
                departments: Vec::new(),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the user: {e}"))?;
    println!(
        "created {} {} ({})",
        user.role.as_str(),
        user.email,
        user.id
    );
    Ok(())
}
