package review

import (
	"context"
	"iter"

	"finreview/internal/auth"
)

// exportBatch is how many reviews an export reads at a time.
const exportBatch = 1000

// ListCountedTo is List with the total counted up to countTo only: exact
// below it, countTo when as many or more match (the page says so).
func (s *Service) ListCountedTo(ctx context.Context, p auth.Principal, f ReviewFilter, countTo int) ([]Review, int, error) {
	if !p.Can(auth.ViewReviews) {
		return nil, 0, auth.ErrForbidden
	}
	return s.store.ReviewsCountedTo(ctx, p.Scope(), f, countTo)
}

// FirstReviews lists the first f.Limit reviews p sees that f selects, in
// the list's order, without counting them all: for lists that show no
// total (the to-do list).
func (s *Service) FirstReviews(ctx context.Context, p auth.Principal, f ReviewFilter) ([]Review, error) {
	return s.store.ReviewsAfter(ctx, p.Scope(), f, nil)
}

// ExportReviews records p's export of the review list f selects in the
// audit trail — the filter as the page shows it and how many reviews it
// matches, before any of them leaves — and returns those reviews in the
// list's order, at most max. They are read as the loop asks for them, a
// batch at a time, each batch starting after the last review of the one
// before (keyset paging): every batch costs the same however far the export
// has gone, and only one batch is held at a time.
func (s *Service) ExportReviews(ctx context.Context, p auth.Principal, f ReviewFilter, filter map[string]string,
	max int) (iter.Seq2[Review, error], error) {
	if !p.Can(auth.ViewReviews) {
		return nil, auth.ErrForbidden
	}
	sc := p.Scope()
	n, err := s.store.CountReviews(ctx, sc, f)
	if err != nil {
		return nil, err
	}
	if err := s.RecordExport(ctx, p, filter, min(n, max)); err != nil {
		return nil, err
	}
	return func(yield func(Review, error) bool) {
		var after *Review
		for left := max; left > 0; {
			f.Limit = min(exportBatch, left)
			batch, err := s.store.ReviewsAfter(ctx, sc, f, after)
			if err != nil {
				yield(Review{}, err)
				return
			}
			for _, r := range batch {
				if !yield(r, nil) {
					return
				}
			}
			if len(batch) < f.Limit {
				return
			}
			left -= len(batch)
			after = &batch[len(batch)-1]
		}
	}, nil
}
