//! Repository behaviour on SQLite and PostgreSQL, with the same test bodies.

use std::collections::HashSet;

use ectus_store::api_keys::{KeyRejection, NewKey};
use ectus_store::audit::{Acting, AuditAction, AuditFinding, AuditHead, AuditQuery};
use ectus_store::jobs::{JobState, LeaseStatus, NewJob};
use ectus_store::projects::{ProjectPatch, ProjectQuery, ProjectSort};
use ectus_store::tenants::Role;
use ectus_store::{Resource, Store, StoreError, StoreOptions, Timestamp};
use ectus_testkit::{backend_tests, TestBackend, TestDb};

mod common;
use common::{finished_generation, raw_pool, running_generation, store};
use sqlx::migrate::Migrator;

async fn a_revoked_key_is_refused_at_once_here_and_within_the_cache_time_to_live_elsewhere(
    backend: TestBackend,
) {
    let db = TestDb::new(backend).await;
    let options = StoreOptions {
        key_cache_ttl: std::time::Duration::from_millis(300),
        ..StoreOptions::default()
    };
    let here = Store::connect(&db.url, &options).await.expect("connect");
    here.migrate().await.expect("migrate");
    let elsewhere = Store::connect(&db.url, &options).await.expect("connect");
    let t = here
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    let mut keys = Vec::new();
    for name in ["a", "b"] {
        let key = here
            .create_api_key(
                ectus_store::api_keys::NewKey {
                    tenant_id: &t.id,
                    user_id: None,
                    name,
                    role: ectus_store::tenants::Role::Member,
                    expires_at: None,
                },
                &Acting::operator(),
            )
            .await
            .expect("key");
        keys.push(key);
    }
    for key in &keys {
        for store in [&here, &elsewhere] {
            assert!(store
                .authenticate(&key.plaintext)
                .await
                .expect("auth")
                .is_ok());
        }
    }
    // Revoked by this process: refused here at once.
    here.revoke_api_key(&keys[0].key.prefix, &Acting::operator())
        .await
        .expect("revoke");
    assert!(here
        .authenticate(&keys[0].plaintext)
        .await
        .expect("auth")
        .is_err());
    // The other process trusts its verification until the time-to-live, then asks again.
    assert!(elsewhere
        .authenticate(&keys[0].plaintext)
        .await
        .expect("auth")
        .is_ok());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(elsewhere
        .authenticate(&keys[0].plaintext)
        .await
        .expect("auth")
        .is_err());
    assert!(elsewhere
        .authenticate(&keys[1].plaintext)
        .await
        .expect("auth")
        .is_ok());
}

async fn migrations_are_idempotent(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    store.migrate().await.expect("second run is a no-op");
    assert!(store.schema_status().await.expect("status").is_current());
}

async fn database_made_by_previous_migration_set_upgrades_and_keeps_data(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url, &StoreOptions::default())
        .await
        .expect("connect");
    let full = store.migrator();
    assert!(full.iter().count() >= 2, "needs at least two migrations");
    let mut older = Migrator {
        migrations: full.migrations.clone(),
        ..Migrator::DEFAULT
    };
    older.migrations =
        std::borrow::Cow::Owned(full.migrations[..full.migrations.len() - 1].to_vec());
    store.migrate_with(&older).await.expect("old migrations");
    assert!(!store.schema_status().await.expect("status").is_current());
    // Written as the older schema knows it (its tables only).
    let raw = raw_pool(&db.url).await;
    sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
        .bind("tenant-before-upgrade")
        .bind("before-upgrade")
        .bind(1_i64)
        .execute(&raw)
        .await
        .expect("tenant");
    store.migrate().await.expect("upgrade");
    assert!(store.schema_status().await.expect("status").is_current());
    assert_eq!(
        store
            .tenant_by_name("before-upgrade")
            .await
            .expect("kept")
            .id,
        "tenant-before-upgrade"
    );
}

