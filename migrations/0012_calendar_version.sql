-- The calendar's version: every edit of calendar_days raises it in the same
-- transaction, so a server may keep the calendar in memory and check one
-- number instead of reading the table for every deadline it computes.
CREATE TABLE IF NOT EXISTS calendar_version (
  id TINYINT NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO calendar_version (id, version) VALUES (1, 1);
