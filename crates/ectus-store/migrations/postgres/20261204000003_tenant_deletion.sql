-- A tenant's deletion: when it was asked for, and when the grace period ends and the purge may
-- begin. While `purge_after` is set the tenant is read-only; clearing both restores it.
ALTER TABLE tenants ADD COLUMN deletion_requested_at BIGINT;
ALTER TABLE tenants ADD COLUMN purge_after BIGINT;
CREATE INDEX tenants_purge_due ON tenants (purge_after);
