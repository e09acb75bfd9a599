-- The durable job queue. A job is claimed by setting state = 'running' together with a lease
-- (owner + expiry); a worker renews its lease while it runs, and an expired lease puts the job
-- back in the queue (or fails it once max_attempts is reached).
CREATE TABLE jobs (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind                 TEXT NOT NULL,
    payload              TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts             BIGINT NOT NULL DEFAULT 0,
    max_attempts         BIGINT NOT NULL CHECK (max_attempts >= 1),
    lease_owner          TEXT,
    lease_expires_at     BIGINT,
    run_after            BIGINT NOT NULL,
    progress_phase       TEXT,
    progress_percent     BIGINT NOT NULL DEFAULT 0,
    progress_message     TEXT,
    result               TEXT,
    error                TEXT,
    cancel_requested_at  BIGINT,
    revision             BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    started_at           BIGINT,
    finished_at          BIGINT
);
CREATE INDEX jobs_claim ON jobs (state, run_after, created_at);
CREATE INDEX jobs_lease ON jobs (state, lease_expires_at);
CREATE INDEX jobs_tenant ON jobs (tenant_id, created_at, id);
