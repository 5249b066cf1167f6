package web_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/workflow"
)

// The review page's action forms are the review service's table of
// triggers: one form per trigger the viewer may fire, with the table's
// fields, and a confirmation before an irreversible step.
func TestReviewActionFormsFollowTheTable(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := context.Background()
	svc := review.NewService(review.Options{Store: e.s})
	rows, _, err := e.s.Reviews(ctx, store.Scope{All: true}, store.ReviewFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[workflow.Trigger]bool{}
	for _, user := range []string{"jianshe", "caizheng", "pingshen"} {
		u, err := e.s.UserByUsername(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		p := auth.FromUser(u)
		sess := e.as(user)
		for _, r := range rows {
			v, err := svc.Get(ctx, p, r.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			forms, err := svc.Forms(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			_, body := e.get(sess, "/reviews/"+itoa(r.ID))
			page := string(body)
			if got, want := strings.Count(page, `data-testid="form-`), len(forms); got != want {
				t.Errorf("%s on review %d (%s): %d forms on the page, %d permitted", user, r.ID, r.State, got, want)
			}
			for _, f := range forms {
				seen[f.Trigger] = true
				start := strings.Index(page, `data-testid="form-`+string(f.Trigger)+`"`)
				if start < 0 {
					t.Errorf("%s on review %d: no form for %s", user, r.ID, f.Trigger)
					continue
				}
				form := page[start:]
				form = form[:strings.Index(form, "</form>")]
				for _, fd := range f.Fields {
					if fd.Kind == "checks" && len(fd.Options) == 0 {
						continue
					}
					if !strings.Contains(form, `name="`+fd.Name+`"`) || !strings.Contains(form, fd.Label) {
						t.Errorf("%s on review %d: form %s lacks field %s (%s)", user, r.ID, f.Trigger, fd.Name, fd.Label)
					}
				}
				confirm := strings.Contains(page[start-300:start], `data-confirm="确定执行“`+f.Label+`”?此操作不可撤销。"`)
				if confirm != f.Trigger.Irreversible() {
					t.Errorf("%s on review %d: form %s asks for confirmation: %v", user, r.ID, f.Trigger, confirm)
				}
			}
		}
	}
	if len(seen) < 5 {
		t.Fatalf("only %d triggers offered across the demo reviews: %v", len(seen), seen)
	}
}
