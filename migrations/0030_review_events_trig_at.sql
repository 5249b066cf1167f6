-- The monthly bulletin lists the reviews returned in its month: the
-- timeline's `return` events of the period. Without an index on (trig, at)
-- that list read every event of every review (a million rows for 100,000
-- reviews, 3–4 s from disk); with it, only the month's returns.
ALTER TABLE review_events ADD INDEX idx_review_events_trig_at (trig, at);
