-- The fee totals of the bulletin's periods and of the dashboard: an index
-- on (computed_at) holding the summed columns, so a period's sums read its
-- own entries and the deployment's totals read the index, not every
-- statement's row with its review and project. On a province of 75,000
-- statements the three periods of a bulletin read all of them three times:
-- 0.3-0.65 s of the database each, every minute a bulletin is read.
ALTER TABLE fee_statements
  ADD INDEX idx_fee_statements_computed (computed_at, total_fee, contractor_share, finance_share, paid_at);
