package assign

import (
	"reflect"
	"testing"
)

// Every firm of the library is accounted for: those the walk looked at in
// Considered, the rest in Others with why each was not chosen.
func TestChooseAccountsForEveryFirm(t *testing.T) {
	// Ranked 1, 2, 3, 4, 5; last delegated 1; 2 suspended → 3 chosen;
	// 4 fit but not reached, 5 at capacity, 1 fit but not reached.
	f1, f2, f3, f4, f5 := firm(1, "95", 1), firm(2, "90", 1), firm(3, "85", 1), firm(4, "80", 1), firm(5, "75", 1)
	f2.Status = Suspended
	f5.Capacity, f5.OpenReviews = 1, 1
	ch, err := Choose([]Firm{f1, f2, f3, f4, f5}, cursorAt(f1), settlement())
	if err != nil {
		t.Fatalf("Choose: %v", err)
	}
	if got := consideredIDs(ch.Considered); !reflect.DeepEqual(got, []int64{2, 3}) {
		t.Fatalf("considered %v, want [2 3]", got)
	}
	if got := consideredIDs(ch.Others); !reflect.DeepEqual(got, []int64{4, 5, 1}) {
		t.Fatalf("others %v, want [4 5 1]", got)
	}
	want := []SkipReason{SkipNotReached, SkipAtCapacity, SkipNotReached}
	for i, o := range ch.Others {
		if !o.Skipped || o.Reason != want[i] || o.Detail == "" {
			t.Fatalf("other %d = %+v, want skipped for %s with a detail", i, o, want[i])
		}
	}
}

func TestOverrideAccountsForEveryFirm(t *testing.T) {
	f1, f2, f3 := firm(1, "95", 1), firm(2, "90", 1), firm(3, "85", 1)
	f2.Status = Suspended
	ch, err := Override([]Firm{f1, f2, f3}, Cursor{}, 3, settlement(), "紧急项目")
	if err != nil {
		t.Fatalf("Override: %v", err)
	}
	if got := consideredIDs(ch.Others); !reflect.DeepEqual(got, []int64{1, 2}) {
		t.Fatalf("others %v, want [1 2]", got)
	}
	if ch.Others[0].Reason != SkipOverridden || ch.Others[1].Reason != SkipSuspended {
		t.Fatalf("reasons %s, %s", ch.Others[0].Reason, ch.Others[1].Reason)
	}
}
