//! Command-line syntax (clap). Each command's help ends with examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ectus",
    version,
    about = "Ectus-R: turn a requirement into a verified Rust web service, and run the platform that does it",
    after_help = "Examples:\n  ectus serve                                  # API + workers on ./.ectus/ectus.db\n  ectus serve --database-url postgres://ectus@db/ectus --workers 0\n  ectus worker --database-url postgres://ectus@db/ectus\n  ectus admin key create --tenant default --role member"
)]
pub struct Cli {
    /// Configuration file (TOML); defaults to ./ectus.toml when present.
    #[arg(long, global = true, env = "ECTUS_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (and in-process workers).
    #[command(
        after_help = "Examples:\n  ectus serve\n  ectus serve --listen 0.0.0.0:8080 --workers 4\n  ectus serve --database-url postgres://ectus:secret@db:5432/ectus --workers 0\n  ectus serve --print-config"
    )]
    Serve(ServeArgs),
    /// Run workers only, sharing the job queue in the database with other processes.
    #[command(
        after_help = "Examples:\n  ectus worker --database-url postgres://ectus:secret@db:5432/ectus --concurrency 4\n  ECTUS_DATABASE__URL=postgres://ectus@db/ectus ectus worker"
    )]
    Worker(WorkerArgs),
    /// Apply pending database migrations and report the schema version.
    #[command(
        after_help = "Examples:\n  ectus migrate\n  ectus migrate --database-url postgres://ectus:secret@db:5432/ectus"
    )]
    Migrate(DbArgs),
    /// Manage tenants and API keys.
    #[command(
        after_help = "Examples:\n  ectus admin tenant create acme\n  ectus admin key create --tenant acme --name ci --role member --expires-in 90d\n  ectus admin key list --tenant acme\n  ectus admin key revoke k3x9a0b2cd"
    )]
    Admin(AdminArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Directory for the embedded database and the bootstrap admin key.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// In-process workers (0 runs none).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Print the effective configuration (secrets masked) and exit.
    #[arg(long)]
    pub print_config: bool,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Jobs run at once by this process.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// API keys.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    #[command(after_help = "Example:\n  ectus admin tenant create acme")]
    Create {
        /// Unique tenant name.
        name: String,
    },
    /// List tenants.
    #[command(after_help = "Example:\n  ectus admin tenant list")]
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key; the key is printed once on standard output.
    #[command(
        after_help = "Examples:\n  ectus admin key create --tenant acme\n  ectus admin key create --tenant acme --name deploy --role admin --expires-in 30d"
    )]
    Create {
        /// Tenant name.
        #[arg(long)]
        tenant: String,
        /// A label to recognise the key by.
        #[arg(long, default_value = "api key")]
        name: String,
        /// admin or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// Lifetime such as 12h, 30d or 1y; the key never expires without it.
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
    },
    /// List a tenant's API keys (never the secrets).
    #[command(after_help = "Example:\n  ectus admin key list --tenant acme")]
    List {
        /// Tenant name.
        #[arg(long)]
        tenant: String,
    },
    /// Revoke an API key by its prefix (the part after ek_).
    #[command(after_help = "Example:\n  ectus admin key revoke k3x9a0b2cd")]
    Revoke {
        /// The key's 10-character prefix.
        prefix: String,
    },
}
