-- What each daily anchor (the "anchor" audit stream) vouches for: the
-- head hash and event count of every stream that moved since the anchor
-- before it. The anchor event carries an HMAC over these rows with a key
-- kept outside the database, so a chain recomputed, cut short or deleted
-- with database access alone no longer matches an anchor.
CREATE TABLE IF NOT EXISTS audit_anchor_heads (
  anchor_seq BIGINT NOT NULL,
  stream VARCHAR(64) NOT NULL,
  seq BIGINT NOT NULL,
  hash CHAR(64) NOT NULL,
  PRIMARY KEY (anchor_seq, stream),
  KEY idx_audit_anchor_heads_stream (stream, anchor_seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
