//! What sqlx's `Any` driver costs over a typed SQLite pool on the request path's kind of
//! query: one row by primary key, as `GET /api/v1/projects/{id}` reads it. Baseline: the same
//! read through a typed `SqlitePool`, in the same run; `SELECT 1` shows the round trip to the
//! SQLite connection's worker thread that every query pays either way.
//!
//! `cargo bench -p ectus-store --bench driver`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{AnyPool, SqlitePool};

#[derive(sqlx::FromRow)]
#[allow(dead_code)]
struct Row {
    id: String,
    tenant_id: String,
    name: String,
    description: String,
    status: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

const SCHEMA: &str = "CREATE TABLE projects (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, \
    name TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL, \
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)";
const READ: &str = "SELECT * FROM projects WHERE tenant_id = $1 AND id = $2";

async fn pools(path: &std::path::Path) -> (SqlitePool, AnyPool) {
    let typed = SqlitePoolOptions::new()
        .max_connections(4)
        .test_before_acquire(false)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal),
        )
        .await
        .expect("typed pool");
    sqlx::query(SCHEMA).execute(&typed).await.expect("schema");
    for i in 0..1000 {
        sqlx::query("INSERT INTO projects VALUES ($1, 't', $2, 'a project', 'active', 1, 0, 0)")
            .bind(format!("p{i}"))
            .bind(format!("project {i}"))
            .execute(&typed)
            .await
            .expect("insert");
    }
    sqlx::any::install_default_drivers();
    let any = AnyPoolOptions::new()
        .max_connections(4)
        .test_before_acquire(false)
        .connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("any pool");
    (typed, any)
}

fn driver(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let (typed, any) = rt.block_on(pools(&dir.path().join("bench.db")));
    let mut group = c.benchmark_group("sqlite_read_by_key");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("typed_pool", |b| {
        b.iter(|| {
            rt.block_on(async {
                let row: Option<Row> = sqlx::query_as(READ)
                    .bind("t")
                    .bind("p500")
                    .fetch_optional(&typed)
                    .await
                    .expect("read");
                assert!(row.is_some());
            })
        })
    });
    group.bench_function("any_pool", |b| {
        b.iter(|| {
            rt.block_on(async {
                let row: Option<Row> = sqlx::query_as(READ)
                    .bind("t")
                    .bind("p500")
                    .fetch_optional(&any)
                    .await
                    .expect("read");
                assert!(row.is_some());
            })
        })
    });
    group.bench_function("select_1_typed", |b| {
        b.iter(|| {
            rt.block_on(async {
                let one: (i64,) = sqlx::query_as("SELECT 1")
                    .fetch_one(&typed)
                    .await
                    .expect("select");
                assert_eq!(one.0, 1);
            })
        })
    });
    group.finish();
}

criterion_group!(benches, driver);
criterion_main!(benches);
