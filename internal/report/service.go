package report

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/store"
)

// The rows the report pages render.
type (
	AuditEvent        = store.AuditEvent
	AuditEventsFilter = store.AuditEventsFilter
	BackupRun         = store.BackupRun
)

// Service reads the figures the report pages show: the bulletin, the
// dashboard, the audit trail's export and the backup runs.
type Service struct {
	store *store.Store
	now   func() time.Time
	// The dashboards and bulletins of each scope, shared by its readers.
	dashboards *Shared[store.Scope, Dashboard]
	bulletins  *Shared[bulletinKey, Bulletin]
}

type bulletinKey struct {
	scope store.Scope
	month string // YYYY-MM
}

// How fresh the dashboard and the bulletin are: computed at most once per
// FiguresFresh per scope while people read them, never shown older than
// FiguresMaxAge. Keep looks at them every FiguresTend, refreshes those of
// the scopes read within FiguresIdle before they expire and drops the
// others.
const (
	FiguresFresh  = time.Minute
	FiguresMaxAge = 5 * time.Minute
	FiguresTend   = 30 * time.Second
	FiguresIdle   = 30 * time.Minute
)

// NewService builds the service; now is the clock.
func NewService(s *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, now: now,
		dashboards: NewShared[store.Scope, Dashboard](FiguresFresh, FiguresMaxAge, now),
		bulletins:  NewShared[bulletinKey, Bulletin](FiguresFresh, FiguresMaxAge, now)}
}

// Bulletin is the monthly bulletin of month m within p's scope: every
// jurisdiction for a city-wide scope, p's own otherwise. It is shared by
// every reader of the scope and month, and read afresh at most once per
// FiguresFresh (Bulletin.At says when); callers must not change it.
func (s *Service) Bulletin(ctx context.Context, p auth.Principal, m time.Time) (Bulletin, error) {
	return s.bulletin(ctx, p.Scope(), m)
}

func (s *Service) bulletin(ctx context.Context, sc store.Scope, m time.Time) (Bulletin, error) {
	b, _, err := s.bulletins.Get(ctx, bulletinKey{scope: sc, month: m.Format("2006-01")}, func(ctx context.Context) (Bulletin, error) {
		return s.loadBulletin(ctx, sc, m)
	})
	return b, err
}

func (s *Service) loadBulletin(ctx context.Context, sc store.Scope, m time.Time) (Bulletin, error) {
	jurs, err := s.store.Jurisdictions(ctx)
	if err != nil {
		return Bulletin{}, err
	}
	if !sc.All {
		var mine []store.Jurisdiction
		for _, j := range jurs {
			if j.ID == sc.JurisdictionID {
				mine = append(mine, j)
			}
		}
		jurs = mine
	}
	return Load(ctx, &s.store.Queries, sc, jurs, m, s.now())
}

// Dashboard is the statistics page within p's scope. It is shared by every
// reader of the scope, and read afresh at most once per FiguresFresh
// (Dashboard.At says when); callers must not change it.
func (s *Service) Dashboard(ctx context.Context, p auth.Principal) (Dashboard, error) {
	return s.dashboard(ctx, p.Scope())
}

func (s *Service) dashboard(ctx context.Context, sc store.Scope) (Dashboard, error) {
	d, _, err := s.dashboards.Get(ctx, sc, func(ctx context.Context) (Dashboard, error) {
		return LoadDashboard(ctx, &s.store.Queries, sc, s.now())
	})
	return d, err
}

// deployment is the scope of the whole deployment: what the city grant's
// finance section and review center (caizheng, pingshen) and the
// administrators see, and the most costly figures to compute.
var deployment = store.Scope{All: true}

// Warm computes the figures of the deployment-wide scope, the dashboard
// and this month's bulletin (both at once: on a cold buffer pool each
// waits mostly for the disk), so that their first readers find them
// computed; serve runs it at start-up. It counts as a read of both
// (Shared), so they are kept up to date for FiguresIdle after it even if
// nobody reads them.
func (s *Service) Warm(ctx context.Context) error {
	bulletin := make(chan error, 1)
	go func() {
		_, err := s.bulletin(ctx, deployment, s.month())
		bulletin <- err
	}()
	if _, err := s.dashboard(ctx, deployment); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	if err := <-bulletin; err != nil {
		return fmt.Errorf("bulletin: %w", err)
	}
	return nil
}

