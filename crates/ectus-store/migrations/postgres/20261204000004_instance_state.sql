-- The instance's own state, one row at most: set when the instance was made read-only for
-- its decommissioning (every write refused, no job but exports claimed).
CREATE TABLE instance_state (
    id                BIGINT PRIMARY KEY CHECK (id = 1),
    read_only_since   BIGINT NOT NULL,
    read_only_reason  TEXT NOT NULL
);
