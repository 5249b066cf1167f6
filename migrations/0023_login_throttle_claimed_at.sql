-- An account's claims are its password checks in flight; claimed_at is when
-- the last was claimed, so claims left by an instance that died mid-check
-- stop counting after a short while instead of blocking the right password.
ALTER TABLE login_throttle ADD COLUMN IF NOT EXISTS claimed_at DATETIME(6) NULL;
