-- The audit log: one row per security-relevant action, appended only. Each entry carries the
-- hash of the one before it (`prev_hash`, 64 zeros for the first) and its own hash over its
-- fields and that link, so a changed, deleted, inserted or reordered entry breaks the chain.
-- `seq` is the entry's position (1, 2, …). `tenant_id` has no foreign key: the entries that
-- record a tenant's deletion outlive the tenant.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    tenant_id   TEXT,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    request_id  TEXT,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);
