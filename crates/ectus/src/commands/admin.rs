//! `ectus admin`: tenants and API keys.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use ectus_store::api_keys::NewKey;
use ectus_store::audit::Acting;
use ectus_store::tenants::Role;
use ectus_store::{Store, StoreError, Timestamp};

use crate::cli::{AdminArgs, AdminCommand, KeyCommand, TenantCommand};
use crate::config::Config;

pub async fn run(config_path: Option<&Path>, args: AdminArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path, &super::db_overrides(&args.db))?;
    let store = super::open_store(&config).await?;
    let result = match args.command {
        AdminCommand::Tenant(command) => tenant(&store, &config, command).await,
        AdminCommand::Key(command) => key(&store, command).await,
    };
    store.close().await;
    result.map(|()| ExitCode::SUCCESS)
}

async fn tenant_named(store: &Store, name: &str) -> anyhow::Result<ectus_store::tenants::Tenant> {
    match store.tenant_by_name(name).await {
        Ok(t) => Ok(t),
        Err(StoreError::NotFound(_)) => {
            bail!("no tenant named {name:?}; `ectus admin tenant list` shows the tenants")
        }
        Err(e) => Err(e.into()),
    }
}

fn time(at: Option<Timestamp>) -> String {
    at.and_then(|t| chrono::DateTime::from_timestamp_millis(t.as_millis()))
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".into())
}

/// A name as the listings print it: 1 to 100 characters, none of them control characters
/// (a newline would forge a line of `list` output).
fn checked_label<'a>(what: &str, value: &'a str) -> anyhow::Result<&'a str> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 100 {
        bail!("{what} must be 1 to 100 characters");
    }
    if value.chars().any(char::is_control) {
        bail!("{what} must not contain control characters (newlines, tabs, NUL)");
    }
    Ok(value)
}

async fn tenant(store: &Store, config: &Config, command: TenantCommand) -> anyhow::Result<()> {
    match command {
        TenantCommand::Create { name } => {
            let name = checked_label("a tenant name", &name)?;
            let tenant = store.create_tenant(name, &Acting::operator()).await?;
            println!("{}", tenant.id);
            eprintln!(
                "created tenant {:?}; create a key with: ectus admin key create --tenant {}",
                tenant.name, tenant.name
            );
        }
        TenantCommand::List => {
            println!("{:<38} {:<22} {:<22} NAME", "ID", "CREATED", "PURGE AFTER");
            for t in store.list_tenants().await? {
                println!(
                    "{:<38} {:<22} {:<22} {}",
                    t.id,
                    time(Some(t.created_at)),
                    time(t.deletion.map(|d| d.purge_after)),
                    t.name
                );
            }
        }
        TenantCommand::Delete { name, grace } => {
            let grace = match grace {
                Some(text) => humantime::parse_duration(&text).with_context(|| {
                    format!("--grace {text:?} is not a duration such as 7d, 12h or 0s")
                })?,
                None => config.retention.tenant_deletion_grace,
            };
            tenant_named(store, &name).await?;
            let tenant = store
                .request_tenant_deletion(&name, grace, &Acting::operator())
                .await?;
            let purge = time(tenant.deletion.map(|d| d.purge_after));
            println!(
                "tenant {:?} is read-only and will be purged from {purge} on; restore it before then with: ectus admin tenant restore {}",
                tenant.name, tenant.name
            );
        }
        TenantCommand::Restore { name } => {
            tenant_named(store, &name).await?;
            let tenant = store.restore_tenant(&name, &Acting::operator()).await?;
            println!("tenant {:?} is restored: writable again", tenant.name);
        }
        TenantCommand::Purge { json } => {
            let reports = crate::retention::purge_due_tenants(
                store,
                config.retention.batch_size,
                &Acting::operator(),
            )
            .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            } else if reports.is_empty() {
                println!("no tenant is due for purging");
            }
            if !json {
                for report in &reports {
                    println!(
                        "purged tenant {:?} ({}): {} artifacts removed, {}; audit entries {:?}",
                        report.tenant,
                        report.tenant_id,
                        report.artifacts_removed,
                        if report.complete {
                            "complete"
                        } else {
                            "INCOMPLETE"
                        },
                        report.audit_entries
                    );
                    for table in &report.tables {
                        println!(
                            "  {:<24} removed {:>8}  left {:>6}{}",
                            table.table,
                            table.removed,
                            table.left,
                            table
                                .kept_because
                                .map(|why| format!("  ({why})"))
                                .unwrap_or_default()
                        );
                    }
                }
            }
            if let Some(bad) = reports.iter().find(|r| !r.complete) {
                bail!(
                    "the purge of tenant {:?} left rows behind (listed above)",
                    bad.tenant
                );
            }
        }
    }
    Ok(())
}

async fn key(store: &Store, command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Create {
            tenant,
            name,
            role,
            expires_in,
        } => {
            let name = checked_label("a key name", &name)?;
            let tenant = tenant_named(store, &tenant).await?;
            let role = Role::parse(&role)
                .with_context(|| format!("--role {role:?} is not a role; use admin or member"))?;
            let expires_at = match expires_in {
                None => None,
                Some(text) => {
                    let lifetime = humantime::parse_duration(&text).with_context(|| {
                        format!("--expires-in {text:?} is not a duration; use values such as 12h, 30d or 1y")
                    })?;
                    if lifetime.is_zero() {
                        bail!("--expires-in must be longer than zero");
                    }
                    Some(Timestamp::now().after(lifetime))
                }
            };
            let created = store
                .create_api_key(
                    NewKey {
                        tenant_id: &tenant.id,
                        user_id: None,
                        name,
                        role,
                        expires_at,
                    },
                    &Acting::operator(),
                )
                .await?;
            println!("{}", created.plaintext);
            eprintln!(
                "created {} key {} for tenant {:?}{}; it is shown only once",
                role.as_str(),
                created.key.prefix,
                tenant.name,
                expires_at
                    .map(|t| format!(", expiring {}", time(Some(t))))
                    .unwrap_or_default()
            );
        }
        KeyCommand::List { tenant } => {
            let tenant = tenant_named(store, &tenant).await?;
            println!(
                "{:<12} {:<7} {:<21} {:<21} {:<21} {:<21} NAME",
                "PREFIX", "ROLE", "CREATED", "EXPIRES", "LAST USED", "REVOKED"
            );
            for k in store.list_api_keys(&tenant.id).await? {
                println!(
                    "{:<12} {:<7} {:<21} {:<21} {:<21} {:<21} {}",
                    k.prefix,
                    k.role,
                    time(Some(k.created_at)),
                    time(k.expires_at),
                    time(k.last_used_at),
                    time(k.revoked_at),
                    k.name
                );
            }
        }
        KeyCommand::Revoke { prefix } => {
            let prefix = prefix.trim_start_matches("ek_");
            match store.revoke_api_key(prefix, &Acting::operator()).await {
                Ok(k) => eprintln!("revoked key {} ({:?})", k.prefix, k.name),
                Err(StoreError::NotFound(_)) => {
                    bail!("no API key with prefix {prefix:?}; `ectus admin key list --tenant NAME` shows the prefixes")
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}
