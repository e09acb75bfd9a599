//! Tenant deletion on SQLite and PostgreSQL: scheduled with a grace period (restorable, the
//! operator tenant refused), then purged in bounded batches with a completeness report that
//! finds nothing of the tenant left but the audit entries recording it.

use std::time::Duration;

use ectus_store::api_keys::KeyRejection;
use ectus_store::audit::{Acting, AuditAction, AuditQuery};
use ectus_store::tenants::OPERATOR_TENANT;
use ectus_store::StoreError;
use ectus_testkit::{backend_tests, TestBackend};

mod common;
use common::{populate, store};

async fn a_deleted_tenant_can_be_restored_during_its_grace_period_only(backend: TestBackend) {
    let (store, _db) = store(backend).await;
    populate(&store).await;
    let op = Acting::operator();
    store
        .create_tenant(OPERATOR_TENANT, &op)
        .await
        .expect("operator tenant");
    let refused = store
        .request_tenant_deletion(OPERATOR_TENANT, Duration::ZERO, &op)
        .await
        .expect_err("the operator tenant");
    assert!(
        matches!(refused, StoreError::Conflict(ref m) if m.contains("cannot be deleted")),
        "{refused}"
    );

    let scheduled = store
        .request_tenant_deletion("acme", Duration::from_secs(3600), &op)
        .await
        .expect("schedule");
    let deletion = scheduled.deletion.expect("scheduled");
    assert_eq!(
        deletion.purge_after.as_millis() - deletion.requested_at.as_millis(),
        3_600_000
    );
    let twice = store
        .request_tenant_deletion("acme", Duration::ZERO, &op)
        .await
        .expect_err("twice");
    assert!(twice.to_string().contains("already scheduled"), "{twice}");
    assert!(
        store.tenants_due_for_purge().await.expect("due").is_empty(),
        "not before the grace ends"
    );
    let restored = store.restore_tenant("acme", &op).await.expect("restore");
    assert!(restored.deletion.is_none());
    let again = store
        .restore_tenant("acme", &op)
        .await
        .expect_err("not scheduled");
    assert!(again.to_string().contains("not scheduled"), "{again}");

    store
        .request_tenant_deletion("acme", Duration::ZERO, &op)
        .await
        .expect("schedule now");
    let late = store
        .restore_tenant("acme", &op)
        .await
        .expect_err("grace over");
    assert!(late.to_string().contains("purge has begun"), "{late}");
    let actions: Vec<AuditAction> = store
        .audit_entries(&AuditQuery {
            limit: 500,
            ..AuditQuery::default()
        })
        .await
        .expect("audit")
        .items
        .into_iter()
        .map(|e| e.action)
        .collect();
    let count = |a: AuditAction| actions.iter().filter(|x| **x == a).count();
    assert_eq!(count(AuditAction::TenantDeletionRequested), 2);
    assert_eq!(count(AuditAction::TenantRestored), 1);
}

async fn a_purge_in_small_batches_leaves_nothing_of_the_tenant_but_its_audit_record(
    backend: TestBackend,
) {
    let (store, _db) = store(backend).await;
    let key = populate(&store).await;
    let op = Acting::operator();
    let acme = store.tenant_by_name("acme").await.expect("acme");
    let other = store.tenant_by_name("other").await.expect("other");
    let other_projects = store
        .list_projects(&other.id, &Default::default())
        .await
        .expect("projects")
        .items
        .len();
    store
        .request_tenant_deletion("acme", Duration::ZERO, &op)
        .await
        .expect("schedule");
    let due = store.tenants_due_for_purge().await.expect("due");
    assert_eq!(
        due.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["acme"]
    );
    let report = store.purge_tenant(&due[0], 1, &op).await.expect("purge");
    assert!(report.complete, "{report:?}");
    assert_eq!(report.artifacts_removed, 1);
    let table = |name: &str| {
        report
            .tables
            .iter()
            .find(|t| t.table == name)
            .unwrap_or_else(|| panic!("{name} in the report: {report:?}"))
    };
    for (name, removed) in [
        ("tenants", 1),
        ("users", 1),
        ("api_keys", 2),
        ("projects", 2),
        ("jobs", 3),
        ("generations", 2),
        ("export_chunks", 0),
        ("imported_audit_entries", 0),
    ] {
        assert_eq!(table(name).removed, removed, "{name}");
        assert_eq!(table(name).left, 0, "{name}");
    }
    let audit = table("audit_log");
    assert!(audit.left > 0 && audit.kept_because.is_some(), "{audit:?}");
    assert_eq!(report.audit_entries.len(), 2, "requested and purged");

    assert!(matches!(
        store.tenant_by_id(&acme.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store.authenticate(&key).await.expect("auth"),
        Err(KeyRejection::Unknown),
        "the tenant's keys are gone"
    );
    let left = store
        .list_projects(&other.id, &Default::default())
        .await
        .expect("projects")
        .items
        .len();
    assert_eq!(left, other_projects, "the other tenant is untouched");
    let entries = store
        .audit_entries(&AuditQuery {
            tenant_id: Some(acme.id.clone()),
            limit: 500,
            cursor: None,
        })
        .await
        .expect("audit");
    let purged = entries
        .items
        .iter()
        .find(|e| e.action == AuditAction::TenantPurged)
        .expect("the purge is audited");
    assert_eq!(purged.details["complete"], true);
    assert_eq!(
        purged.details["tables"].as_array().map(Vec::len),
        Some(report.tables.len())
    );
    assert!(store.verify_audit(None).await.expect("verify").intact());
    assert!(store.tenants_due_for_purge().await.expect("due").is_empty());
}

backend_tests!(
    a_deleted_tenant_can_be_restored_during_its_grace_period_only,
    a_purge_in_small_batches_leaves_nothing_of_the_tenant_but_its_audit_record,
);
