-- Sign-in throttling counts in one row per account name ("account:<name>")
-- and per address ("address:<ip>"), claimed under the row's lock before a
-- password is checked, so concurrent guesses cannot race past the limit.
-- locked_until is the account lock-out after repeated failures.
CREATE TABLE IF NOT EXISTS login_throttle (
  throttle_key VARCHAR(200) NOT NULL PRIMARY KEY,
  window_start DATETIME(6) NOT NULL,
  claims INT NOT NULL DEFAULT 0,
  failures INT NOT NULL DEFAULT 0,
  locked_until DATETIME(6) NULL,
  KEY idx_login_throttle_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
