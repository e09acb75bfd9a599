//! Tenant export and import on SQLite and PostgreSQL: round trips (same backend and across
//! backends) that give the same files back, keys that keep working, every table of the schema
//! covered, and archives whose rows lie — refused before anything is written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ectus_archive::{ArchiveWriter, Limits, Manifest, ManifestFile};
use ectus_store::audit::{Acting, AuditAction, AuditQuery};
use ectus_store::transfer::{exported_columns, Coverage, COVERAGE};
use ectus_store::{Store, StoreOptions};
use ectus_testkit::{backend_tests, TestBackend, TestDb};

mod common;
use common::{populate, raw_pool, store};

/// The manifest and files of an archive.
fn unpack(path: &Path) -> (Manifest, Vec<(String, Vec<u8>)>) {
    let mut files = Vec::new();
    let file = std::fs::File::open(path).expect("open archive");
    let tables: Vec<&str> = COVERAGE
        .iter()
        .filter(|(_, c)| *c == Coverage::OwnFile)
        .map(|(t, _)| *t)
        .collect();
    let manifest =
        ectus_archive::read_archive(file, &Limits::default(), &tables, |_, entry, data| {
            let mut bytes = Vec::new();
            data.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
            files.push((entry.path.clone(), bytes));
            Ok::<(), String>(())
        })
        .expect("a valid archive");
    (manifest, files)
}

/// Writes `files` as an archive at `path`, with a manifest like `manifest` whose sizes,
/// checksums and row counts are those of the files (so that only what the rows say is wrong).
fn repack(manifest: &Manifest, files: &[(String, Vec<u8>)], path: &Path) {
    let mut manifest = manifest.clone();
    manifest.files = files
        .iter()
        .map(|(name, bytes)| ManifestFile {
            path: name.clone(),
            bytes: bytes.len() as u64,
            sha256: ectus_archive::sha256_hex(bytes),
            rows: name
                .starts_with("tables/")
                .then(|| bytes.iter().filter(|b| **b == b'\n').count() as u64),
        })
        .collect();
    let mut writer = ArchiveWriter::create(path, 0).expect("create");
    writer
        .append_bytes(
            "manifest.json",
            &serde_json::to_vec(&manifest).expect("json"),
        )
        .expect("manifest");
    for (name, bytes) in files {
        writer.append_bytes(name, bytes).expect("file");
    }
    writer.finish().expect("finish");
}

fn lines(bytes: &[u8]) -> Vec<serde_json::Value> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("a JSON line"))
        .collect()
}

/// Checks that `second` holds what `first` held: every file byte for byte, but the audit
/// file, which holds `first`'s entries followed by `extra_imports` entries recording imports;
/// the manifests differ only in the fields the documentation lists.
fn assert_same_archive(first: &Path, second: &Path, extra_imports: usize) {
    let (m1, f1) = unpack(first);
    let (m2, f2) = unpack(second);
    let names =
        |files: &[(String, Vec<u8>)]| files.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&f1), names(&f2), "the same files in the same order");
    for ((name, a), (_, b)) in f1.iter().zip(&f2) {
        if name == "tables/audit_log.ndjson" {
            let (a, b) = (lines(a), lines(b));
            assert_eq!(b.len(), a.len() + extra_imports, "audit entries");
            assert_eq!(
                &b[..a.len()],
                &a[..],
                "the first archive's audit entries, unchanged"
            );
            for entry in &b[a.len()..] {
                assert_eq!(entry["action"], "tenant_imported");
            }
        } else {
            assert_eq!(
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b),
                "{name} differs"
            );
        }
    }
    assert_eq!(m1.tenant, m2.tenant);
    assert_eq!(m1.format_version, m2.format_version);
    let strip = |m: &Manifest| {
        m.files
            .iter()
            .filter(|f| f.path != "tables/audit_log.ndjson")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&m1), strip(&m2));
}

