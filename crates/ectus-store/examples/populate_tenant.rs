//! Fills a database with one large tenant for the export and import benchmark
//! (`scripts/bench-transfer.sh`): projects, finished generation jobs, and generations whose
//! artifacts are incompressible bytes (as the `.tar.gz` of real generated projects are), until
//! the artifacts reach the requested size.
//!
//!   cargo run --release -p ectus-store --example populate_tenant -- URL TENANT MIB [ARTIFACT_KIB]

use std::process::ExitCode;

use ectus_store::audit::Acting;
use ectus_store::{Store, StoreOptions};
use rand::RngCore as _;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, tenant, mib, rest @ ..] = args.as_slice() else {
        return Err("usage: populate_tenant URL TENANT MIB [ARTIFACT_KIB]".into());
    };
    let mib: u64 = mib
        .parse()
        .map_err(|_| format!("MIB {mib:?} is not a number"))?;
    let artifact_kib: u64 = match rest.first() {
        Some(kib) => kib
            .parse()
            .map_err(|_| format!("ARTIFACT_KIB {kib:?} is not a number"))?,
        None => 1024,
    };
    let store = Store::connect(url, &StoreOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let tenant = store
        .create_tenant(tenant, &Acting::operator())
        .await
        .map_err(|e| e.to_string())?;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let count = (mib * 1024).div_ceil(artifact_kib.max(1));
    let spec = serde_json::json!({
        "spec_version": 1,
        "service": {"name": "bench-service", "description": "A service of the benchmark tenant"},
        "entities": [{"name": "Item", "fields": [{"name": "title", "type": "string"}]}]
    })
    .to_string();
    let report = serde_json::json!({"verdict": "passed", "phases": []}).to_string();
    let mut rng = rand::rng();
    let mut project_id = String::new();
    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    for i in 0..count {
        if i % 50 == 0 {
            project_id = ectus_store::new_id();
            sqlx::query(
                "INSERT INTO projects (id, tenant_id, name, description, status, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'benchmark project', 'active', 1, $4, $4)",
            )
            .bind(&project_id)
            .bind(&tenant.id)
            .bind(format!("project-{i}"))
            .bind(1_700_000_000_000i64 + i as i64)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        }
        let job_id = ectus_store::new_id();
        let generation_id = ectus_store::new_id();
        let at = 1_700_000_000_000i64 + i as i64;
        sqlx::query(
            "INSERT INTO jobs (id, tenant_id, kind, payload, state, attempts, max_attempts, run_after, \
             progress_percent, result, revision, created_at, updated_at, started_at, finished_at) \
             VALUES ($1, $2, 'generate', $3, 'succeeded', 1, 2, $4, 100, '{}', 3, $4, $4, $4, $4)",
        )
        .bind(&job_id)
        .bind(&tenant.id)
        .bind(serde_json::json!({"generation_id": generation_id}).to_string())
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        let mut artifact = vec![0u8; (artifact_kib * 1024) as usize];
        rng.fill_bytes(&mut artifact);
        let sha = {
            use sha2::Digest as _;
            sha2::Sha256::digest(&artifact)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        sqlx::query(
            "INSERT INTO generations (id, tenant_id, project_id, job_id, input_kind, input, spec, spec_hash, \
             assumptions, status, qa, qa_report, artifact, artifact_sha256, artifact_size, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'spec', $5, $5, 'h', '[]', 'passed', 1, $6, $7, $8, $9, $10, $10)",
        )
        .bind(&generation_id)
        .bind(&tenant.id)
        .bind(&project_id)
        .bind(&job_id)
        .bind(&spec)
        .bind(&report)
        .bind(artifact)
        .bind(sha)
        .bind((artifact_kib * 1024) as i64)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    println!(
        "tenant {} ({}): {count} generations of {artifact_kib} KiB",
        tenant.name, tenant.id
    );
    Ok(())
}
