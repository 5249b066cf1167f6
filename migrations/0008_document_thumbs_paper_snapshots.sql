-- Documents: thumbnail object and photo time (EXIF DateTimeOriginal) of
-- site-survey photos, and when the row was committed. Papers: the content
-- snapshot the issued PDF was made from, and who voided a number.
ALTER TABLE documents
  ADD COLUMN IF NOT EXISTS thumb_key VARCHAR(255) NULL,
  ADD COLUMN IF NOT EXISTS taken_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS committed_at DATETIME(6) NULL;

CREATE INDEX IF NOT EXISTS idx_documents_thumb ON documents (thumb_key);

ALTER TABLE papers
  ADD COLUMN IF NOT EXISTS snapshot MEDIUMTEXT NULL,
  ADD COLUMN IF NOT EXISTS voided_by BIGINT NULL;

CREATE INDEX IF NOT EXISTS idx_papers_pending ON papers (document_id, voided_at);