async fn audit_actions(store: &Store) -> Vec<(AuditAction, serde_json::Value)> {
    store
        .audit_entries(&AuditQuery {
            limit: 500,
            ..AuditQuery::default()
        })
        .await
        .expect("audit")
        .items
        .into_iter()
        .map(|e| (e.action, e.details))
        .collect()
}

async fn an_exported_tenant_imported_elsewhere_exports_the_same_files_and_its_keys_work(
    backend: TestBackend,
) {
    let (source, _source_db) = store(backend).await;
    let key = populate(&source).await;
    let dir = tempfile::tempdir().expect("dir");
    let first = dir.path().join("acme.tar.gz");
    let exported = source
        .export_tenant("acme", &Acting::operator(), &first)
        .await
        .expect("export");
    assert_eq!(exported.artifacts, 1, "the finished generation's artifact");
    let rows = |table: &str| {
        exported
            .tables
            .iter()
            .find(|t| t.table == table)
            .map(|t| t.rows)
    };
    assert_eq!(rows("tenants"), Some(1));
    assert_eq!(rows("users"), Some(1));
    assert_eq!(rows("api_keys"), Some(2));
    assert_eq!(rows("projects"), Some(2), "only acme's projects");
    assert_eq!(rows("generations"), Some(2));
    assert_eq!(
        rows("jobs"),
        Some(3),
        "the deleted project's finished job stays"
    );
    let (_, files) = unpack(&first);
    let all = files
        .iter()
        .flat_map(|(_, b)| b.clone())
        .collect::<Vec<u8>>();
    assert!(
        !String::from_utf8_lossy(&all).contains(&key),
        "no key secret in the archive"
    );
    assert!(
        !String::from_utf8_lossy(&all).contains("theirs"),
        "nothing of the other tenant"
    );
    let recorded = audit_actions(&source).await;
    let (_, details) = recorded
        .iter()
        .find(|(a, _)| *a == AuditAction::TenantExported)
        .expect("the export is in the audit log");
    assert_eq!(details["archive_sha256"], exported.sha256);

    let (target, _target_db) = store(backend).await;
    let imported = target
        .import_archive(&first, &Acting::operator(), &Limits::default())
        .await
        .expect("import");
    assert_eq!(imported.tenant, "acme");
    let (_, details) = audit_actions(&target)
        .await
        .into_iter()
        .find(|(a, _)| *a == AuditAction::TenantImported)
        .expect("the import is in the audit log");
    assert_eq!(details["archive_sha256"], exported.sha256);
    assert!(target.verify_audit(None).await.expect("verify").intact());

    let second = dir.path().join("again.tar.gz");
    target
        .export_tenant("acme", &Acting::operator(), &second)
        .await
        .expect("export again");
    assert_same_archive(&first, &second, 1);
    // Used after the comparison: a key's use is recorded (`last_used_at`).
    let principal = target
        .authenticate(&key)
        .await
        .expect("auth")
        .expect("the imported key works");
    assert_eq!(principal.tenant_id, imported.tenant_id);
}

async fn every_table_of_the_schema_is_exported_with_every_column(backend: TestBackend) {
    let (_store, db) = store(backend).await;
    let pool = raw_pool(&db.url).await;
    let tables: Vec<String> = match backend {
        TestBackend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ),
        TestBackend::Postgres => sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        ),
    }
    .fetch_all(&pool)
    .await
    .expect("tables");
    let schema: BTreeSet<&str> = tables.iter().map(String::as_str).collect();
    let covered: BTreeSet<&str> = COVERAGE.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        schema, covered,
        "every table needs a place in the export (transfer::tables::COVERAGE)"
    );
    for table in &tables {
        let Some(exported) = exported_columns(table) else {
            continue;
        };
        let columns: Vec<String> = match backend {
            TestBackend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info($1)"),
            TestBackend::Postgres => sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1",
            ),
        }
        .bind(table)
        .fetch_all(&pool)
        .await
        .expect("columns");
        let columns: BTreeSet<&str> = columns.iter().map(String::as_str).collect();
        let exported: BTreeSet<&str> = exported.into_iter().collect();
        assert_eq!(
            columns, exported,
            "columns of {table} the export does not cover"
        );
    }
}

