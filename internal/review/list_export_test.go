package review_test

import (
	"encoding/json"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/workflow"
)

// TestExportReviewsReadsInBatches: an export yields every review the list
// shows, in its order, across batch boundaries (2,500 reviews in batches
// of 1,000), at most the bound asked, within the reader's scope; and it is
// in the audit trail with its filter and row count before the first row is
// read.
func TestExportReviewsReadsInBatches(t *testing.T) {
	h := newHarness(t)
	if _, err := h.s.DB.ExecContext(h.ctx, `INSERT INTO reviews (project_id, kind, state, jurisdiction_id, unit_org_id,
		  submitted_amount, created_at, updated_at)
		SELECT p.id, 'settlement', 'submitted', p.jurisdiction_id, p.unit_org_id, 1000 + s.seq, NOW(), NOW()
		FROM seq_1_to_2500 s JOIN projects p ON p.code = 'LH-2026-001'`); err != nil {
		t.Fatal(err)
	}
	f := store.ReviewFilter{States: []workflow.State{workflow.Submitted}, Sort: "amount", Desc: true}
	center := h.p("pingshen")
	list, total, err := h.svc.List(h.ctx, center, store.ReviewFilter{States: f.States, Sort: f.Sort, Desc: f.Desc, Limit: 5000})
	if err != nil || total < 2500 {
		t.Fatalf("list: %d reviews, %v", total, err)
	}
	events := func() []store.AuditEvent {
		t.Helper()
		es, _, err := h.s.AuditEvents(h.ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: "export_reviews", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	rows, err := h.svc.ExportReviews(h.ctx, center, f, map[string]string{"state": "submitted"}, 200000)
	if err != nil {
		t.Fatal(err)
	}
	recorded := events()
	if len(recorded) != 1 {
		t.Fatalf("%d export events before reading, want 1", len(recorded))
	}
	var detail struct {
		Rows   int               `json:"rows"`
		Filter map[string]string `json:"filter"`
	}
	if err := json.Unmarshal([]byte(recorded[0].Detail), &detail); err != nil || detail.Rows != total || detail.Filter["state"] != "submitted" {
		t.Fatalf("export event detail %s (%v), want %d rows and the filter", recorded[0].Detail, err, total)
	}
	i := 0
	for r, err := range rows {
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(list) || r.ID != list[i].ID {
			t.Fatalf("row %d is review %d, the list has another there", i, r.ID)
		}
		i++
	}
	if i != total {
		t.Fatalf("exported %d reviews, the list has %d", i, total)
	}
	capped, err := h.svc.ExportReviews(h.ctx, center, f, nil, 1500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range capped {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1500 {
		t.Fatalf("an export bounded to 1,500 gave %d", n)
	}
	unit := h.p("jianshe")
	other, err := h.svc.ExportReviews(h.ctx, auth.Principal{UserID: unit.UserID, Role: auth.ConstructionUnit, OrgID: -5}, f, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	for r := range other {
		t.Fatalf("a unit with no reviews exported review %d", r.ID)
	}
}
