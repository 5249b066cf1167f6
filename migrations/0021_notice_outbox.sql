-- Outside notices: contacts and choices on the user, and the outbox.
-- A notification row is the notice itself, written in the transaction of
-- the event; rows written from now on wait (fanned_out = FALSE) until a
-- dispatcher writes one delivery per outside channel for them, so the
-- notices of the past are not sent again.
ALTER TABLE users
  ADD COLUMN IF NOT EXISTS phone VARCHAR(11) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS email VARCHAR(254) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS sms_quiet VARCHAR(11) NULL,
  ADD COLUMN IF NOT EXISTS email_digest BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE notifications ADD COLUMN IF NOT EXISTS fanned_out BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE notifications ALTER COLUMN fanned_out SET DEFAULT FALSE;
CREATE INDEX IF NOT EXISTS idx_notifications_fan ON notifications (fanned_out, id);

-- A user's refusals: no notice of this kind through this channel.
CREATE TABLE IF NOT EXISTS notice_optouts (
  user_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  channel VARCHAR(8) NOT NULL,
  PRIMARY KEY (user_id, kind, channel),
  CONSTRAINT fk_notice_optouts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per notice and outside channel. idem_key never changes: the
-- gateway and the mail's Message-ID carry it, so a resend after a crash is
-- recognised as the same message. A row being sent holds a lease; once the
-- lease has run out any dispatcher may take it again.
CREATE TABLE IF NOT EXISTS notice_deliveries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  notification_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  channel VARCHAR(8) NOT NULL,
  idem_key VARCHAR(64) NOT NULL,
  address VARCHAR(254) NOT NULL,
  digest BOOLEAN NOT NULL DEFAULT FALSE,
  batch_key VARCHAR(64) NULL,
  state VARCHAR(12) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_at DATETIME(6) NOT NULL,
  lease_by VARCHAR(128) NULL,
  lease_until DATETIME(6) NULL,
  last_error VARCHAR(2000) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  delivered_at DATETIME(6) NULL,
  UNIQUE KEY uq_notice_deliveries (notification_id, channel),
  UNIQUE KEY uq_notice_deliveries_key (idem_key),
  KEY idx_notice_deliveries_due (state, next_at),
  KEY idx_notice_deliveries_batch (batch_key),
  CONSTRAINT fk_notice_deliveries_notification FOREIGN KEY (notification_id) REFERENCES notifications (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every attempt to send a delivery; one left without an outcome was cut
-- short (the dispatcher died) and its lease ran out.
CREATE TABLE IF NOT EXISTS notice_attempts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  delivery_id BIGINT NOT NULL,
  attempt INT NOT NULL,
  instance VARCHAR(128) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  ended_at DATETIME(6) NULL,
  ok BOOLEAN NULL,
  error VARCHAR(2000) NOT NULL DEFAULT '',
  KEY idx_notice_attempts_delivery (delivery_id, id),
  CONSTRAINT fk_notice_attempts_delivery FOREIGN KEY (delivery_id) REFERENCES notice_deliveries (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
