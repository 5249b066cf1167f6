-- Indexes for the filtered, paged review lists (state and kind, newest first).
CREATE INDEX IF NOT EXISTS idx_reviews_state_kind ON reviews (state, kind, id);
CREATE INDEX IF NOT EXISTS idx_reviews_jurisdiction_id ON reviews (jurisdiction_id, id);
CREATE INDEX IF NOT EXISTS idx_reviews_kind_id ON reviews (kind, id);
