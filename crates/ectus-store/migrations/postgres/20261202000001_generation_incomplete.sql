-- A generation whose QA passed but whose service does not do all that was asked (passages of
-- the requirement not understood, operations not as documented or left to implement) is
-- `incomplete`, never `passed`. The table is rebuilt (SQLite cannot alter a CHECK constraint; both backends do the same)
-- with the same columns, rows and index (no table refers to it).
CREATE TABLE generations_next (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    project_id       TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    job_id           TEXT REFERENCES jobs(id) ON DELETE SET NULL,
    input_kind       TEXT NOT NULL CHECK (input_kind IN ('spec', 'openapi', 'prompt')),
    input            TEXT NOT NULL,
    spec             TEXT NOT NULL,
    spec_hash        TEXT NOT NULL,
    assumptions      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'passed', 'incomplete', 'failed', 'generated', 'cancelled')),
    qa               BIGINT NOT NULL,
    qa_report        TEXT,
    error            TEXT,
    artifact         BYTEA,
    artifact_sha256  TEXT,
    artifact_size    BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    coverage         TEXT
);
INSERT INTO generations_next (id, tenant_id, project_id, job_id, input_kind, input, spec,
    spec_hash, assumptions, status, qa, qa_report, error, artifact, artifact_sha256,
    artifact_size, created_at, updated_at, coverage)
SELECT id, tenant_id, project_id, job_id, input_kind, input, spec, spec_hash, assumptions,
    status, qa, qa_report, error, artifact, artifact_sha256, artifact_size, created_at,
    updated_at, coverage
FROM generations;
DROP TABLE generations;
ALTER TABLE generations_next RENAME TO generations;
CREATE INDEX generations_project ON generations (tenant_id, project_id, created_at, id);
