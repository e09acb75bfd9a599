//! Set-up shared by the store's test files: a migrated store on a fresh database, a raw pool
//! for what the store would never do, and generations brought to a given state.

#![allow(dead_code)]

use ectus_store::audit::Acting;
use ectus_store::generations::GenerationStatus;
use ectus_store::jobs::NewJob;
use ectus_store::tenants::Role;
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

/// A tenant with something in every table, beside another tenant that must stay out of its
/// archive. Returns a working key of the tenant.
pub async fn populate(store: &Store) -> String {
    let op = Acting::operator();
    let acme = store.create_tenant("acme", &op).await.expect("tenant");
    let other = store.create_tenant("other", &op).await.expect("tenant");
    let ada = store
        .create_user(
            &acme.id,
            "ada@example.com",
            "Ada \"Countess\" Lovelace",
            Role::Admin,
        )
        .await
        .expect("user");
    let key = store
        .create_api_key(
            ectus_store::api_keys::NewKey {
                tenant_id: &acme.id,
                user_id: Some(&ada.id),
                name: "ci",
                role: Role::Admin,
                expires_at: None,
            },
            &op,
        )
        .await
        .expect("key");
    let old = store
        .create_api_key(
            ectus_store::api_keys::NewKey {
                tenant_id: &acme.id,
                user_id: None,
                name: "old",
                role: Role::Member,
                expires_at: None,
            },
            &op,
        )
        .await
        .expect("key");
    store
        .revoke_api_key(&old.key.prefix, &op)
        .await
        .expect("revoke");
    let shop = store
        .create_project(
            &acme.id,
            "shop",
            "Line one\nline two, «quoted» \"text\" \\ ü",
        )
        .await
        .expect("project");
    let blog = store
        .create_project(&acme.id, "blog", "")
        .await
        .expect("project");
    let theirs = store
        .create_project(&other.id, "theirs", "")
        .await
        .expect("project");
    finished_generation(store, &acme.id, &shop.id, GenerationStatus::Passed).await;
    finished_generation(store, &other.id, &theirs.id, GenerationStatus::Passed).await;
    running_generation(store, &acme.id, &blog.id).await;
    // A project deleted after a generation: its finished job stays and names a generation
    // that no longer exists.
    let gone = store
        .create_project(&acme.id, "gone", "")
        .await
        .expect("project");
    finished_generation(store, &acme.id, &gone.id, GenerationStatus::Passed).await;
    store
        .delete_project(&acme.id, &gone.id)
        .await
        .expect("delete project");
    key.plaintext
}
