-- Incidents: alerts delivered by Alertmanager's webhook. One row per alert occurrence, keyed by
-- Alertmanager's fingerprint and the alert's start time, so a repeated delivery updates the row
-- instead of adding one; an alert that fires again after resolving starts a new incident.
-- Incidents belong to the platform, not to a tenant.
CREATE TABLE incidents (
    id                TEXT PRIMARY KEY,
    fingerprint       TEXT NOT NULL,
    alertname         TEXT NOT NULL,
    severity          TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    labels            TEXT NOT NULL,
    annotations       TEXT NOT NULL,
    generator_url     TEXT NOT NULL,
    starts_at         BIGINT NOT NULL,
    ends_at           BIGINT,
    deliveries        BIGINT NOT NULL,
    first_received_at BIGINT NOT NULL,
    last_received_at  BIGINT NOT NULL,
    acknowledged_by   TEXT,
    acknowledged_at   BIGINT,
    UNIQUE (fingerprint, starts_at)
);
CREATE INDEX incidents_recent ON incidents (starts_at, id);
CREATE INDEX incidents_status ON incidents (status, starts_at, id);
