//! SQLite write-ahead log checkpoints: the periodic task `ectus serve` and `ectus worker` run
//! on a SQLite database so that the log never outgrows what was written since the last one.

use std::time::Duration;

use ectus_store::Store;
use tokio_util::sync::CancellationToken;

/// How long one checkpoint waits for readers on older snapshots; writers wait for it at most
/// this long too.
const WAIT: Duration = Duration::from_millis(250);

/// Busy checkpoints in a row after which the log's growth is worth a warning.
const BUSY_WARNING: u32 = 10;

/// Checkpoints the log every `interval` until `shutdown` (SQLite only; nothing on
/// PostgreSQL). A checkpoint that readers kept from finishing is tried again at the next
/// interval; a run of them is logged as a warning.
pub fn spawn(store: Store, interval: Duration, shutdown: CancellationToken) {
    if store.backend() != ectus_store::Backend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut busy_in_a_row = 0u32;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(interval) => {}
            }
            match store.checkpoint_wal(WAIT).await {
                Ok(Some(done)) if done.busy => {
                    busy_in_a_row += 1;
                    if busy_in_a_row.is_multiple_of(BUSY_WARNING) {
                        tracing::warn!(
                            log_pages = done.log_pages,
                            checkpointed_pages = done.checkpointed_pages,
                            attempts = busy_in_a_row,
                            "readers keep the SQLite write-ahead log from being checkpointed; it grows until they let go"
                        );
                    }
                }
                Ok(Some(done)) => {
                    busy_in_a_row = 0;
                    tracing::debug!(
                        checkpointed_pages = done.checkpointed_pages,
                        "SQLite write-ahead log checkpointed and truncated"
                    );
                }
                Ok(None) => break,
                Err(error) => tracing::warn!(
                    error = %ectus_telemetry::chain(&error),
                    "checkpointing the SQLite write-ahead log failed; trying again at the next interval"
                ),
            }
        }
    });
}
