//! First start: create the default tenant and an admin key, and hand the key to the operator.
//!
//! The key is written to `<data_dir>/admin-key` (mode 0600, written atomically) and shown on
//! the terminal when standard error is one. It never goes to the log stream: in a container or
//! under a supervisor only the file path is logged.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use ectus_store::api_keys::NewKey;
use ectus_store::audit::Acting;
use ectus_store::tenants::Role;
use ectus_store::{Store, StoreError};

pub const DEFAULT_TENANT: &str = ectus_store::tenants::OPERATOR_TENANT;
pub const ADMIN_KEY_FILE: &str = "admin-key";

/// Creates the default tenant, its admin user and an admin key when the database has no
/// tenant yet. Returns the key file path when it did.
pub async fn ensure_admin(store: &Store, data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    if store.count_tenants().await? > 0 {
        return Ok(None);
    }
    let tenant = match store
        .create_tenant(DEFAULT_TENANT, &Acting::platform())
        .await
    {
        Ok(tenant) => tenant,
        // Another replica bootstrapped at the same moment.
        Err(StoreError::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e).context("cannot create the default tenant"),
    };
    let user = store
        .create_user(&tenant.id, "admin@localhost", "Administrator", Role::Admin)
        .await
        .context("cannot create the admin user")?;
    let created = store
        .create_api_key(
            NewKey {
                tenant_id: &tenant.id,
                user_id: Some(&user.id),
                name: "bootstrap admin key",
                role: Role::Admin,
                expires_at: None,
            },
            &Acting::platform(),
        )
        .await
        .context("cannot create the admin key")?;
    let path = data_dir.join(ADMIN_KEY_FILE);
    write_private(&path, &format!("{}\n", created.plaintext))?;
    if std::io::stderr().is_terminal() {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "\n  First start: created tenant {DEFAULT_TENANT:?} and an admin API key.\n  \
             It is shown once here and kept in {} (readable by you only):\n\n    {}\n",
            path.display(),
            created.plaintext
        );
    }
    tracing::warn!(
        key_file = %path.display(),
        key_prefix = %created.key.prefix,
        "first start: created the default tenant and an admin API key; read it from the key file"
    );
    Ok(Some(path))
}

/// Writes `content` to `path` readable by the owner only, replacing any old file atomically.
fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", tmp.display()))?;
    }
    file.write_all(content.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move the key file to {}", path.display()))?;
    Ok(())
}
