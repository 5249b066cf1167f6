-- Backups, restores and their verifications as the administrator's page
-- lists them; and the claims of daily jobs (the audit anchor), one row per
-- job and day claimed in a transaction, so the job runs once a day across
-- any number of instances, on a Galera cluster too.
CREATE TABLE IF NOT EXISTS backup_runs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(16) NOT NULL,
  location VARCHAR(512) NOT NULL,
  backup_id VARCHAR(64) NOT NULL DEFAULT '',
  ok BOOLEAN NOT NULL,
  size BIGINT NOT NULL DEFAULT 0,
  detail TEXT NOT NULL,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NOT NULL,
  KEY idx_backup_runs_kind (kind, finished_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS daily_jobs (
  job VARCHAR(32) NOT NULL,
  day DATE NOT NULL,
  instance VARCHAR(128) NOT NULL,
  state VARCHAR(16) NOT NULL,
  claimed_at DATETIME(6) NOT NULL,
  done_at DATETIME(6) NULL,
  PRIMARY KEY (job, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A person's confirmation that an archived review's paper file, its
-- retention period (保管期限) over, may be disposed of. The application
-- lists what is due and records the confirmation; it deletes nothing.
CREATE TABLE IF NOT EXISTS archive_disposals (
  review_id BIGINT NOT NULL PRIMARY KEY,
  confirmed_by BIGINT NOT NULL,
  confirmed_by_name VARCHAR(64) NOT NULL,
  confirmed_at DATETIME(6) NOT NULL,
  note VARCHAR(255) NOT NULL,
  CONSTRAINT fk_archive_disposals_record FOREIGN KEY (review_id) REFERENCES archive_records (review_id),
  CONSTRAINT fk_archive_disposals_user FOREIGN KEY (confirmed_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
