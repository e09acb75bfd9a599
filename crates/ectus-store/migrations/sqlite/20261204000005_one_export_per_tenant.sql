-- At most one export of a tenant queued or running at a time, whatever the number of replicas
-- accepting `POST /api/v1/exports` at once.
CREATE UNIQUE INDEX jobs_one_active_export ON jobs (tenant_id)
    WHERE kind = 'export' AND state IN ('queued', 'running');