async fn counts(store: &Store, db: &TestDb) -> Vec<i64> {
    let _ = store;
    let pool = raw_pool(&db.url).await;
    let mut out = Vec::new();
    for (table, coverage) in COVERAGE {
        if matches!(coverage, Coverage::NotTenantData(_)) {
            continue;
        }
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .expect("count");
        out.push(n);
    }
    out
}

async fn an_import_that_conflicts_with_the_target_is_refused_and_writes_nothing(
    backend: TestBackend,
) {
    let (source, _source_db) = store(backend).await;
    populate(&source).await;
    let dir = tempfile::tempdir().expect("dir");
    let archive = dir.path().join("acme.tar.gz");
    source
        .export_tenant("acme", &Acting::operator(), &archive)
        .await
        .expect("export");

    // The same tenant twice.
    let (target, target_db) = store(backend).await;
    target
        .import_archive(&archive, &Acting::operator(), &Limits::default())
        .await
        .expect("import");
    let before = counts(&target, &target_db).await;
    let error = target
        .import_archive(&archive, &Acting::operator(), &Limits::default())
        .await
        .expect_err("a second import");
    assert_eq!(error.class(), "conflict");
    assert!(error.to_string().contains("tenant \"acme\""), "{error}");
    assert_eq!(counts(&target, &target_db).await, before, "nothing written");

    // Another tenant of that name.
    let (named, named_db) = store(backend).await;
    named
        .create_tenant("acme", &Acting::operator())
        .await
        .expect("tenant");
    let before = counts(&named, &named_db).await;
    let error = named
        .import_archive(&archive, &Acting::operator(), &Limits::default())
        .await
        .expect_err("a name taken");
    assert_eq!(error.class(), "conflict", "{error}");
    assert_eq!(counts(&named, &named_db).await, before);

    // A row id the target already uses under another tenant: found while writing, rolled back.
    let (_, files) = unpack(&archive);
    let project = lines(
        &files
            .iter()
            .find(|(n, _)| n == "tables/projects.ndjson")
            .expect("projects")
            .1,
    )[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (clash, clash_db) = store(backend).await;
    let holder = clash
        .create_tenant("holder", &Acting::operator())
        .await
        .expect("tenant");
    let pool = raw_pool(&clash_db.url).await;
    sqlx::query(
        "INSERT INTO projects (id, tenant_id, name, description, status, version, created_at, updated_at) \
         VALUES ($1, $2, 'p', '', 'active', 1, 0, 0)",
    )
    .bind(&project)
    .bind(&holder.id)
    .execute(&pool)
    .await
    .expect("insert");
    let before = counts(&clash, &clash_db).await;
    let error = clash
        .import_archive(&archive, &Acting::operator(), &Limits::default())
        .await
        .expect_err("an id taken");
    assert_eq!(error.class(), "conflict", "{error}");
    assert!(error.to_string().contains(&project), "{error}");
    assert_eq!(counts(&clash, &clash_db).await, before, "rolled back");
    assert!(clash.tenant_by_name("acme").await.is_err());
}

/// Applies `change` to the lines of `file` in the unpacked archive.
fn edit(files: &mut [(String, Vec<u8>)], file: &str, change: impl Fn(&mut Vec<String>)) {
    let entry = files
        .iter_mut()
        .find(|(n, _)| n == file)
        .unwrap_or_else(|| panic!("{file} in the archive"));
    let mut text: Vec<String> = String::from_utf8(entry.1.clone())
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect();
    change(&mut text);
    entry.1 = text
        .iter()
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes();
}

fn set_field(line: &str, field: &str, value: serde_json::Value) -> String {
    let mut object: serde_json::Value = serde_json::from_str(line).expect("json");
    object[field] = value;
    object.to_string()
}

async fn archives_whose_rows_lie_are_refused_before_anything_is_written(backend: TestBackend) {
    let (source, _source_db) = store(backend).await;
    populate(&source).await;
    let dir = tempfile::tempdir().expect("dir");
    let archive = dir.path().join("acme.tar.gz");
    source
        .export_tenant("acme", &Acting::operator(), &archive)
        .await
        .expect("export");
    let (manifest, files) = unpack(&archive);
    let other_tenant = source.tenant_by_name("other").await.expect("other").id;
    let generation_file = files
        .iter()
        .find(|(n, _)| n.starts_with("artifacts/"))
        .map(|(n, _)| n.clone())
        .expect("an artifact");
    type Change = Box<dyn Fn(&mut Vec<(String, Vec<u8>)>)>;
    let other = other_tenant.clone();
    let cases: Vec<(&str, &str, Change)> = vec![
        (
            "unknown field",
            "unknown field `is_admin`",
            Box::new(|f| {
                edit(f, "tables/users.ndjson", |l| {
                    l[0] = set_field(&l[0], "is_admin", true.into())
                })
            }),
        ),
        (
            "missing field",
            "missing field `role`",
            Box::new(|f| {
                edit(f, "tables/users.ndjson", |l| {
                    let mut o: serde_json::Value = serde_json::from_str(&l[0]).expect("json");
                    o.as_object_mut().expect("object").remove("role");
                    l[0] = o.to_string();
                })
            }),
        ),
        (
            "wrong type",
            "must be an integer",
            Box::new(|f| {
                edit(f, "tables/projects.ndjson", |l| {
                    l[0] = set_field(&l[0], "version", "1".into())
                })
            }),
        ),
        (
            "cross-tenant row",
            "belongs to tenant",
            Box::new(move |f| {
                edit(f, "tables/projects.ndjson", |l| {
                    l[0] = set_field(&l[0], "tenant_id", other.clone().into())
                })
            }),
        ),
        (
            "foreign user",
            "is not a user of the archive",
            Box::new(|f| {
                edit(f, "tables/api_keys.ndjson", |l| {
                    for line in l.iter_mut() {
                        *line = set_field(
                            line,
                            "user_id",
                            "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
                        );
                    }
                })
            }),
        ),
        (
            "duplicate id",
            "appears twice",
            Box::new(|f| {
                edit(f, "tables/projects.ndjson", |l| {
                    let first = l[0].clone();
                    l.push(first);
                })
            }),
        ),
        (
            "forged audit entry",
            "does not match its hash",
            Box::new(|f| {
                edit(f, "tables/audit_log.ndjson", |l| {
                    l[0] = set_field(&l[0], "actor", "key:someone".into())
                })
            }),
        ),
        (
            "unknown project",
            "is not a project of the archive",
            Box::new(|f| {
                edit(f, "tables/generations.ndjson", |l| {
                    l[0] = set_field(
                        &l[0],
                        "project_id",
                        "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
                    )
                })
            }),
        ),
        (
            "job naming a stranger's generation",
            "which is not in the archive",
            Box::new(|f| {
                edit(f, "tables/jobs.ndjson", |l| {
                    l[0] = set_field(
                        &l[0],
                        "payload",
                        r#"{"generation_id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}"#.into(),
                    );
                    l[0] = set_field(&l[0], "state", "queued".into());
                })
            }),
        ),
        (
            "two tenants",
            "exactly one tenant",
            Box::new(|f| {
                edit(f, "tables/tenants.ndjson", |l| {
                    let second =
                        set_field(&l[0], "id", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into());
                    l.push(second);
                })
            }),
        ),
        (
            "tenant renamed",
            "not the tenant the manifest names",
            Box::new(|f| {
                edit(f, "tables/tenants.ndjson", |l| {
                    l[0] = set_field(&l[0], "name", "evil".into())
                })
            }),
        ),
        (
            "NUL in a name",
            "NUL",
            Box::new(|f| {
                edit(f, "tables/projects.ndjson", |l| {
                    l[0] = set_field(&l[0], "name", "a\u{0}b".into())
                })
            }),
        ),
        (
            "artifact of another row",
            "must be \"artifacts/",
            Box::new(|f| {
                edit(f, "tables/generations.ndjson", |l| {
                    for line in l.iter_mut() {
                        let o: serde_json::Value = serde_json::from_str(line).expect("json");
                        if !o["artifact"].is_null() {
                            *line = set_field(
                                line,
                                "artifact",
                                "artifacts/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
                            );
                        }
                    }
                })
            }),
        ),
        ("artifact replaced", "checksum or size", {
            let name = generation_file.clone();
            Box::new(move |f| {
                let entry = f.iter_mut().find(|(n, _)| *n == name).expect("artifact");
                entry.1 = b"replaced".to_vec();
            })
        }),
        (
            "artifact nobody has",
            "no generation of the archive has this artifact",
            Box::new(|f| {
                f.push((
                    "artifacts/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
                    b"x".to_vec(),
                ));
            }),
        ),
        (
            "empty line",
            "empty line",
            Box::new(|f| edit(f, "tables/users.ndjson", |l| l.push(String::new()))),
        ),
        (
            "not an object",
            "not a JSON object",
            Box::new(|f| edit(f, "tables/users.ndjson", |l| l[0] = "[1,2]".into())),
        ),
        (
            "table missing",
            "is missing",
            Box::new(|f| f.retain(|(n, _)| n != "tables/audit_log.ndjson")),
        ),
        (
            "tables out of order",
            "the tables come first",
            Box::new(|f| f.swap(1, 2)),
        ),
    ];
    let (target, target_db) = store(backend).await;
    let before = counts(&target, &target_db).await;
    for (case, expected, change) in &cases {
        let mut changed = files.clone();
        change(&mut changed);
        let path = dir
            .path()
            .join(format!("{}.tar.gz", case.replace(' ', "-")));
        repack(&manifest, &changed, &path);
        let error = target
            .import_archive(&path, &Acting::operator(), &Limits::default())
            .await
            .expect_err(case);
        assert_eq!(error.class(), "content", "{case}: {error}");
        assert!(error.to_string().contains(expected), "{case}: {error}");
        assert_eq!(
            counts(&target, &target_db).await,
            before,
            "{case}: nothing written"
        );
    }

    // Row counts that disagree with the manifest, and a last line cut short.
    let mut lying = manifest.clone();
    let mut raw = files.clone();
    repack(&manifest, &raw, &dir.path().join("base.tar.gz"));
    let (rebuilt, _) = unpack(&dir.path().join("base.tar.gz"));
    lying.files = rebuilt.files.clone();
    if let Some(users) = lying
        .files
        .iter_mut()
        .find(|f| f.path == "tables/users.ndjson")
    {
        users.rows = Some(5);
    }
    let path = dir.path().join("rows.tar.gz");
    write_with_manifest(&lying, &raw, &path);
    let error = target
        .import_archive(&path, &Acting::operator(), &Limits::default())
        .await
        .expect_err("rows");
    assert!(error.to_string().contains("the manifest says 5"), "{error}");
    edit(&mut raw, "tables/users.ndjson", |_| {});
    let users = raw
        .iter_mut()
        .find(|(n, _)| n == "tables/users.ndjson")
        .expect("users");
    users.1.pop();
    let path = dir.path().join("cut.tar.gz");
    repack(&manifest, &raw, &path);
    let error = target
        .import_archive(&path, &Acting::operator(), &Limits::default())
        .await
        .expect_err("no newline");
    assert!(error.to_string().contains("no newline"), "{error}");

    // Container-level refusals through the store: garbage after the end, a cut archive.
    let mut bytes = std::fs::read(&archive).expect("read");
    bytes.extend_from_slice(b"trailing");
    let path = dir.path().join("trailing.tar.gz");
    std::fs::write(&path, &bytes).expect("write");
    let error = target
        .import_archive(&path, &Acting::operator(), &Limits::default())
        .await
        .expect_err("trailing");
    assert_eq!(error.class(), "trailing_data");
    let bytes = std::fs::read(&archive).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
    let error = target
        .import_archive(&path, &Acting::operator(), &Limits::default())
        .await
        .expect_err("cut");
    assert!(
        ["truncated", "compression"].contains(&error.class()),
        "{error}"
    );
    assert_eq!(counts(&target, &target_db).await, before, "nothing written");
    assert!(
        audit_actions(&target).await.is_empty(),
        "no audit entry either"
    );
}

/// Writes `files` under exactly `manifest` (which may lie).
fn write_with_manifest(manifest: &Manifest, files: &[(String, Vec<u8>)], path: &Path) {
    let mut writer = ArchiveWriter::create(path, 0).expect("create");
    writer
        .append_bytes(
            "manifest.json",
            &serde_json::to_vec(manifest).expect("json"),
        )
        .expect("manifest");
    for (name, bytes) in files {
        writer.append_bytes(name, bytes).expect("file");
    }
    writer.finish().expect("finish");
}

async fn an_export_of_a_missing_tenant_or_onto_an_existing_file_writes_nothing(
    backend: TestBackend,
) {
    let (store, _db) = store(backend).await;
    populate(&store).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("x.tar.gz");
    let error = store
        .export_tenant("nobody", &Acting::operator(), &path)
        .await
        .expect_err("no such tenant");
    assert_eq!(error.class(), "no_such_tenant");
    std::fs::write(&path, b"precious").expect("write");
    let error = store
        .export_tenant("acme", &Acting::operator(), &path)
        .await
        .expect_err("existing file");
    assert_eq!(error.class(), "io", "{error}");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        b"precious",
        "left as it was"
    );
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(leftovers, vec![path], "no partial file");
    assert!(
        !audit_actions(&store)
            .await
            .iter()
            .any(|(a, _)| *a == AuditAction::TenantExported),
        "no export recorded"
    );
}