async fn api_keys_authenticate_until_revoked_or_expired(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    let tenant = store
        .create_tenant("acme", &Acting::operator())
        .await
        .expect("tenant");
    let key = |expires_at| NewKey {
        tenant_id: &tenant.id,
        user_id: None,
        name: "ci",
        role: Role::Member,
        expires_at,
    };
    let live = store
        .create_api_key(key(None), &Acting::operator())
        .await
        .expect("key");
    let principal = store
        .authenticate(&live.plaintext)
        .await
        .expect("query")
        .expect("accepted");
    assert_eq!(principal.tenant_id, tenant.id);
    assert_eq!(principal.role, Role::Member);
    let stored = store.list_api_keys(&tenant.id).await.expect("list");
    assert!(stored[0].last_used_at.is_some(), "use is recorded");
    assert!(!stored[0].hash.contains(&live.plaintext));

    let expired = store
        .create_api_key(
            key(Some(
                Timestamp::now().before(std::time::Duration::from_millis(1)),
            )),
            &Acting::operator(),
        )
        .await
        .expect("key");
    assert_eq!(
        store.authenticate(&expired.plaintext).await.expect("query"),
        Err(KeyRejection::Expired)
    );
    store
        .revoke_api_key(&live.key.prefix, &Acting::operator())
        .await
        .expect("revoke");
    assert_eq!(
        store.authenticate(&live.plaintext).await.expect("query"),
        Err(KeyRejection::Revoked)
    );
    // Right prefix, wrong secret.
    let forged = format!("ek_{}_{}", live.key.prefix, "A".repeat(43));
    assert_eq!(
        store.authenticate(&forged).await.expect("query"),
        Err(KeyRejection::Unknown)
    );
}

async fn project_updates_are_versioned_and_tenant_scoped(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    let a = store
        .create_tenant("a", &Acting::operator())
        .await
        .expect("tenant");
    let b = store
        .create_tenant("b", &Acting::operator())
        .await
        .expect("tenant");
    let p = store
        .create_project(&a.id, "shop", "")
        .await
        .expect("create");
    assert!(matches!(
        store.create_project(&a.id, "shop", "").await,
        Err(StoreError::Conflict(_))
    ));
    store
        .create_project(&b.id, "shop", "same name, other tenant")
        .await
        .expect("names are unique per tenant only");
    assert!(matches!(
        store.get_project(&b.id, &p.id).await,
        Err(StoreError::NotFound(Resource::Project))
    ));
    let patch = ProjectPatch {
        description: Some("v2".into()),
        ..Default::default()
    };
    let v2 = store
        .update_project(&a.id, &p.id, &patch, Some(1))
        .await
        .expect("update");
    assert_eq!((v2.version, v2.description.as_str()), (2, "v2"));
    assert!(matches!(
        store.update_project(&a.id, &p.id, &patch, Some(1)).await,
        Err(StoreError::VersionMismatch { current: 2 })
    ));
    assert!(matches!(
        store.update_project(&b.id, &p.id, &patch, None).await,
        Err(StoreError::NotFound(Resource::Project))
    ));
    assert!(matches!(
        store.delete_project(&b.id, &p.id).await,
        Err(StoreError::NotFound(Resource::Project))
    ));
    store.delete_project(&a.id, &p.id).await.expect("delete");
}

async fn project_pages_cover_every_row_once_in_every_sort(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    let t = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    for i in 0..23 {
        store
            .create_project(&t.id, &format!("p{:02}-{}", (i * 7) % 23, i), "")
            .await
            .expect("create");
    }
    for sort in [
        ProjectSort::CreatedAsc,
        ProjectSort::CreatedDesc,
        ProjectSort::NameAsc,
        ProjectSort::NameDesc,
    ] {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .list_projects(
                    &t.id,
                    &ProjectQuery {
                        limit: 5,
                        cursor: cursor.clone(),
                        sort,
                        ..Default::default()
                    },
                )
                .await
                .expect("page");
            seen.extend(page.items.into_iter().map(|p| p.name));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 23, "{sort:?}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 23, "{sort:?}");
        if sort == ProjectSort::NameAsc {
            let mut sorted = seen.clone();
            sorted.sort();
            assert_eq!(seen, sorted);
        }
    }
}

async fn claims_never_hand_one_job_to_two_workers(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    let t = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    for _ in 0..60 {
        store
            .enqueue_job(
                &t.id,
                &NewJob {
                    kind: "noop".into(),
                    payload: serde_json::json!({}),
                    max_attempts: 1,
                },
            )
            .await
            .expect("enqueue");
    }
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = store
                .claim_job(&format!("w{w}"), 60_000)
                .await
                .expect("claim")
            {
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("join"));
    }
    assert_eq!(all.len(), 60);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 60);
}

