//! Archives of export jobs, kept for download: the file an `export` job wrote, stored in
//! chunks of [`CHUNK_BYTES`] under the job, so that any replica serves the download and neither
//! the writer nor the reader holds the archive in memory. The chunks go with their job.

use std::io::Read;

use crate::error::{Found as _, Result};
use crate::{Backend, Resource, Store};

/// Bytes per stored chunk.
pub const CHUNK_BYTES: usize = 4 << 20;

/// Chunks written per transaction (16 MiB).
const CHUNKS_PER_TRANSACTION: usize = 4;

impl Store {
    /// Stores the archive read from `file` as the chunks of export job `job_id`, if `owner`
    /// still holds the job's lease and nobody asked to cancel it; `false` otherwise. Earlier
    /// chunks of the job (a previous attempt) are replaced. Chunks are written
    /// [`CHUNKS_PER_TRANSACTION`] at a time, each transaction checking the lease again, so no
    /// write lock is held for long; the download serves the chunks only once the job
    /// succeeded, that is after the last one.
    pub async fn store_export_archive(
        &self,
        tenant_id: &str,
        job_id: &str,
        owner: &str,
        file: &mut std::fs::File,
    ) -> Result<bool> {
        let mut seq = 0i64;
        let mut first = true;
        loop {
            let mut conn = self.conn().await?;
            let mut tx = match self.backend() {
                Backend::Sqlite => {
                    sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?
                }
                Backend::Postgres => sqlx::Connection::begin(&mut *conn).await?,
            };
            let held: Option<(String,)> = sqlx::query_as(
                "SELECT id FROM jobs WHERE id = $1 AND tenant_id = $2 AND lease_owner = $3 \
                 AND state = 'running' AND cancel_requested_at IS NULL",
            )
            .bind(job_id)
            .bind(tenant_id)
            .bind(owner)
            .fetch_optional(&mut *tx)
            .await?;
            if held.is_none() {
                return Ok(false);
            }
            if first {
                sqlx::query("DELETE FROM export_chunks WHERE job_id = $1")
                    .bind(job_id)
                    .execute(&mut *tx)
                    .await?;
                first = false;
            }
            let mut ended = false;
            for _ in 0..CHUNKS_PER_TRANSACTION {
                let mut chunk = Vec::with_capacity(CHUNK_BYTES);
                let read = (&mut *file)
                    .take(CHUNK_BYTES as u64)
                    .read_to_end(&mut chunk)
                    .map_err(|e| {
                        crate::StoreError::Corrupt(format!("cannot read the export archive: {e}"))
                    })?;
                if read == 0 {
                    ended = true;
                    break;
                }
                sqlx::query(
                    "INSERT INTO export_chunks (job_id, seq, tenant_id, data) VALUES ($1, $2, $3, $4)",
                )
                .bind(job_id)
                .bind(seq)
                .bind(tenant_id)
                .bind(chunk)
                .execute(&mut *tx)
                .await?;
                seq += 1;
                fail::fail_point!("export.chunk-inserted");
            }
            tx.commit().await?;
            if ended {
                return Ok(true);
            }
        }
    }

    /// How many chunks export job `job_id` of the tenant stored (0 while it runs).
    pub async fn export_chunk_count(&self, tenant_id: &str, job_id: &str) -> Result<u64> {
        let count: i64 = self
            .timed(
                "export_chunk_count",
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM export_chunks WHERE tenant_id = $1 AND job_id = $2",
                )
                .bind(tenant_id)
                .bind(job_id)
                .fetch_one(&mut *self.conn().await?),
            )
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Chunk `seq` of export job `job_id`'s archive.
    pub async fn export_chunk(&self, tenant_id: &str, job_id: &str, seq: u64) -> Result<Vec<u8>> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        let row: Option<(Vec<u8>,)> = self
            .timed(
                "export_chunk",
                sqlx::query_as(
                    "SELECT data FROM export_chunks WHERE tenant_id = $1 AND job_id = $2 AND seq = $3",
                )
                .bind(tenant_id)
                .bind(job_id)
                .bind(seq)
                .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        Ok(row.or_not_found(Resource::Job)?.0)
    }
}

impl Store {
    /// The export job of the tenant still queued or running, if any.
    pub async fn active_export(&self, tenant_id: &str) -> Result<Option<String>> {
        Ok(self
            .timed(
                "active_export",
                sqlx::query_scalar(
                    "SELECT id FROM jobs WHERE tenant_id = $1 AND kind = 'export' \
                     AND state IN ('queued', 'running') ORDER BY created_at LIMIT 1",
                )
                .bind(tenant_id)
                .fetch_optional(&mut *self.conn().await?),
            )
            .await?)
    }
}
