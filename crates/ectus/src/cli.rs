//! Command-line syntax (clap). Each command's help ends with examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ectus",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("ECTUS_BUILD_COMMIT"), ")"),
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
    /// Generate a verified Rust web service from a requirement, a spec or an OpenAPI document.
    #[command(
        after_help = "Examples:\n  ectus new blog-api --prompt \"A REST API for a blog with users and posts. Use PostgreSQL.\"\n  ectus new shop --spec shop.yaml\n  ectus new petstore --openapi petstore.yaml --json\n  ectus new blog-api --prompt \"...\" --no-qa        # files only\n\nExit status: 0 passed (or generated, with --no-qa); 1 failed or not verified; 3 incomplete: QA passed, but the service does not do all that was asked (passages not understood, operations not as documented or still to implement)"
    )]
    New(NewArgs),
    /// Derive a spec from a requirement or an OpenAPI document and print it (with assumptions).
    #[command(
        after_help = "Examples:\n  ectus spec --prompt \"A todo API: tasks have a title and a due date.\" > todo.yaml\n  ectus spec --openapi petstore.yaml\n  ectus spec --file todo.yaml            # validate a spec\n  ectus spec --schema                    # the JSON Schema of spec files"
    )]
    Spec(SpecArgs),
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
    /// Read and verify the audit log of security-relevant actions.
    #[command(
        after_help = "Examples:\n  ectus audit verify\n  ectus audit verify --anchor 42:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n  ectus audit list --tenant acme\n\nExit status of verify: 0 intact; 1 when any entry was changed, deleted, inserted, reordered or renumbered, or the log no longer reaches the anchor"
    )]
    Audit(AuditArgs),
    /// Remove what the retention policies no longer keep (`ectus serve` does it every
    /// retention.interval).
    #[command(
        after_help = "Examples:\n  ectus retention run --dry-run     # what would go, nothing removed\n  ectus retention run\n  ECTUS_RETENTION__INCIDENTS=30d ectus retention run --json"
    )]
    Retention(RetentionArgs),
    /// Write everything a tenant owns into an archive: one NDJSON file per table, the
    /// generations' artifacts, and a manifest with row counts and checksums.
    #[command(
        after_help = "Examples:\n  ectus export --tenant acme -o acme.tar.gz\n  ectus export --tenant acme -o /backups/acme.tar.gz --database-url postgres://ectus@db/ectus --json\n\nAPI keys travel as hashes, never as secrets. The archive is written beside FILE under a temporary name and takes its name only when complete; an existing FILE is never overwritten."
    )]
    Export(ExportArgs),
    /// Import a tenant from an archive written by `ectus export`: all of it, in one
    /// transaction, or nothing.
    #[command(
        after_help = "Examples:\n  ectus import acme.tar.gz\n  ectus import acme.tar.gz --database-url postgres://ectus@db/ectus --json\n\nEvery checksum, row and reference is checked before anything is written. A target that already holds the tenant (by id or name) or any of its ids is refused, naming what conflicts. Archives move between SQLite and PostgreSQL in both directions."
    )]
    Import(ImportArgs),
    /// Decommission the instance: read-only at once, final exports of every tenant verified by
    /// reading them back, every tenant but the operator's purged, and a verification report.
    #[command(
        after_help = "Examples:\n  ectus decommission --output-dir /backups/final --yes\n  ectus decommission --output-dir /backups/final --reason \"moved to eu-2\" --drain-timeout 10m --yes\n  ectus decommission --abort          # writable again (before anything was purged)\n\nWrites <DIR>/<tenant>-<id>.tar.gz per tenant, decommission-report.json and decommission-report.md. Exit status: 0 when every step succeeded; 1 otherwise (the report names the failed step; run again to go on). The playbook is docs/operations/decommissioning.md."
    )]
    Decommission(DecommissionArgs),
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
    /// Address of the Prometheus metrics listener ("" turns it off).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
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
    /// Address of the Prometheus metrics listener ("" turns it off).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
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

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The tenant's name.
    #[arg(long, value_name = "NAME")]
    pub tenant: String,
    /// The archive to write (tar + gzip); must not exist.
    #[arg(short, long, value_name = "FILE")]
    pub output: std::path::PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DecommissionArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Where the final exports and the report go (created if missing).
    #[arg(long, value_name = "DIR", required_unless_present = "abort")]
    pub output_dir: Option<std::path::PathBuf>,
    /// Why, recorded with the read-only state and in the audit log.
    #[arg(long, default_value = "decommissioning")]
    pub reason: String,
    /// How long to wait for running jobs to finish before the final exports.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub drain_timeout: String,
    /// Confirms: the purge cannot be undone.
    #[arg(long)]
    pub yes: bool,
    /// Make a read-only instance writable again instead.
    #[arg(long, conflicts_with_all = ["output_dir", "yes"])]
    pub abort: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The archive to read.
    #[arg(value_name = "FILE")]
    pub archive: std::path::PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RetentionArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: RetentionCommand,
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Apply the policies once: print, per kind of data, its policy, what is due and what went.
    #[command(
        after_help = "Examples:\n  ectus retention run --dry-run\n  ectus retention run --json"
    )]
    Run {
        /// Count what is due, remove nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the whole log and print every break with its position.
    #[command(
        after_help = "Examples:\n  ectus audit verify\n  ectus audit verify --anchor 42:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --json"
    )]
    Verify {
        /// A head recorded earlier (SEQ:HASH, as printed here or written into an export
        /// manifest): a log that no longer reaches it was cut off.
        #[arg(long, value_name = "SEQ:HASH")]
        anchor: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the log's entries, oldest first.
    #[command(
        after_help = "Examples:\n  ectus audit list\n  ectus audit list --tenant acme --limit 20"
    )]
    List {
        /// Only this tenant's entries.
        #[arg(long)]
        tenant: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    #[command(after_help = "Example:\n  ectus admin tenant create acme")]
    Create {
        /// Unique tenant name.
        name: String,
    },
    /// List tenants, with the deletion date of those scheduled for deletion.
    #[command(after_help = "Example:\n  ectus admin tenant list")]
    List,
    /// Schedule a tenant's deletion: read-only at once (reads and exports still work),
    /// restorable during the grace period, purged afterwards.
    #[command(
        after_help = "Examples:\n  ectus export --tenant acme -o acme-final.tar.gz && ectus admin tenant delete acme\n  ectus admin tenant delete acme --grace 7d\n  ectus admin tenant delete scratch --grace 0s && ectus admin tenant purge\n\nThe operator tenant (\"default\") cannot be deleted."
    )]
    Delete {
        /// Tenant name.
        name: String,
        /// Grace period such as 7d or 0s (default: retention.tenant_deletion_grace, 30 days).
        #[arg(long, value_name = "DURATION")]
        grace: Option<String>,
    },
    /// Cancel a scheduled deletion while the grace period lasts.
    #[command(after_help = "Example:\n  ectus admin tenant restore acme")]
    Restore {
        /// Tenant name.
        name: String,
    },
    /// Purge every tenant whose grace period has ended (`ectus serve` does it every
    /// retention.interval) and print each completeness report.
    #[command(
        after_help = "Examples:\n  ectus admin tenant purge\n  ectus admin tenant purge --json"
    )]
    Purge {
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
    },
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

