// Package review is the use-case service of the review workflow: it loads
// a review, checks role and row scope, fires the workflow machine inside one
// transaction and writes the state, the timeline, the audit trail,
// deadlines, delegation, papers and the fee statement with it.
package review

import (
	"fmt"
	"log/slog"
	"time"

	"finreview/internal/billing"
	"finreview/internal/deadline"
	"finreview/internal/docs"
	"finreview/internal/firm"
	"finreview/internal/input"
	"finreview/internal/store"
	"finreview/internal/trust"
	"finreview/workflow"
)

// Options configure the service.
type Options struct {
	Store   *store.Store
	Firms   *firm.Service
	Billing *billing.Service
	Docs    *docs.Service
	Now     func() time.Time
	Log     *slog.Logger
	// ReportWorkdays is the firm's report due time after delegation;
	// IntakeWorkdays the Review Center's intake due time after the notice.
	ReportWorkdays, IntakeWorkdays int
	// PlansRequired makes an approved work plan a condition of start for
	// every review (otherwise only once a plan has been submitted).
	PlansRequired bool
	// RecentDrawWindow is how many of the latest expert draws of other
	// reviews are avoided by a new draw (0 = 3, negative = none).
	RecentDrawWindow int
	// MaxRecentDraws, when positive, avoids experts drawn as main experts
	// that often in the past year.
	MaxRecentDraws int
}

// Service runs review transitions.
type Service struct {
	store          *store.Store
	firms          *firm.Service
	billing        *billing.Service
	docs           *docs.Service
	now            func() time.Time
	log            *slog.Logger
	reportWorkdays int
	intakeWorkdays int
	plansRequired  bool
	// recentDrawWindow and maxRecentDraws tune the expert draw.
	recentDrawWindow int
	maxRecentDraws   int
	// newMachine builds the workflow machine of a transition: once per
	// transition (a test counts the builds through it).
	newMachine func(workflow.State, workflow.Facts) *workflow.Machine
	// unread are the users' unread-notice counts (unread.go).
	unread *trust.Map[int64, int]
}

// OpinionWorkdays is the unit's time to sign the opinion letter (征求意见书):
// five working days (rules: 收到《评审结论征求意见书》起5个工作日内签署意见).
const OpinionWorkdays = 5

// NewService builds the service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.ReportWorkdays <= 0 {
		o.ReportWorkdays = 20
	}
	if o.IntakeWorkdays <= 0 {
		o.IntakeWorkdays = 5
	}
	switch {
	case o.RecentDrawWindow == 0:
		o.RecentDrawWindow = 3
	case o.RecentDrawWindow < 0:
		o.RecentDrawWindow = 0
	}
	return &Service{store: o.Store, firms: o.Firms, billing: o.Billing, docs: o.Docs, now: o.Now, log: o.Log,
		reportWorkdays: o.ReportWorkdays, intakeWorkdays: o.IntakeWorkdays, plansRequired: o.PlansRequired,
		recentDrawWindow: o.RecentDrawWindow, maxRecentDraws: o.MaxRecentDraws, newMachine: workflow.New,
		unread: newUnreadCounts()}
}

// FireInput is one requested transition.
type FireInput struct {
	Trigger workflow.Trigger
	// Version, when given, must equal the review's current version.
	Version *int
	Reason  string
	// Params are the trigger's parameters (audited_amount, firm_id, agree…).
	Params map[string]string
	// firing is the deadline the deadline engine fires this transition for;
	// the engine marks it fired itself.
	firing int64
}

// View is a review with everything its page and the API show.
type View struct {
	Review     store.Review
	Permitted  []workflow.Trigger
	Delegation *firm.Delegation
	Deadline   *store.Deadline
	// Due describes Deadline as the page shows it (date and working days
	// left, or overdue), on the calendar read with the review.
	Due deadline.Due
	// SupervisorName is the display name of the review's supervisor.
	SupervisorName string
	Fee            *store.FeeStatement
	Papers         []store.Paper
	Events         []store.ReviewEvent // the timeline; Get reads it, a transition's answer does not
	// Missing lists, per permitted trigger, the unmet gates (in Chinese).
	Missing map[workflow.Trigger][]string
	// Materials are the documents the review's kind requires (the checklist).
	Materials []Material
	// Suspensions are the review's suspensions, expected against actual working days.
	Suspensions []SuspensionView
	// Draws are the expert draws of the review, oldest first; Experts
	// the experts drawn for it; Scores the review center's scores of
	// them. Only DrawRecord reads these three (the draw page shows them).
	Draws   []DrawView
	Experts []store.ReviewExpert
	Scores  []store.ExpertScore
	// Archive is the archive entry, once archived.
	Archive *ArchiveView
}

// fieldErr is an invalid parameter; the web layer answers 422 with its
// field.
func fieldErr(name, format string, args ...any) error {
	return &input.FieldError{Name: name, Msg: fmt.Sprintf(format, args...)}
}

// StaleError says the review changed since the caller read it. It matches
// store.ErrStale and lists what the caller may fire now.
type StaleError struct {
	Permitted []workflow.Trigger
}

func (e *StaleError) Error() string { return "该评审已被他人更新,请刷新后重试" }

// Unwrap makes errors.Is(err, store.ErrStale) true.
func (e *StaleError) Unwrap() error { return store.ErrStale }

// PermittedTriggers lists what the caller may fire on the current version.
func (e *StaleError) PermittedTriggers() []workflow.Trigger {
	if e.Permitted == nil {
		return []workflow.Trigger{}
	}
	return e.Permitted
}