async fn expired_lease_requeues_then_fails_after_max_attempts(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    let t = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    let job = store
        .enqueue_job(
            &t.id,
            &NewJob {
                kind: "noop".into(),
                payload: serde_json::json!({}),
                max_attempts: 2,
            },
        )
        .await
        .expect("enqueue");
    for attempt in 1..=2 {
        let claimed = store.claim_job("dead", -1).await.expect("claim");
        assert_eq!(claimed.map(|j| j.attempts), Some(attempt));
        assert_eq!(
            store
                .renew_lease(&job.id, "other", 1000)
                .await
                .expect("renew"),
            LeaseStatus::Lost
        );
        store.reap_expired_leases().await.expect("reap");
    }
    let failed = store.get_job(&t.id, &job.id).await.expect("get");
    assert_eq!(failed.state, JobState::Failed);
    assert!(
        failed.error.as_deref().unwrap_or("").contains("expired"),
        "{failed:?}"
    );
    // The dead worker's late completion is ignored.
    assert!(!store
        .complete_job(&job.id, "dead", &serde_json::json!({}))
        .await
        .expect("complete"));
}

async fn a_pending_cancellation_wins_over_retry_release_and_success(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    let t = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    let new = NewJob {
        kind: "noop".into(),
        payload: serde_json::json!({}),
        max_attempts: 5,
    };
    for end in ["fail", "release", "succeed"] {
        let job = store.enqueue_job(&t.id, &new).await.expect("enqueue");
        let claimed = store
            .claim_job("w", 60_000)
            .await
            .expect("claim")
            .expect("a job");
        assert_eq!(claimed.id, job.id);
        store.cancel_job(&t.id, &job.id).await.expect("cancel");
        match end {
            "release" => assert!(store.release_job(&job.id, "w").await.expect("release")),
            "succeed" => {
                // The handler finished before it saw the request: the accepted cancel wins.
                let done = serde_json::json!({"done": true});
                assert!(store
                    .complete_job(&job.id, "w", &done)
                    .await
                    .expect("complete"));
            }
            _ => {
                let state = store
                    .fail_attempt(&job.id, "w", "boom", Timestamp::from_millis(0))
                    .await
                    .expect("fail");
                assert_eq!(state, Some(JobState::Cancelled));
            }
        }
        let ended = store.get_job(&t.id, &job.id).await.expect("job");
        assert_eq!(ended.state, JobState::Cancelled, "{end}");
        assert!(
            ended.result.is_none(),
            "{end}: no result of a cancelled job"
        );
        assert!(ended.finished_at.is_some());
        assert!(
            store.claim_job("w", 60_000).await.expect("claim").is_none(),
            "never claimed again"
        );
    }
}

async fn a_cancel_accepted_after_the_outcome_was_recorded_leaves_a_cancelled_generation_without_artifact(
    backend: TestBackend,
) {
    use ectus_store::generations::GenerationStatus;
    let (store, _db) = store(backend).await;
    let t = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    let p = store.create_project(&t.id, "p", "").await.expect("project");
    let (generation, claimed) = running_generation(&store, &t.id, &p.id).await;
    assert!(store
        .finish_generation(
            &generation.id,
            "w",
            GenerationStatus::Generated,
            None,
            Some(b"tar")
        )
        .await
        .expect("finish"));
    // The cancel arrives between the outcome and the job's end.
    store.cancel_job(&t.id, &claimed.id).await.expect("cancel");
    assert!(store
        .complete_job(&claimed.id, "w", &serde_json::json!({}))
        .await
        .expect("complete"));
    let seen = store
        .get_generation(&t.id, &p.id, &generation.id)
        .await
        .expect("generation");
    assert_eq!(seen.status, GenerationStatus::Cancelled);
    assert!(seen.artifact.is_none(), "no artifact is offered for it");
    let page = store
        .list_generations(&t.id, &p.id, 10, None)
        .await
        .expect("list");
    assert_eq!(page.items[0].status, GenerationStatus::Cancelled);
}

async fn an_incomplete_generation_is_stored_and_read_as_incomplete(backend: TestBackend) {
    use ectus_store::generations::GenerationStatus;
    let (store, _db) = store(backend).await;
    let t = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    let p = store.create_project(&t.id, "p", "").await.expect("project");
    let generation = finished_generation(&store, &t.id, &p.id, GenerationStatus::Incomplete).await;
    let seen = store
        .get_generation(&t.id, &p.id, &generation.id)
        .await
        .expect("generation");
    assert_eq!(seen.status, GenerationStatus::Incomplete);
    let page = store
        .list_generations(&t.id, &p.id, 10, None)
        .await
        .expect("list");
    assert_eq!(page.items[0].status, GenerationStatus::Incomplete);
}

