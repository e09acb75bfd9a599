//! Test support shared by the Ectus-R crates: a throwaway database on either backend, and a
//! TCP proxy that injects network faults ([`fault_proxy`]).
//!
//! SQLite databases live in a temporary directory removed on drop. PostgreSQL databases are
//! created, one per test, in the cluster named by `ECTUS_TEST_POSTGRES_URL` (an admin URL such
//! as `postgres://postgres@127.0.0.1:5432/postgres`); `scripts/test.sh` starts a throwaway
//! cluster and sets it. PostgreSQL tests fail, rather than skip, when it is missing, so a green
//! run always means both backends were exercised.

use sqlx::Connection;

pub mod fault_proxy;
pub mod openapi;
pub use fault_proxy::{Fault, FaultProxy};

/// The database engines every backend-agnostic test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// Environment variable holding the PostgreSQL admin URL for tests.
pub const POSTGRES_URL_ENV: &str = "ECTUS_TEST_POSTGRES_URL";

/// A fresh, empty database that lives as long as this value (SQLite) or the test cluster
/// (PostgreSQL).
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new(backend: TestBackend) -> TestDb {
        let dir = tempfile::tempdir().expect("create temp dir");
        let url = match backend {
            TestBackend::Sqlite => format!("sqlite://{}/ectus.db", dir.path().display()),
            TestBackend::Postgres => create_postgres_database().await,
        };
        TestDb { url, dir }
    }
}

/// The admin URL of the test PostgreSQL cluster.
pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_URL_ENV).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_URL_ENV} is not set: run ./scripts/test.sh, which starts a throwaway \
             PostgreSQL cluster, or point {POSTGRES_URL_ENV} at a cluster you may create databases in"
        )
    })
}

async fn create_postgres_database() -> String {
    let admin = postgres_admin_url();
    let name = format!("ectus_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("connect to {POSTGRES_URL_ENV}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    with_database(&admin, &name)
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{database}?{q}"),
        None => format!("{root}/{database}"),
    }
}

/// Declares each listed `async fn name(backend: TestBackend)` as two tests, `sqlite::name`
/// and `postgres::name`, with the same body.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::TestBackend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::TestBackend::Postgres).await
                }
            )+
        }
    };
}
