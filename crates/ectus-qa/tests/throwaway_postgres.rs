//! The throwaway PostgreSQL server QA starts for a PostgreSQL service when no test database is
//! configured: it accepts connections and databases, and leaves nothing behind when dropped;
//! without server binaries the reason is the one line a report shows.

use ectus_qa::postgres::{Throwaway, Unavailable, BIN_DIR_ENV};

#[tokio::test]
async fn a_throwaway_server_serves_databases_and_is_removed_when_dropped() {
    let server = Throwaway::start().await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL server binaries are installed by the test command: {}",
            e.line()
        )
    });
    let url = server.url().to_owned();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("connect");
    sqlx::query("CREATE DATABASE generated_tests")
        .execute(&mut conn)
        .await
        .expect("the tests may create their databases");
    let (one,): (i32,) = sqlx::query_as("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .expect("query");
    assert_eq!(one, 1);
    drop(conn);
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("port");
    let leftovers = || {
        std::fs::read_dir(std::env::temp_dir())
            .expect("temp dir")
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("ectus-qa-postgres-")
            })
            .count()
    };
    let before = leftovers();
    assert!(before >= 1, "the cluster lives in a temporary directory");
    drop(server);
    assert_eq!(leftovers(), before - 1, "its directory is removed");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server is stopped"
    );

    // Without server binaries: the one line that says what to install or configure.
    std::env::set_var(BIN_DIR_ENV, "/nonexistent");
    let missing = Throwaway::start().await;
    std::env::remove_var(BIN_DIR_ENV);
    match missing {
        Err(Unavailable::NotInstalled(line)) => {
            assert!(line.starts_with("not verified:"), "{line}");
            assert!(line.contains("apt-get install postgresql"), "{line}");
            assert!(line.contains("--test-database-url"), "{line}");
        }
        Err(other) => panic!("not installed, not {other:?}"),
        Ok(_) => panic!("no binaries, no server"),
    }
}
