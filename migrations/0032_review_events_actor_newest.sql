-- A user's latest transitions (the to-do page's 已办), newest first: an
-- index on (actor_id) holds each user's events in id order, so the page
-- reads its 20 entries. With (actor_id, at) the optimizer could not read
-- a user's events in the page's order; it went by the primary key from
-- the newest event, or, after a table's statistics changed, from the
-- projects, joining every review and event before sorting (minutes for
-- a user with 65,000 events).
ALTER TABLE review_events DROP INDEX idx_review_events_actor, ADD INDEX idx_review_events_actor (actor_id);