// month is the first day of the month of now, as the bulletin page
// reads it without ?month=.
func (s *Service) month() time.Time {
	m, _ := ParseMonth("", s.now(), calendar.Location()) // "" never fails
	return m
}

// Keep keeps the figures in use up to date until ctx ends (Shared.Keep,
// every FiguresTend, dropping the scopes not read for FiguresIdle), so
// that, once computed, the readers of a scope never wait for them. When
// a month begins it computes that month's deployment-wide bulletin, as
// Warm does at start-up. Failures are logged, and the next round tries
// again.
func (s *Service) Keep(ctx context.Context, log *slog.Logger) {
	go s.dashboards.Keep(ctx, FiguresTend, FiguresIdle, log.With(slog.String("figures", "dashboard")))
	go s.bulletins.Keep(ctx, FiguresTend, FiguresIdle, log.With(slog.String("figures", "bulletin")))
	t := time.NewTicker(FiguresTend)
	defer t.Stop()
	month := s.month()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			month = s.turnMonth(ctx, month, log)
		}
	}
}

// turnMonth computes the deployment-wide bulletin of this month if it is
// not the month of the last one computed, and returns the month computed.
func (s *Service) turnMonth(ctx context.Context, last time.Time, log *slog.Logger) (done time.Time) {
	done = last
	defer func() {
		if v := recover(); v != nil {
			log.Error("shared figures: the new month's bulletin panicked", slog.Any("panic", v))
		}
	}()
	m := s.month()
	if m.Equal(last) {
		return last
	}
	if _, err := s.bulletin(ctx, deployment, m); err != nil {
		log.Warn("shared figures: the new month's bulletin", slog.String("month", m.Format("2006-01")),
			slog.String("error", err.Error()))
		return last
	}
	return m
}

// ExportAudit writes the audit trail p may read, as f selects, and the
// sign-ins of the last audit.KeepDays (see WriteAuditWorkbook) to w, and
// records the export (audit_export) as an event of user u. It returns the
// number of events written; on an error, w may hold part of the workbook.
func (s *Service) ExportAudit(ctx context.Context, p auth.Principal, u auth.User, f AuditEventsFilter,
	label func(string) string, w io.Writer) (int, error) {
	n, err := WriteAuditWorkbook(ctx, s.store, p.AuditScope(), f, s.now().AddDate(0, 0, -audit.KeepDays), label, w)
	if err != nil {
		return n, err
	}
	detail := map[string]any{"events": n, "action": f.Action, "actor_id": f.ActorID, "review_id": f.ReviewID}
	if !f.From.IsZero() {
		detail["period_from"] = f.From.In(calendar.Location()).Format("2006-01-02")
	}
	if !f.To.IsZero() {
		detail["period_to"] = f.To.AddDate(0, 0, -1).In(calendar.Location()).Format("2006-01-02") // the last day
	}
	return n, audit.Record(ctx, s.store, s.now(), audit.Entry{ActorID: u.ID, ActorName: u.DisplayName, Action: "audit_export",
		ObjectType: "user", ObjectID: u.Username, Detail: detail})
}

// AuditEvents lists the audit events p may read, as f selects, with their
// total.
func (s *Service) AuditEvents(ctx context.Context, p auth.Principal, f AuditEventsFilter) ([]AuditEvent, int, error) {
	return s.store.AuditEvents(ctx, p.AuditScope(), f)
}

// VerifyAudit checks the audit trail's hash chains and anchors.
func (s *Service) VerifyAudit(ctx context.Context) (audit.Result, error) {
	return audit.Verify(ctx, s.store)
}

// Backups lists the latest backup runs and when a backup last succeeded
// (ok is false when none ever did).
func (s *Service) Backups(ctx context.Context, limit int) (runs []BackupRun, lastGood time.Time, ok bool, err error) {
	if runs, err = s.store.BackupRuns(ctx, limit); err != nil {
		return nil, time.Time{}, false, err
	}
	lastGood, ok, err = s.store.LastGoodBackup(ctx)
	return runs, lastGood, ok, err
}