/// Where a spec comes from: exactly one of these.
#[derive(Debug, Args, Clone)]
#[group(required = true, multiple = false)]
pub struct InputArgs {
    /// A spec file (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// An OpenAPI 3.0 or 3.1 document (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    pub openapi: Option<PathBuf>,
    /// A plain-English requirement (`-` reads it from standard input).
    #[arg(long, value_name = "TEXT")]
    pub prompt: Option<String>,
    /// A plain-English requirement in a file (Markdown or text).
    #[arg(long, value_name = "FILE")]
    pub prompt_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Directory to generate into (created; must be empty or an earlier Ectus-R project).
    pub dir: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the files but do not build or test them.
    #[arg(long)]
    pub no_qa: bool,
    /// Print the machine-readable report (JSON) on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write into a non-empty directory that is not an Ectus-R project.
    #[arg(long)]
    pub force: bool,
    /// Regenerating: let the next migration drop tables or columns, narrow types or add
    /// required columns without a default (refused otherwise, with the steps listed).
    #[arg(long)]
    pub allow_destructive: bool,
    /// Build cache shared by every generated project.
    #[arg(
        long,
        env = "ECTUS_TARGET_DIR",
        value_name = "DIR",
        default_value = ".ectus/build-cache"
    )]
    pub target_dir: PathBuf,
    /// For PostgreSQL services: an admin URL where the service's tests may create databases.
    #[arg(long, env = "ECTUS_TEST_DATABASE_URL", value_name = "URL")]
    pub test_database_url: Option<String>,
    /// Wall-clock limit of each QA phase, e.g. 20m.
    #[arg(long, value_name = "DURATION", default_value = "20m")]
    pub phase_timeout: String,
    /// Address-space limit of each QA process in MiB (0 for none).
    #[arg(long, value_name = "MIB", default_value_t = 8192)]
    pub memory_limit_mib: u64,
    /// Skip clippy in QA.
    #[arg(long)]
    pub no_lint: bool,
    /// Skip the probe (starting the built service and attacking it) in QA.
    #[arg(long)]
    pub no_probe: bool,
    /// Stop before writing anything when part of the requirement is not understood.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["file", "openapi", "prompt", "prompt_file", "schema"])))]
pub struct SpecArgs {
    /// A spec file to validate and print normalised.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["openapi", "prompt", "prompt_file", "schema"])]
    pub file: Option<PathBuf>,
    /// An OpenAPI 3.0 or 3.1 document.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["prompt", "prompt_file", "schema"])]
    pub openapi: Option<PathBuf>,
    /// A plain-English requirement (`-` reads it from standard input).
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["prompt_file", "schema"])]
    pub prompt: Option<String>,
    /// A plain-English requirement in a file (Markdown or text).
    #[arg(long, value_name = "FILE", conflicts_with = "schema")]
    pub prompt_file: Option<PathBuf>,
    /// Print the JSON Schema of spec files.
    #[arg(long)]
    pub schema: bool,
    /// Exit with an error when part of the requirement is not understood.
    #[arg(long)]
    pub strict: bool,
    /// Print JSON ({"spec": …, "assumptions": […]}) instead of YAML.
    #[arg(long)]
    pub json: bool,
}
