-- A supervisor may send a work plan back to be redone, with a note.
ALTER TABLE work_plans ADD COLUMN IF NOT EXISTS review_note TEXT NULL;
