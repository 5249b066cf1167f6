-- The dashboard and the monthly bulletin sum reviews by state, kind, year,
-- unit, firm and period. Without these indexes each sum read the whole
-- reviews table (100,000 rows of some 300 bytes each; the bulletin's nine
-- period sums read it nine times, a period with no review included). With
-- them each sum reads only index entries: the counts by state and kind all
-- of one narrow index, and a period's sums only the entries of the reviews
-- concluded, or first submitted, in it. Each index holds every column its
-- sums read, the jurisdiction included for a bureau's scope, so no review
-- row is looked up.
ALTER TABLE reviews
  ADD INDEX idx_reviews_counts (jurisdiction_id, state, kind, suspended),
  ADD INDEX idx_reviews_concluded (concluded_at, jurisdiction_id, kind, unit_org_id, firm_id,
    submitted_amount, audited_amount, import_id),
  ADD INDEX idx_reviews_submitted (submitted_at, jurisdiction_id, kind, submitted_amount);

-- The review list of one state, newest first, and of one state of a unit:
-- an index on (state) and one on (unit_org_id, state) hold each state's
-- reviews in id order, so a page reads its own entries and those before
-- it; (state, created_at) and (unit_org_id, state, suspended) made every
-- page read and sort all of the state's reviews (20,000 ids for each page
-- of 100,000 reviews in five states). The unit's to-do list no longer
-- counts by suspended, and no query ranges over a state's creation times.
ALTER TABLE reviews
  DROP INDEX idx_reviews_state, ADD INDEX idx_reviews_state (state),
  DROP INDEX idx_reviews_unit_state, ADD INDEX idx_reviews_unit_state (unit_org_id, state);
