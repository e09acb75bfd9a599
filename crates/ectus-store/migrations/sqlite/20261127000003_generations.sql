-- Generations: one run of the generator for a project. The spec is derived when the request
-- arrives (so bad input is refused at once); the job fills in the QA report and the artifact,
-- which lives in the database so that any replica can serve it.
CREATE TABLE generations (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    project_id       TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    job_id           TEXT REFERENCES jobs(id) ON DELETE SET NULL,
    input_kind       TEXT NOT NULL CHECK (input_kind IN ('spec', 'openapi', 'prompt')),
    input            TEXT NOT NULL,
    spec             TEXT NOT NULL,
    spec_hash        TEXT NOT NULL,
    assumptions      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'passed', 'failed', 'generated', 'cancelled')),
    qa               BIGINT NOT NULL,
    qa_report        TEXT,
    error            TEXT,
    artifact         BLOB,
    artifact_sha256  TEXT,
    artifact_size    BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX generations_project ON generations (tenant_id, project_id, created_at, id);
