package review

import (
	"context"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
)

// The rows the review pages render.
type (
	Review       = store.Review
	ReviewFilter = store.ReviewFilter
	ReviewEvent  = store.ReviewEvent
	Project      = store.Project
	Paper        = store.Paper
	Notification = store.Notification
)

// Review is one review p may see (ErrNotFound otherwise).
func (s *Service) Review(ctx context.Context, p auth.Principal, id int64) (Review, error) {
	return s.store.Review(ctx, p.Scope(), id)
}

// Reviews lists the reviews within p's scope, whatever p's role (the home
// page's work list; List is the review list, for roles that have one).
func (s *Service) Reviews(ctx context.Context, p auth.Principal, f ReviewFilter) ([]Review, int, error) {
	return s.store.Reviews(ctx, p.Scope(), f)
}

// RecentActions lists the latest review events p took, newest first.
func (s *Service) RecentActions(ctx context.Context, p auth.Principal, limit int) ([]ReviewEvent, error) {
	return s.store.ReviewEventsByActor(ctx, p.UserID, limit)
}

// RecordExport records p's export of the review list (its filter and row
// count) in the audit trail.
func (s *Service) RecordExport(ctx context.Context, p auth.Principal, filter map[string]string, rows int) error {
	return audit.Record(ctx, s.store, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "export_reviews",
		ObjectType: "review_list", Detail: map[string]any{"filter": filter, "rows": rows}})
}

// Papers lists the documents issued for a review p may see.
func (s *Service) Papers(ctx context.Context, p auth.Principal, reviewID int64) ([]Paper, error) {
	if _, err := s.store.Review(ctx, p.Scope(), reviewID); err != nil {
		return nil, err
	}
	return s.store.Papers(ctx, reviewID)
}

// Projects lists the projects within p's scope matching search.
func (s *Service) Projects(ctx context.Context, p auth.Principal, search string, limit, offset int) ([]Project, int, error) {
	return s.store.Projects(ctx, p.Scope(), search, limit, offset)
}

// Project is one project p may see, with the ids of its contractors.
func (s *Service) Project(ctx context.Context, p auth.Principal, id int64) (Project, []int64, error) {
	proj, err := s.store.Project(ctx, p.Scope(), id)
	if err != nil {
		return Project{}, nil, err
	}
	contractors, err := s.store.ProjectContractors(ctx, proj.ID)
	return proj, contractors, err
}

// Notifications lists p's notifications, newest first, with their total.
func (s *Service) Notifications(ctx context.Context, p auth.Principal, limit, offset int) ([]Notification, int, error) {
	return s.store.Notifications(ctx, p.UserID, limit, offset)
}
