package web_test

import (
	"fmt"
	"regexp"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/review"
	"finreview/internal/store"
)

// TestTodoListsTheActionableReviews: each role's to-do list shows its
// first 50 actionable reviews (the review center's suspended ones too),
// newest first, as the review list would, each with its running deadline.
func TestTodoListsTheActionableReviews(t *testing.T) {
	e := newPagesEnv(t, true)
	ctx := t.Context()
	todo := regexp.MustCompile(`data-testid="todo-(\d+)"`)
	for _, username := range []string{"jianshe", "pingshen", "caizheng"} {
		t.Run(username, func(t *testing.T) {
			u, err := e.s.UserByUsername(ctx, username)
			if err != nil {
				t.Fatal(err)
			}
			p := auth.FromUser(u)
			f := store.ReviewFilter{States: review.ActionableStates(p.Role), Limit: 50}
			if p.Role != auth.ReviewCenter {
				no := false
				f.Suspended = &no
			}
			want, _, err := e.s.Reviews(ctx, p.Scope(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("the demo gives %s nothing to do", username)
			}
			_, body := e.get(e.as(username), "/")
			var got, ids []string
			for _, m := range todo.FindAllSubmatch(body, -1) {
				got = append(got, string(m[1]))
			}
			for _, r := range want {
				ids = append(ids, fmt.Sprint(r.ID))
			}
			if fmt.Sprint(got) != fmt.Sprint(ids) {
				t.Fatalf("to-do list %v, want %v", got, ids)
			}
		})
	}
}
