-- The progress of a long import check or commit, which the /imports page
-- polls while its request runs (any instance answers: the row is shared),
-- and the files that passed their check, kept in MinIO so that the person
-- commits them without choosing the file again.
CREATE TABLE IF NOT EXISTS import_progress (
  token CHAR(32) NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  phase VARCHAR(16) NOT NULL,
  rows_done INT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL,
  KEY idx_import_progress_updated (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS import_staged (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  file_name VARCHAR(255) NOT NULL,
  object_key VARCHAR(255) NOT NULL,
  sha256 CHAR(64) NOT NULL,
  size BIGINT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  import_id BIGINT NULL,
  KEY idx_import_staged_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
