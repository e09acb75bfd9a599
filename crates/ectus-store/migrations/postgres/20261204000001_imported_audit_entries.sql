-- Audit entries a tenant brought with it from another instance (`ectus import`), kept exactly
-- as they were written there: this instance's own chain (`audit_log`) cannot hold them, but
-- each still proves itself by its hash, and they go out again with the tenant's next export.
-- The import itself is recorded in `audit_log`.
CREATE TABLE imported_audit_entries (
    hash        TEXT PRIMARY KEY,
    seq         BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    request_id  TEXT,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL
);
CREATE INDEX imported_audit_entries_tenant ON imported_audit_entries (tenant_id, at, seq);
