-- A generation whose QA passed but whose service does not do all that was asked (passages of
-- the requirement not understood, operations not as documented or left to implement) is
-- `incomplete`, never `passed`.
ALTER TABLE generations DROP CONSTRAINT generations_status_check;
ALTER TABLE generations ADD CONSTRAINT generations_status_check
    CHECK (status IN ('queued', 'running', 'passed', 'incomplete', 'failed', 'generated', 'cancelled'));
