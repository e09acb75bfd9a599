-- The W3C traceparent of the request that enqueued the job, so that its spans can link to it.
ALTER TABLE jobs ADD COLUMN trace_parent TEXT;
