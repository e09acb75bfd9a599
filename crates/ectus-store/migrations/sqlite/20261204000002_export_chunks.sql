-- The archives written by export jobs, kept in the database so that any replica can serve the
-- download: the archive's bytes in order, a few MiB per row. They go with their job (retention
-- of finished jobs, or the tenant's deletion).
CREATE TABLE export_chunks (
    job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    data        BLOB NOT NULL,
    PRIMARY KEY (job_id, seq)
);
