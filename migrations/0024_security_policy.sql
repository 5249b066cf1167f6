-- The security administrator's policy (one row), password history, the
-- forced change and expiry of passwords, each user's last sign-in, and
-- what a session needs for its absolute lifetime.
CREATE TABLE IF NOT EXISTS security_policy (
  id TINYINT NOT NULL PRIMARY KEY,
  min_length INT NOT NULL DEFAULT 8,
  history_count INT NOT NULL DEFAULT 5,
  expiry_days INT NOT NULL DEFAULT 90,
  max_failures INT NOT NULL DEFAULT 5,
  lock_minutes INT NOT NULL DEFAULT 30,
  idle_minutes INT NOT NULL DEFAULT 30,
  absolute_hours INT NOT NULL DEFAULT 12,
  single_session BOOLEAN NOT NULL DEFAULT FALSE,
  updated_at DATETIME(6) NOT NULL,
  updated_by BIGINT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO security_policy (id, updated_at) VALUES (1, UTC_TIMESTAMP(6));

ALTER TABLE users
  ADD COLUMN IF NOT EXISTS must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
  ADD COLUMN IF NOT EXISTS password_changed_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS last_login_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS last_login_ip VARCHAR(64) NOT NULL DEFAULT '';

CREATE TABLE IF NOT EXISTS password_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  password_hash VARCHAR(100) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY idx_password_history_user (user_id, id),
  CONSTRAINT fk_password_history_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE sessions
  ADD COLUMN IF NOT EXISTS prev_login_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS prev_login_ip VARCHAR(64) NOT NULL DEFAULT '';

-- Phone numbers and email addresses are sealed with SM4 at rest
-- (FINREVIEW_PII_KEY_FILE): the sealed form is longer than the value.
ALTER TABLE users
  MODIFY COLUMN phone VARCHAR(255) NOT NULL DEFAULT '',
  MODIFY COLUMN email VARCHAR(600) NOT NULL DEFAULT '';

-- Each document's SM3 digest (国密, GB/T 32905) beside its SHA-256.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS sm3 CHAR(64) NULL;

-- The SM2 signature (GB/T 32918.2) over an issued paper's SM3 digest,
-- when the installation signs papers (FINREVIEW_SM2_KEY_FILE).
ALTER TABLE papers ADD COLUMN IF NOT EXISTS sm2_signature VARCHAR(200) NULL;
