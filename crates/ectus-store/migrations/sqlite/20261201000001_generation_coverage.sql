-- What each passage of a plain-English requirement contributed, what was ignored and what was
-- not understood (JSON); NULL for spec files and OpenAPI documents.
ALTER TABLE generations ADD COLUMN coverage TEXT;
