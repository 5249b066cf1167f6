-- A review's audit events are its stream's, review:<id>, which the unique
-- key (stream, seq) already finds in order. The index on review_id cost
-- every audited write a third secondary index for nothing.
ALTER TABLE audit_events DROP INDEX IF EXISTS idx_audit_events_review;
