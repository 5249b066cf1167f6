package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

func feeDay(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFeeSchedulesVersionsAndInForce(t *testing.T) {
	ctx := context.Background()
	st := testenv.DB(t)
	insert := func(name, from string) store.FeeSchedule {
		t.Helper()
		var row store.FeeSchedule
		err := st.InTx(ctx, func(q *store.Queries) error {
			var err error
			row, err = q.InsertFeeSchedule(ctx, store.FeeSchedule{Name: name, EffectiveFrom: feeDay(t, from), Body: "{}"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return row
	}
	a := insert("A", "2020-01-01")
	b := insert("B", "2024-01-01")
	c := insert("C", "2024-01-01") // same date, later version wins
	if a.Version != 1 || b.Version != 2 || c.Version != 3 {
		t.Fatalf("versions = %d %d %d, want 1 2 3", a.Version, b.Version, c.Version)
	}

	tests := []struct {
		name, date, want string
	}{
		{"before the first schedule", "2019-12-31", ""},
		{"on the first effective day", "2020-01-01", "A"},
		{"the day before the second", "2023-12-31", "A"},
		{"the later version among equal dates", "2024-01-01", "C"},
		{"long after", "2030-06-30", "C"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.FeeScheduleInForce(ctx, feeDay(t, tc.date).Add(23*time.Hour))
			if tc.want == "" {
				if !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("in force on %s = %v, %v; want ErrNotFound", tc.date, got.Name, err)
				}
				return
			}
			if err != nil || got.Name != tc.want {
				t.Fatalf("in force on %s = %q, %v; want %q", tc.date, got.Name, err, tc.want)
			}
		})
	}

	t.Run("a used schedule cannot be updated", func(t *testing.T) {
		if err := st.MarkFeeScheduleUsed(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkFeeScheduleUsed(ctx, a.ID); err != nil {
			t.Fatalf("marking twice: %v", err)
		}
		a.Name = "A2"
		if err := st.UpdateUnusedFeeSchedule(ctx, a); !errors.Is(err, store.ErrScheduleUsed) {
			t.Fatalf("update used = %v, want ErrScheduleUsed", err)
		}
		b.Name = "B2"
		if err := st.UpdateUnusedFeeSchedule(ctx, b); err != nil {
			t.Fatalf("update unused = %v", err)
		}
		got, err := st.FeeScheduleByID(ctx, b.ID)
		if err != nil || got.Name != "B2" {
			t.Fatalf("after update = %q, %v", got.Name, err)
		}
		if err := st.MarkFeeScheduleUsed(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("mark unknown = %v, want ErrNotFound", err)
		}
	})
}
