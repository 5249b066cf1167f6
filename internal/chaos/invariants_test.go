package chaos

import (
	"context"
	"log/slog"
	"time"

	"github.com/minio/minio-go/v7"

	"finreview/internal/audit"
	"finreview/internal/docs"
)

// checkInvariants asserts, with every server stopped, that nothing was
// lost, duplicated or half-written.
func (w *world) checkInvariants() {
	t := w.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := w.s.DB

	// Reviews: every committed change left exactly one event, and the
	// state is where the last event took it.
	rows, err := db.QueryContext(ctx, `SELECT r.id, r.state, r.version,
		  (SELECT COUNT(*) FROM review_events e WHERE e.review_id = r.id),
		  COALESCE((SELECT e.to_state FROM review_events e WHERE e.review_id = r.id ORDER BY e.id DESC LIMIT 1), 'draft')
		FROM reviews r`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id int64
		var state, last string
		var version, events int
		if err := rows.Scan(&id, &state, &version, &events, &last); err != nil {
			t.Fatal(err)
		}
		n++
		if version != 1+events {
			t.Errorf("review %d: version %d but %d events (want version = 1 + events)", id, version, events)
		}
		if state != last {
			t.Errorf("review %d: state %s but last event went to %s", id, state, last)
		}
	}
	rows.Close()
	if n == 0 {
		t.Fatal("no reviews to check")
	}

	// Deadlines: each opinion deadline deemed agreed at most once.
	var twice int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT review_id FROM review_events WHERE trig = 'deem_agreed'
		GROUP BY review_id HAVING COUNT(*) > 1) x`).Scan(&twice); err != nil {
		t.Fatal(err)
	}
	if twice != 0 {
		t.Errorf("%d reviews were deemed agreed more than once", twice)
	}
	var firedTwice int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT review_id FROM deadlines WHERE kind = 'opinion' AND state = 'fired'
		GROUP BY review_id HAVING COUNT(*) > 1) x`).Scan(&firedTwice); err != nil {
		t.Fatal(err)
	}
	if firedTwice != 0 {
		t.Errorf("%d reviews have more than one fired opinion deadline", firedTwice)
	}

	// Papers: numbers of each series are gap-free and unique.
	prow, err := db.QueryContext(ctx, `SELECT jurisdiction_id, kind, year, COUNT(*), MAX(number), COUNT(DISTINCT number)
		FROM papers GROUP BY jurisdiction_id, kind, year`)
	if err != nil {
		t.Fatal(err)
	}
	for prow.Next() {
		var j int64
		var kind string
		var year, count, max, distinct int
		if err := prow.Scan(&j, &kind, &year, &count, &max, &distinct); err != nil {
			t.Fatal(err)
		}
		if count != max || distinct != count {
			t.Errorf("papers %d/%s/%d: %d papers, highest number %d, %d distinct", j, kind, year, count, max, distinct)
		}
	}
	prow.Close()

	// Documents: an upload cut off by the kill is only a pending row the
	// sweep removes; after it, every committed row has its object with the
	// recorded size and no object is left without a committed row.
	svc := docs.NewService(w.s, w.objects, time.Now, slog.New(slog.DiscardHandler))
	if _, err := svc.Sweep(ctx, 0); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	var pending int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM documents WHERE status = 'pending'").Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d documents still pending after the sweep", pending)
	}
	drows, err := db.QueryContext(ctx, "SELECT id, object_key, size, COALESCE(thumb_key, '') FROM documents WHERE status = 'committed'")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	type doc struct {
		id   int64
		key  string
		size int64
	}
	var committed []doc
	for drows.Next() {
		var d doc
		var thumb string
		if err := drows.Scan(&d.id, &d.key, &d.size, &thumb); err != nil {
			t.Fatal(err)
		}
		known[d.key] = true
		if thumb != "" {
			known[thumb] = true
		}
		committed = append(committed, d)
	}
	drows.Close()
	for _, d := range committed {
		info, err := w.objects.Client.StatObject(ctx, w.objects.Bucket, d.key, minio.StatObjectOptions{})
		if err != nil {
			t.Errorf("committed document %d: object %s: %v", d.id, d.key, err)
			continue
		}
		if info.Size != d.size {
			t.Errorf("committed document %d: object size %d, row says %d", d.id, info.Size, d.size)
		}
	}
	for obj := range w.objects.Client.ListObjects(ctx, w.objects.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("list objects: %v", obj.Err)
		}
		if !known[obj.Key] {
			t.Errorf("object %s has no committed document row", obj.Key)
		}
	}

	// The audit chain is whole.
	res, err := audit.Verify(ctx, w.s)
	if err != nil || !res.OK {
		t.Errorf("audit verify: %+v %v", res, err)
	}
	t.Logf("checked %d reviews, %d committed documents, %d audit events", n, len(committed), res.Events)
}

// count runs a COUNT query.
func (w *world) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.s.DB.QueryRow(query, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
	return n
}
