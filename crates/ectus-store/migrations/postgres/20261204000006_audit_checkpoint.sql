-- Where the audit log starts once the retention policy pruned its oldest entries: the last
-- entry removed (its position and hash). Verification starts the chain there instead of at
-- the genesis; one row at most.
CREATE TABLE audit_checkpoint (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    pruned_at   BIGINT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
