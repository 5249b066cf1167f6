package firm

import (
	"context"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
)

// The rows the firm and expert pages render.
type (
	Firm             = store.Firm
	FirmStatusChange = store.FirmStatusChange
	FirmAssessment   = store.FirmAssessment
	AssessmentPeriod = store.AssessmentPeriod
	Expert           = store.Expert
	ExpertFilter     = store.ExpertFilter
)

// Firm is one firm of the library by its organization id.
func (s *Service) Firm(ctx context.Context, id int64) (Firm, error) {
	return s.store.FirmByID(ctx, id)
}

// Expert is one expert of the library by id.
func (s *Service) Expert(ctx context.Context, id int64) (Expert, error) {
	return s.store.ExpertByID(ctx, id)
}

// RecordExport records p's download of a library export (action names
// it: firm_export, assessment_export) in the audit trail.
func (s *Service) RecordExport(ctx context.Context, p auth.Principal, action, objectType string, detail map[string]any) error {
	return audit.Record(ctx, s.store, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: action,
		ObjectType: objectType, Detail: detail})
}
