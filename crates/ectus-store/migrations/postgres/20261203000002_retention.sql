-- Retention: when a generation's artifact was removed by the retention policy (the generation
-- itself, its spec and QA report stay), and indexes for the rows retention looks for.
ALTER TABLE generations ADD COLUMN artifact_expired_at BIGINT;
CREATE INDEX jobs_finished ON jobs (state, finished_at);
CREATE INDEX generations_artifact_age ON generations (updated_at) WHERE artifact IS NOT NULL;
CREATE INDEX generations_job ON generations (job_id);
CREATE INDEX incidents_ended ON incidents (status, ends_at);
