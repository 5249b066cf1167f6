package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

func TestCalendarDueWithDatabaseDays(t *testing.T) {
	s := testenv.DB(t)
	ctx := context.Background()
	if err := s.UpsertCalendarDay(ctx, store.CalendarDay{Date: calendar.NewDate(2025, time.October, 9), Kind: calendar.Holiday,
		Name: "测试加放", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		dsn        string
		wantStdout string
		wantStderr string // "" means none
	}{
		{"database rows override the built-in data", testenv.DSN(t, name),
			`{"from":"2025-09-30","workdays":5,"due":"2025-10-15"}` + "\n", ""},
		{"no FINREVIEW_DSN: built-in data only, silently", "",
			`{"from":"2025-09-30","workdays":5,"due":"2025-10-14"}` + "\n", ""},
		{"unreachable database: built-in data with a note", "root@tcp(127.0.0.1:1)/finreview?parseTime=true&timeout=1s",
			`{"from":"2025-09-30","workdays":5,"due":"2025-10-14"}` + "\n", "未连接数据库,仅使用内置节假日数据"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			env := map[string]string{"FINREVIEW_DSN": tc.dsn}
			c := &cli{getenv: func(k string) string { return env[k] }, stdout: &out, stderr: &errb}
			if err := c.calendar(ctx, []string{"due", "--from", "2025-09-30", "--workdays", "5", "--json"}); err != nil {
				t.Fatalf("calendar due: %v", err)
			}
			if out.String() != tc.wantStdout {
				t.Errorf("stdout = %q, want %q", out.String(), tc.wantStdout)
			}
			switch {
			case tc.wantStderr == "" && errb.Len() > 0:
				t.Errorf("unexpected stderr %q", errb.String())
			case tc.wantStderr != "" && (!strings.Contains(errb.String(), tc.wantStderr) || strings.Count(errb.String(), "\n") != 1):
				t.Errorf("stderr = %q, want one line with %q", errb.String(), tc.wantStderr)
			}
		})
	}
}