backend_tests!(
    an_exported_tenant_imported_elsewhere_exports_the_same_files_and_its_keys_work,
    every_table_of_the_schema_is_exported_with_every_column,
    an_import_that_conflicts_with_the_target_is_refused_and_writes_nothing,
    archives_whose_rows_lie_are_refused_before_anything_is_written,
    an_export_of_a_missing_tenant_or_onto_an_existing_file_writes_nothing,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_moves_from_sqlite_to_postgres_and_back_with_the_same_files() {
    let dir = tempfile::tempdir().expect("dir");
    let (sqlite, _a) = store(TestBackend::Sqlite).await;
    let key = populate(&sqlite).await;
    let first = dir.path().join("from-sqlite.tar.gz");
    sqlite
        .export_tenant("acme", &Acting::operator(), &first)
        .await
        .expect("export");
    let (postgres, _b) = store(TestBackend::Postgres).await;
    postgres
        .import_archive(&first, &Acting::operator(), &Limits::default())
        .await
        .expect("import into PostgreSQL");
    let second = dir.path().join("from-postgres.tar.gz");
    postgres
        .export_tenant("acme", &Acting::operator(), &second)
        .await
        .expect("export");
    assert_same_archive(&first, &second, 1);
    let db = TestDb::new(TestBackend::Sqlite).await;
    let back = Store::connect(&db.url, &StoreOptions::default())
        .await
        .expect("connect");
    back.migrate().await.expect("migrate");
    back.import_archive(&second, &Acting::operator(), &Limits::default())
        .await
        .expect("import back into SQLite");
    let third = dir.path().join("back.tar.gz");
    back.export_tenant("acme", &Acting::operator(), &third)
        .await
        .expect("export");
    assert_same_archive(&first, &third, 2);
    assert!(back.authenticate(&key).await.expect("auth").is_ok());
    assert!(postgres.authenticate(&key).await.expect("auth").is_ok());
}
