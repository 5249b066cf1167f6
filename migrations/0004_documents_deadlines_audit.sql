-- Documents, papers and numbers, deadlines, calendar, notifications, audit trail.
CREATE TABLE IF NOT EXISTS documents (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  category VARCHAR(32) NOT NULL,
  name VARCHAR(255) NOT NULL,
  version INT NOT NULL DEFAULT 1,
  object_key VARCHAR(255) NOT NULL,
  size BIGINT NOT NULL DEFAULT 0,
  sha256 CHAR(64) NOT NULL DEFAULT '',
  content_type VARCHAR(128) NOT NULL DEFAULT '',
  signed_sealed BOOLEAN NOT NULL DEFAULT FALSE,
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  uploader_id BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_documents_object (object_key),
  KEY idx_documents_review (review_id, category, name, version),
  KEY idx_documents_status (status, created_at),
  CONSTRAINT fk_documents_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_documents_uploader FOREIGN KEY (uploader_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS document_access (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  document_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  action VARCHAR(16) NOT NULL,
  ip VARCHAR(64) NOT NULL DEFAULT '',
  at DATETIME(6) NOT NULL,
  KEY idx_document_access_doc (document_id, at),
  KEY idx_document_access_user (user_id, at),
  CONSTRAINT fk_document_access_doc FOREIGN KEY (document_id) REFERENCES documents (id),
  CONSTRAINT fk_document_access_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One counter row per jurisdiction, series and year: numbers are gap-free.
CREATE TABLE IF NOT EXISTS paper_counters (
  jurisdiction_id BIGINT NOT NULL,
  series VARCHAR(32) NOT NULL,
  year INT NOT NULL,
  last_number INT NOT NULL DEFAULT 0,
  PRIMARY KEY (jurisdiction_id, series, year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS papers (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  jurisdiction_id BIGINT NOT NULL,
  year INT NOT NULL,
  number INT NOT NULL,
  doc_number VARCHAR(64) NOT NULL,
  document_id BIGINT NULL,
  issued_by BIGINT NULL,
  issued_at DATETIME(6) NOT NULL,
  voided_at DATETIME(6) NULL,
  void_reason TEXT NULL,
  UNIQUE KEY uq_papers_number (jurisdiction_id, kind, year, number),
  KEY idx_papers_review (review_id),
  KEY idx_papers_doc_number (doc_number),
  CONSTRAINT fk_papers_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_papers_document FOREIGN KEY (document_id) REFERENCES documents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS deadlines (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  visit_event_id BIGINT NULL,
  due_at DATETIME(6) NOT NULL,
  workdays INT NOT NULL,
  state VARCHAR(16) NOT NULL DEFAULT 'pending',
  remaining_workdays INT NULL,
  flagged_year INT NULL,
  reminded_2 BOOLEAN NOT NULL DEFAULT FALSE,
  reminded_1 BOOLEAN NOT NULL DEFAULT FALSE,
  overdue_notified BOOLEAN NOT NULL DEFAULT FALSE,
  fired_at DATETIME(6) NULL,
  fired_by VARCHAR(128) NULL,
  created_at DATETIME(6) NOT NULL,
  KEY idx_deadlines_due (state, due_at),
  KEY idx_deadlines_review (review_id, state),
  CONSTRAINT fk_deadlines_review FOREIGN KEY (review_id) REFERENCES reviews (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS calendar_days (
  day DATE NOT NULL PRIMARY KEY,
  kind VARCHAR(16) NOT NULL,
  name VARCHAR(64) NOT NULL,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS notifications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  review_id BIGINT NULL,
  kind VARCHAR(32) NOT NULL,
  title VARCHAR(255) NOT NULL,
  body TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  read_at DATETIME(6) NULL,
  KEY idx_notifications_user (user_id, read_at, id),
  CONSTRAINT fk_notifications_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only, hash-chained audit trail. One chain per stream: "review:<id>"
-- for a review's events, "day:<YYYY-MM-DD>" for the rest. audit_heads holds
-- each stream's head so appends lock one small row, never a global one.
CREATE TABLE IF NOT EXISTS audit_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  stream VARCHAR(64) NOT NULL,
  seq BIGINT NOT NULL,
  at DATETIME(6) NOT NULL,
  actor_id BIGINT NULL,
  actor_name VARCHAR(64) NOT NULL,
  action VARCHAR(64) NOT NULL,
  review_id BIGINT NULL,
  object_type VARCHAR(32) NOT NULL DEFAULT '',
  object_id VARCHAR(64) NOT NULL DEFAULT '',
  detail TEXT NOT NULL,
  prev_hash CHAR(64) NOT NULL,
  hash CHAR(64) NOT NULL,
  UNIQUE KEY uq_audit_events_stream (stream, seq),
  KEY idx_audit_events_review (review_id, id),
  KEY idx_audit_events_actor (actor_id, at),
  KEY idx_audit_events_action (action, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS audit_heads (
  stream VARCHAR(64) NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash CHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
