-- A construction unit's to-do list counts and lists its reviews in the
-- states it acts on (draft, opinion_sent, returned), not suspended. With
-- only (unit_org_id, created_at) the count read every review of the unit:
-- 106,200 rows and 437 ms for a unit with 100,000 reviews; with this index
-- it reads the to-do states' entries only (11 ms).
ALTER TABLE reviews ADD INDEX idx_reviews_unit_state (unit_org_id, state, suspended);