async fn a_generation_follows_its_job_and_refuses_writes_without_the_lease(backend: TestBackend) {
    use ectus_store::generations::{GenerationStatus, NewGeneration};
    let (store, _db) = store(backend).await;
    let t = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    let p = store.create_project(&t.id, "p", "").await.expect("project");
    let (spec, assumptions) = (serde_json::json!({}), serde_json::json!([]));
    let coverage = serde_json::json!({"not_understood": [{"text": "Boats float.", "reason": "r"}]});
    let new = NewGeneration {
        input_kind: ectus_spec::InputKind::Spec,
        input: "{}",
        spec: &spec,
        spec_hash: "h",
        assumptions: &assumptions,
        coverage: Some(&coverage),
        qa: false,
    };
    let job_for = |id: &str| NewJob {
        kind: "generate".into(),
        payload: serde_json::json!({ "generation_id": id }),
        max_attempts: 1,
    };
    let (generation, job) = store
        .create_generation(
            &t.id,
            &p.id,
            &new,
            10,
            job_for,
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        )
        .await
        .expect("create");
    assert_eq!(generation.job_id.as_deref(), Some(job.id.as_str()));
    assert_eq!(
        generation.coverage.as_ref(),
        Some(&coverage),
        "the coverage is kept"
    );
    assert_eq!(
        job.trace_parent.as_deref(),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    );
    assert_eq!(
        job.payload,
        serde_json::json!({ "generation_id": generation.id })
    );
    // Not the owner of a running job: nothing is written.
    assert!(!store
        .start_generation(&generation.id, "nobody")
        .await
        .expect("start"));
    let claimed = store
        .claim_job("w", 60_000)
        .await
        .expect("claim")
        .expect("job");
    assert!(!store
        .finish_generation(
            &generation.id,
            "intruder",
            GenerationStatus::Passed,
            None,
            Some(b"x")
        )
        .await
        .expect("finish"));
    assert!(store
        .start_generation(&generation.id, "w")
        .await
        .expect("start"));
    // The job is cancelled before the handler records anything: the generation says so.
    store.cancel_job(&t.id, &claimed.id).await.expect("cancel");
    assert!(store
        .finish_cancelled(&claimed.id, "w")
        .await
        .expect("cancelled"));
    let shown = store
        .get_generation(&t.id, &p.id, &generation.id)
        .await
        .expect("generation");
    assert_eq!(shown.status, GenerationStatus::Cancelled);
    assert!(store
        .generation_artifact(&t.id, &p.id, &generation.id)
        .await
        .expect("artifact")
        .is_none());
    // A missing project answers NotFound and creates nothing.
    assert!(matches!(
        store
            .create_generation(&t.id, &ectus_store::new_id(), &new, 10, job_for, None)
            .await,
        Err(StoreError::NotFound(Resource::Project))
    ));
    assert_eq!(
        store
            .list_jobs(&t.id, None, 10, None)
            .await
            .expect("jobs")
            .items
            .len(),
        1
    );
}

async fn each_audited_action_is_recorded_once_in_a_chain_that_verifies(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    let t = store
        .create_tenant("acme", &Acting::operator())
        .await
        .expect("tenant");
    let key = store
        .create_api_key(
            NewKey {
                tenant_id: &t.id,
                user_id: None,
                name: "ci",
                role: Role::Member,
                expires_at: None,
            },
            &Acting::platform(),
        )
        .await
        .expect("key");
    let by_key = Acting::key(&key.key.prefix, Some("req-1".into()));
    store
        .revoke_api_key(&key.key.prefix, &by_key)
        .await
        .expect("revoke");
    store
        .revoke_api_key(&key.key.prefix, &by_key)
        .await
        .expect("revoking again changes nothing");
    let page = store
        .audit_entries(&AuditQuery {
            tenant_id: None,
            limit: 10,
            cursor: None,
        })
        .await
        .expect("entries");
    let seen: Vec<(i64, &str, AuditAction, &str)> = page
        .items
        .iter()
        .map(|e| (e.seq, e.actor.as_str(), e.action, e.target.as_str()))
        .collect();
    let revoker = format!("key:{}", key.key.prefix);
    assert_eq!(
        seen,
        [
            (1, "operator", AuditAction::TenantCreated, "acme"),
            (
                2,
                "platform",
                AuditAction::KeyCreated,
                key.key.prefix.as_str()
            ),
            (
                3,
                revoker.as_str(),
                AuditAction::KeyRevoked,
                key.key.prefix.as_str()
            ),
        ]
    );
    assert_eq!(page.items[2].request_id.as_deref(), Some("req-1"));
    assert_eq!(page.items[1].details["role"], "member");
    assert_eq!(page.items[0].prev_hash, ectus_store::audit::GENESIS);
    assert!(page.items[1..]
        .iter()
        .zip(&page.items)
        .all(|(e, before)| e.prev_hash == before.hash));
    let report = store.verify_audit(None).await.expect("verify");
    assert!(report.intact(), "{:?}", report.findings);
    assert_eq!(report.entries, 3);
    assert_eq!(report.head, store.audit_head().await.expect("head"));
    // A tenant's own entries only, paged.
    let other = store
        .create_tenant("other", &Acting::operator())
        .await
        .expect("tenant");
    let first = store
        .audit_entries(&AuditQuery {
            tenant_id: Some(t.id.clone()),
            limit: 2,
            cursor: None,
        })
        .await
        .expect("page");
    let rest = store
        .audit_entries(&AuditQuery {
            tenant_id: Some(t.id.clone()),
            limit: 2,
            cursor: first.next_cursor.clone(),
        })
        .await
        .expect("page");
    assert_eq!(first.items.len() + rest.items.len(), 3);
    assert!(rest.next_cursor.is_none());
    assert!(first
        .items
        .iter()
        .chain(&rest.items)
        .all(|e| e.tenant_id.as_deref() == Some(t.id.as_str())
            && e.tenant_id.as_deref() != Some(other.id.as_str())));
}

