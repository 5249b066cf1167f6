-- A paper whose PDF cannot be made, or a deadline whose firing fails,
-- again and again is parked after a few attempts instead of being retried
-- forever: the attempts and the last error are kept for staff to see, and
-- render_failed_at (papers) or the state 'failed' (deadlines) takes it out
-- of the background passes.
ALTER TABLE papers
  ADD COLUMN IF NOT EXISTS render_attempts INT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS render_error TEXT NULL,
  ADD COLUMN IF NOT EXISTS render_failed_at DATETIME(6) NULL;

ALTER TABLE deadlines
  ADD COLUMN IF NOT EXISTS fire_attempts INT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS fire_error TEXT NULL;

-- The PDF of an issued paper is an official document: it has its own
-- version line, so an upload of the same name never becomes its "latest
-- version" and never hides it.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS official BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE documents d JOIN papers pp ON pp.document_id = d.id SET d.official = TRUE WHERE d.official = FALSE;
