package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// The total Documents gives is the count of the whole list whatever the
// page, whether the page leaves it to be counted (a page with room left
// ends the list) or counts it (a full page, or one past the end).
func TestDocumentsTotal(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	add := func(category, name string) {
		t.Helper()
		err := s.InTx(ctx, func(q *store.Queries) error {
			id, err := q.InsertPendingDocument(ctx, store.Document{ReviewID: r.ID, Category: category, Name: name,
				ObjectKey: fmt.Sprintf("test/%d/%s/%d", r.ID, name, time.Now().UnixNano()), ContentType: "application/pdf", CreatedAt: time.Now()})
			if err != nil {
				return err
			}
			_, err = q.CommitDocument(ctx, id, store.DocumentCommit{Size: 4, SHA256: "00", ContentType: "application/pdf", At: time.Now()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		add("submission", fmt.Sprintf("送审资料%d.pdf", i))
	}
	add("submission", "送审资料0.pdf") // a second version: one line when only the latest count
	add("report", "审核报告.pdf")
	for _, c := range []struct {
		f    store.DocumentFilter
		want int
	}{
		{store.DocumentFilter{}, 6},
		{store.DocumentFilter{LatestOnly: true}, 5},
		{store.DocumentFilter{Category: "report"}, 1},
		{store.DocumentFilter{Category: "survey_photo"}, 0},
	} {
		for limit := 1; limit <= c.want+1; limit++ {
			for offset := 0; offset <= c.want+1; offset++ {
				f := c.f
				f.Limit, f.Offset = limit, offset
				rows, total, err := s.Documents(ctx, r.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				if total != c.want || len(rows) != max(0, min(limit, c.want-offset)) {
					t.Errorf("%+v: %d rows of %d, want %d rows of %d", f, len(rows), total, max(0, min(limit, c.want-offset)), c.want)
				}
			}
		}
	}
}
