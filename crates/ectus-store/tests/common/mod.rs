//! Set-up shared by the store's test files: a migrated store on a fresh database, a raw pool
//! for what the store would never do, and generations brought to a given state.

#![allow(dead_code)]

use ectus_store::jobs::NewJob;
use ectus_store::{Store, StoreOptions};
use ectus_testkit::{TestBackend, TestDb};

/// A plain connection pool to the test database, for what the store would never do (an older
/// schema's rows, tampering with the audit log).
pub async fn raw_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await.expect("raw pool")
}

pub async fn store(backend: TestBackend) -> (Store, TestDb) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url, &StoreOptions::default())
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    (store, db)
}

/// A generation of a spec whose job worker `w` claimed and started: the generation and its job.
pub async fn running_generation(
    store: &Store,
    tenant_id: &str,
    project_id: &str,
) -> (ectus_store::generations::Generation, ectus_store::jobs::Job) {
    let (spec, assumptions) = (serde_json::json!({}), serde_json::json!([]));
    let new = ectus_store::generations::NewGeneration {
        input_kind: ectus_spec::InputKind::Spec,
        input: "{}",
        spec: &spec,
        spec_hash: "h",
        assumptions: &assumptions,
        coverage: None,
        qa: false,
    };
    let job_for = |id: &str| NewJob {
        kind: "generate".into(),
        payload: serde_json::json!({ "generation_id": id }),
        max_attempts: 1,
    };
    let (generation, _) = store
        .create_generation(tenant_id, project_id, &new, 10, job_for, None)
        .await
        .expect("create");
    let claimed = store
        .claim_job("w", 60_000)
        .await
        .expect("claim")
        .expect("job");
    assert!(store
        .start_generation(&generation.id, "w")
        .await
        .expect("start"));
    (generation, claimed)
}

/// A generation run to `status` with an artifact, its job completed.
pub async fn finished_generation(
    store: &Store,
    tenant_id: &str,
    project_id: &str,
    status: ectus_store::generations::GenerationStatus,
) -> ectus_store::generations::Generation {
    let (generation, claimed) = running_generation(store, tenant_id, project_id).await;
    assert!(store
        .finish_generation(&generation.id, "w", status, None, Some(b"tar"))
        .await
        .expect("the database accepts the status"));
    assert!(store
        .complete_job(&claimed.id, "w", &serde_json::json!({}))
        .await
        .expect("complete"));
    generation
}