async fn concurrent_appends_keep_one_unbroken_chain(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .create_tenant(&format!("tenant-{i}"), &Acting::operator())
                .await
        });
    }
    while let Some(created) = tasks.join_next().await {
        created.expect("task").expect("tenant");
    }
    let report = store.verify_audit(None).await.expect("verify");
    assert!(report.intact(), "{:?}", report.findings);
    assert_eq!(report.entries, 16);
}

/// Five entries, then each kind of tampering done to the table and undone again.
async fn every_tampering_with_the_audit_log_is_found_at_its_first_bad_entry(backend: TestBackend) {
    let (store, db) = store(backend).await;
    for i in 0..5 {
        store
            .create_tenant(&format!("t{i}"), &Acting::operator())
            .await
            .expect("tenant");
    }
    let anchor = store.audit_head().await.expect("head").expect("entries");
    let raw = raw_pool(&db.url).await;
    let run = |sql: &'static str| {
        let raw = raw.clone();
        async move {
            for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
                sqlx::query(statement).execute(&raw).await.expect(statement);
            }
        }
    };
    let findings = |anchor: Option<AuditHead>| {
        let store = &store;
        async move {
            store
                .verify_audit(anchor.as_ref())
                .await
                .expect("verify")
                .findings
        }
    };
    assert_eq!(findings(Some(anchor.clone())).await, []);

    run("UPDATE audit_log SET target = 'forged' WHERE seq = 3").await;
    assert_eq!(findings(None).await, [AuditFinding::Changed { seq: 3 }]);
    run("UPDATE audit_log SET target = 't2' WHERE seq = 3").await;

    // Moved to the end: out of order where it was taken from.
    run("UPDATE audit_log SET seq = 1000 WHERE seq = 3").await;
    assert_eq!(
        findings(None).await.first(),
        Some(&AuditFinding::Reordered { seq: 4 })
    );
    run("UPDATE audit_log SET seq = 3 WHERE seq = 1000").await;

    // Deleted, then put back as it was.
    let kept: (i64, String, String, String) =
        sqlx::query_as("SELECT at, target, tenant_id, hash FROM audit_log WHERE seq = 3")
            .fetch_one(&raw)
            .await
            .expect("entry 3");
    let prev: (String,) = sqlx::query_as("SELECT hash FROM audit_log WHERE seq = 2")
        .fetch_one(&raw)
        .await
        .expect("entry 2");
    run("DELETE FROM audit_log WHERE seq = 3").await;
    assert_eq!(
        findings(None).await,
        [AuditFinding::MissingBefore { seq: 4 }]
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, tenant_id, action, target, request_id, details, prev_hash, hash) \
         VALUES (3, $1, 'operator', $2, 'tenant_created', $3, NULL, '{}', $4, $5)",
    )
    .bind(kept.0)
    .bind(&kept.2)
    .bind(&kept.1)
    .bind(&prev.0)
    .bind(&kept.3)
    .execute(&raw)
    .await
    .expect("put back");
    assert_eq!(findings(Some(anchor.clone())).await, []);

    run("UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -2").await;
    let reordered = findings(None).await;
    assert_eq!(
        reordered.first(),
        Some(&AuditFinding::Reordered { seq: 2 }),
        "{reordered:?}"
    );
    run("UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -2").await;

    // An entry forged with a valid link and hash slipped in after entry 2.
    let entries = store
        .audit_entries(&AuditQuery {
            tenant_id: None,
            limit: 10,
            cursor: None,
        })
        .await
        .expect("entries");
    let mut forged = ectus_store::audit::chain::ChainedEntry {
        seq: 3,
        at: entries.items[1].at.as_millis() + 1,
        actor: "operator".into(),
        tenant_id: None,
        action: "tenant_created".into(),
        target: "forged".into(),
        request_id: None,
        details: "{}".into(),
        prev_hash: entries.items[1].hash.clone(),
        hash: String::new(),
    };
    forged.hash = forged.computed_hash();
    run("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 3; UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000").await;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, tenant_id, action, target, request_id, details, prev_hash, hash) \
         VALUES ($1, $2, $3, NULL, $4, $5, NULL, $6, $7, $8)",
    )
    .bind(forged.seq)
    .bind(forged.at)
    .bind(&forged.actor)
    .bind(&forged.action)
    .bind(&forged.target)
    .bind(&forged.details)
    .bind(&forged.prev_hash)
    .bind(&forged.hash)
    .execute(&raw)
    .await
    .expect("forged entry");
    assert_eq!(findings(None).await, [AuditFinding::Inserted { seq: 3 }]);
    run("DELETE FROM audit_log WHERE seq = 3; UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 4; UPDATE audit_log SET seq = seq - 1001 WHERE seq >= 1000").await;
    assert_eq!(findings(Some(anchor.clone())).await, []);

    run("UPDATE audit_log SET seq = 15 WHERE seq = 5").await;
    assert_eq!(findings(None).await, [AuditFinding::Renumbered { seq: 15 }]);
    run("UPDATE audit_log SET seq = 5 WHERE seq = 15").await;

    run("DELETE FROM audit_log WHERE seq = 5").await;
    assert_eq!(
        findings(None).await,
        [],
        "a cut-off tail leaves a chain that holds"
    );
    assert_eq!(
        findings(Some(anchor)).await,
        [AuditFinding::Truncated {
            head: Some(4),
            anchored: 5
        }]
    );
}

