-- A review's audit chain keeps its head on the review's own row: a
-- transition has that row locked already, so appending to the chain needs
-- no lock of its own. audit_heads keeps the other streams (day:…, anchor).
ALTER TABLE reviews
  ADD COLUMN IF NOT EXISTS audit_seq BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS audit_hash CHAR(64) NOT NULL DEFAULT '';
UPDATE reviews r JOIN audit_heads h ON h.stream = CONCAT('review:', r.id)
  SET r.audit_seq = h.seq, r.audit_hash = h.hash;
DELETE FROM audit_heads WHERE stream LIKE 'review:%';
