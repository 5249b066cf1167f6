-- The monthly bulletin sums the reviews concluded, and those first
-- submitted, in each of its periods (the month, the year to date, the same
-- span of the year before). Without an index on those dates each period
-- read every review: nine full scans of 100,000 reviews per bulletin, a
-- period with no review included. With them each period reads its own
-- reviews only.
ALTER TABLE reviews ADD INDEX idx_reviews_concluded (concluded_at), ADD INDEX idx_reviews_submitted (submitted_at);