async fn retention_removes_only_what_its_policy_no_longer_keeps(backend: TestBackend) {
    use ectus_store::generations::GenerationStatus;
    use ectus_store::incidents::{AlertDelivery, IncidentStatus};
    use ectus_store::retention::{RetentionKind, RetentionPolicy};
    let (store, db) = store(backend).await;
    let raw = raw_pool(&db.url).await;
    let t = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    let p = store.create_project(&t.id, "p", "").await.expect("project");
    let old_generation = finished_generation(&store, &t.id, &p.id, GenerationStatus::Passed).await;
    let young_generation =
        finished_generation(&store, &t.id, &p.id, GenerationStatus::Passed).await;
    let job = |kind: &str| NewJob {
        kind: kind.into(),
        payload: serde_json::json!({}),
        max_attempts: 1,
    };
    let old_job = store
        .enqueue_job(&t.id, &job("diagnostic"))
        .await
        .expect("job");
    let claimed = store
        .claim_job("w", 60_000)
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(claimed.id, old_job.id);
    assert!(store
        .complete_job(&old_job.id, "w", &serde_json::json!({}))
        .await
        .expect("complete"));
    let queued = store
        .enqueue_job(&t.id, &job("diagnostic"))
        .await
        .expect("job");
    let alert = |fingerprint: &str, status: IncidentStatus| AlertDelivery {
        fingerprint: fingerprint.into(),
        alertname: "EctusTargetDown".into(),
        severity: "critical".into(),
        status,
        labels: serde_json::json!({}),
        annotations: serde_json::json!({}),
        generator_url: String::new(),
        starts_at: Timestamp::from_millis(1_000),
        ends_at: (status == IncidentStatus::Resolved).then(|| Timestamp::from_millis(2_000)),
    };
    store
        .record_alerts(&[
            alert("resolved", IncidentStatus::Resolved),
            alert("firing", IncidentStatus::Firing),
        ])
        .await
        .expect("incidents");
    // Forty days pass for the old rows (the incidents are from 1970 already).
    let forty_days = 40 * 24 * 3_600 * 1_000_i64;
    let old_generation_job = old_generation.job_id.clone().expect("job");
    for (sql, id) in [
        (
            "UPDATE jobs SET finished_at = finished_at - $1 WHERE id = $2",
            old_job.id.as_str(),
        ),
        (
            "UPDATE jobs SET finished_at = finished_at - $1 WHERE id = $2",
            old_generation_job.as_str(),
        ),
        (
            "UPDATE generations SET updated_at = updated_at - $1 WHERE id = $2",
            old_generation.id.as_str(),
        ),
    ] {
        sqlx::query(sql)
            .bind(forty_days)
            .bind(id)
            .execute(&raw)
            .await
            .expect(sql);
    }
    let month = std::time::Duration::from_secs(30 * 24 * 3_600);
    let policies = [
        RetentionPolicy {
            kind: RetentionKind::FinishedJobs,
            keep: month,
        },
        RetentionPolicy {
            kind: RetentionKind::GenerationArtifacts,
            keep: month,
        },
        RetentionPolicy {
            kind: RetentionKind::Incidents,
            keep: month,
        },
    ];
    let due = |outcomes: &[ectus_store::retention::RetentionOutcome]| {
        outcomes
            .iter()
            .map(|o| (o.kind, o.due, o.removed))
            .collect::<Vec<_>>()
    };
    let preview = store.retention_preview(&policies).await.expect("preview");
    assert_eq!(
        due(&preview),
        [
            (RetentionKind::FinishedJobs, 1, 0),
            (RetentionKind::GenerationArtifacts, 1, 0),
            (RetentionKind::Incidents, 1, 0),
        ]
    );
    assert!(
        store.get_job(&t.id, &old_job.id).await.is_ok(),
        "a preview removes nothing"
    );
    let head = store.audit_head().await.expect("head");
    let run = store
        .enforce_retention(&policies, 1, &Acting::platform())
        .await
        .expect("run");
    assert!(run.failure.is_none(), "{:?}", run.failure);
    assert_eq!(
        due(&run.outcomes),
        [
            (RetentionKind::FinishedJobs, 1, 1),
            (RetentionKind::GenerationArtifacts, 1, 1),
            (RetentionKind::Incidents, 1, 1),
        ]
    );
    assert!(matches!(
        store.get_job(&t.id, &old_job.id).await,
        Err(StoreError::NotFound(Resource::Job))
    ));
    // Kept: the old generation's own job (referred to), the queued job, the young artifact,
    // the firing incident.
    assert!(store.get_job(&t.id, &old_generation_job).await.is_ok());
    assert!(store.get_job(&t.id, &queued.id).await.is_ok());
    let expired = store
        .get_generation(&t.id, &p.id, &old_generation.id)
        .await
        .expect("kept");
    assert!(expired.artifact.is_none() && expired.artifact_expired_at.is_some());
    assert_eq!(expired.status, GenerationStatus::Passed, "the record stays");
    assert!(store
        .generation_artifact(&t.id, &p.id, &old_generation.id)
        .await
        .expect("read")
        .is_none());
    let young = store
        .get_generation(&t.id, &p.id, &young_generation.id)
        .await
        .expect("kept");
    assert!(young.artifact.is_some() && young.artifact_expired_at.is_none());
    let incidents = store
        .list_incidents(&ectus_store::incidents::IncidentQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("incidents");
    assert_eq!(incidents.items.len(), 1);
    assert_eq!(incidents.items[0].status, IncidentStatus::Firing);
    // The run is in the audit log, once; a run that removes nothing adds no entry.
    let entries = store
        .audit_entries(&AuditQuery {
            tenant_id: None,
            limit: 100,
            cursor: None,
        })
        .await
        .expect("audit");
    let last = entries.items.last().expect("entry");
    assert_eq!(last.action, AuditAction::RetentionRun);
    assert_eq!(
        last.details,
        serde_json::json!({"finished_jobs": 1, "generation_artifacts": 1, "incidents": 1})
    );
    assert_eq!(last.seq, head.map_or(0, |h| h.seq) + 1);
    let again = store
        .enforce_retention(&policies, 100, &Acting::platform())
        .await
        .expect("run");
    assert!(again.outcomes.iter().all(|o| o.removed == 0));
    assert_eq!(
        store.audit_head().await.expect("head").map(|h| h.seq),
        Some(last.seq)
    );
}

async fn audit_entries_beyond_their_policy_go_as_a_prefix_and_the_rest_still_verifies(
    backend: TestBackend,
) {
    use ectus_store::retention::{RetentionKind, RetentionPolicy};
    let (store, db) = store(backend).await;
    for name in ["a", "b", "c", "d", "e"] {
        store
            .create_tenant(name, &Acting::operator())
            .await
            .expect("tenant");
    }
    let head = store.audit_head().await.expect("head").expect("entries");
    let policy = RetentionPolicy {
        kind: RetentionKind::AuditEntries,
        keep: std::time::Duration::from_secs(3600),
    };
    let young = store
        .enforce_retention(&[policy], 2, &Acting::platform())
        .await
        .expect("retention");
    assert_eq!(
        young.outcomes[0].removed, 0,
        "nothing younger than the policy goes"
    );
    let policy = RetentionPolicy {
        keep: std::time::Duration::ZERO,
        ..policy
    };
    let run = store
        .enforce_retention(&[policy], 2, &Acting::platform())
        .await
        .expect("retention");
    // The five old entries go (the old head too, once the prune's own entries are newer),
    // each batch recorded by an `audit_pruned` entry; the run's entry comes last.
    assert_eq!(run.outcomes[0].removed, 5, "{:?}", run.outcomes);
    let report = store.verify_audit(None).await.expect("verify");
    assert!(report.intact(), "{:?}", report.findings);
    assert_eq!(report.pruned_through.as_ref(), Some(&head));
    assert_eq!(report.entries, 4, "three prune records and the run's entry");
    assert!(
        store
            .verify_audit(Some(&head))
            .await
            .expect("verify")
            .intact(),
        "an anchor at the last entry removed still holds"
    );
    let older = AuditHead {
        seq: 1,
        hash: "0".repeat(64),
    };
    assert_eq!(
        store
            .verify_audit(Some(&older))
            .await
            .expect("verify")
            .findings,
        vec![AuditFinding::AnchorPruned {
            anchored: 1,
            pruned_through: head.seq
        }],
        "an anchor inside the pruned prefix cannot vouch for the log"
    );
    // What the prune leaves is still guarded: deleting the first remaining entry is found.
    let pool = raw_pool(&db.url).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = $1")
        .bind(head.seq + 1)
        .execute(&pool)
        .await
        .expect("tamper");
    let report = store.verify_audit(None).await.expect("verify");
    assert_eq!(
        report.findings,
        vec![AuditFinding::MissingBefore { seq: head.seq + 2 }]
    );
}

async fn a_checkpoint_the_chain_does_not_record_hides_no_deleted_prefix(backend: TestBackend) {
    let (store, db) = store(backend).await;
    for name in ["a", "b", "c"] {
        store
            .create_tenant(name, &Acting::operator())
            .await
            .expect("tenant");
    }
    let pool = raw_pool(&db.url).await;
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_log WHERE seq = 2")
            .fetch_one(&pool)
            .await
            .expect("entry");
    // Someone deletes the first two entries and writes a checkpoint to cover it up.
    sqlx::query("DELETE FROM audit_log WHERE seq <= 2")
        .execute(&pool)
        .await
        .expect("delete");
    sqlx::query("INSERT INTO audit_checkpoint (id, seq, hash, pruned_at) VALUES (1, $1, $2, 0)")
        .bind(seq)
        .bind(&hash)
        .execute(&pool)
        .await
        .expect("forge");
    let report = store.verify_audit(None).await.expect("verify");
    assert_eq!(
        report.findings,
        vec![AuditFinding::MissingBefore { seq: 3 }]
    );
    assert!(report.pruned_through.is_none());
}

backend_tests!(
    audit_entries_beyond_their_policy_go_as_a_prefix_and_the_rest_still_verifies,
    a_checkpoint_the_chain_does_not_record_hides_no_deleted_prefix,
    retention_removes_only_what_its_policy_no_longer_keeps,
    each_audited_action_is_recorded_once_in_a_chain_that_verifies,
    concurrent_appends_keep_one_unbroken_chain,
    every_tampering_with_the_audit_log_is_found_at_its_first_bad_entry,
    a_cancel_accepted_after_the_outcome_was_recorded_leaves_a_cancelled_generation_without_artifact,
    a_revoked_key_is_refused_at_once_here_and_within_the_cache_time_to_live_elsewhere,
    a_pending_cancellation_wins_over_retry_release_and_success,
    a_generation_follows_its_job_and_refuses_writes_without_the_lease,
    an_incomplete_generation_is_stored_and_read_as_incomplete,
    migrations_are_idempotent,
    database_made_by_previous_migration_set_upgrades_and_keeps_data,
    api_keys_authenticate_until_revoked_or_expired,
    project_updates_are_versioned_and_tenant_scoped,
    project_pages_cover_every_row_once_in_every_sort,
    claims_never_hand_one_job_to_two_workers,
    expired_lease_requeues_then_fails_after_max_attempts,
);
