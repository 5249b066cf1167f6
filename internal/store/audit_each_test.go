package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestEachAuditEventOfAsListed: the export's read gives the events the
// listing gives, in its order and as many as asked, each with every field
// the export shows (id, time, actor, action, review, object, detail,
// hash) as listed; an error of fn's stops it and is returned.
func TestEachAuditEventOfAsListed(t *testing.T) {
	s := testenv.DB(t)
	r := seedReview(t, s)
	ctx := context.Background()
	at := time.Date(2026, 12, 6, 23, 59, 58, 123456000, time.Local)
	for i, e := range []audit.Entry{
		{ActorID: 1, ActorName: "临河区财政局 张伟", Action: "submit", ReviewID: r.ID, ObjectType: "review", ObjectID: "LH-1",
			Detail: map[string]any{"from": "draft", "note": `A&B <公司> "甲"` + "\n第二行 😀"}},
		{ActorName: "系统", Action: "login_failed", ObjectType: "user", ObjectID: "caizheng", Detail: map[string]string{"ip": "10.1.1.1"}},
		{ActorID: 2, ActorName: "王强", Action: "conclude", ReviewID: r.ID, ObjectType: "review", ObjectID: "LH-1"},
	} {
		if err := s.InTx(ctx, func(q *store.Queries) error {
			_, err := audit.Append(ctx, q, at.Add(time.Duration(i)*time.Second), e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []store.AuditEventsFilter{{}, {ReviewID: r.ID}, {Action: "login_failed"}} {
		f.Limit = 100
		listed, _, err := s.AuditEvents(ctx, store.Scope{All: true}, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(listed) < 1 {
			t.Fatalf("filter %+v lists nothing", f)
		}
		for _, limit := range []int{len(listed), 1} {
			var got []store.AuditEvent
			if err := s.EachAuditEventOf(ctx, store.Scope{All: true}, f, limit, func(e store.AuditEvent) error {
				got = append(got, e)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != limit {
				t.Fatalf("filter %+v limit %d: %d events", f, limit, len(got))
			}
			for i, e := range got {
				want := listed[i]
				if e.ID != want.ID || !e.At.Equal(want.At) || e.ActorName != want.ActorName || e.Action != want.Action ||
					e.ReviewID != want.ReviewID || e.ObjectType != want.ObjectType || e.ObjectID != want.ObjectID ||
					e.Detail != want.Detail || e.Hash != want.Hash || e.Hash == "" {
					t.Fatalf("filter %+v event %d:\n got %+v\nwant %+v", f, i, e, want)
				}
			}
		}
	}
	stop := errors.New("stop")
	n := 0
	err := s.EachAuditEventOf(ctx, store.Scope{All: true}, store.AuditEventsFilter{}, 100, func(store.AuditEvent) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn's error: %v after %d events", err, n)
	}
}
