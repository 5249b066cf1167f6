package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCalendarDue(t *testing.T) {
	dir := t.TempDir()
	override := filepath.Join(dir, "days.csv")
	if err := os.WriteFile(override, []byte("date,kind,name\n2025-10-01,holiday,国庆节\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(badFile, []byte("date,kind,name\n2025-09-30,workday,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		args       []string
		wantStdout string // exact
		wantStderr string // substring; "" means stderr must be empty
		wantErr    string // substring of the error; "" means success
		usage      bool   // the error must be errUsage
	}{
		{
			name:       "json for the DESIGN.md example",
			args:       []string{"due", "--from", "2025-09-30", "--workdays", "5", "--json"},
			wantStdout: `{"from":"2025-09-30","workdays":5,"due":"2025-10-14"}` + "\n",
		},
		{
			name:       "readable Chinese line",
			args:       []string{"due", "--from=2025-09-30", "--workdays=5"},
			wantStdout: "2025-09-30 起 5 个工作日,截止 2025-10-14 23:59:59(北京时间)\n",
		},
		{
			name:       "a year without data warns and still succeeds",
			args:       []string{"due", "--from", "2026-12-31", "--workdays", "2", "--json"},
			wantStdout: `{"from":"2026-12-31","workdays":2,"due":"2027-01-04"}` + "\n",
			wantStderr: "警告: 2027 年没有节假日数据,已按周一至周五计算",
		},
		{
			name: "a calendar file replaces the built-in data",
			args: []string{"due", "--from", "2025-09-30", "--workdays", "5", "--calendar", override, "--json"},
			// only 10-01 is a holiday in the file: 10-02, 03, 06, 07, 08
			wantStdout: `{"from":"2025-09-30","workdays":5,"due":"2025-10-08"}` + "\n",
		},
		{
			name:    "an invalid calendar file names the line",
			args:    []string{"due", "--from", "2025-09-30", "--workdays", "5", "--calendar", badFile},
			wantErr: "第 2 行",
		},
		{
			name:    "a missing calendar file",
			args:    []string{"due", "--from", "2025-09-30", "--workdays", "5", "--calendar", filepath.Join(dir, "none.csv")},
			wantErr: "--calendar",
		},
		{
			name:    "bad --from",
			args:    []string{"due", "--from", "2025-13-01", "--workdays", "5"},
			wantErr: "--from: ",
			usage:   true,
		},
		{
			name:    "missing --from",
			args:    []string{"due", "--workdays", "5"},
			wantErr: "--from: ",
			usage:   true,
		},
		{
			name:    "zero working days",
			args:    []string{"due", "--from", "2025-09-30", "--workdays", "0"},
			wantErr: "--workdays: ",
			usage:   true,
		},
		{
			name:    "non-number working days",
			args:    []string{"due", "--from", "2025-09-30", "--workdays", "five"},
			wantErr: "--workdays: ",
			usage:   true,
		},
		{
			name:       "unknown subcommand",
			args:       []string{"list"},
			wantStderr: "finreview calendar due",
			wantErr:    "unknown calendar command",
			usage:      true,
		},
		{
			name:       "no subcommand",
			args:       nil,
			wantStderr: "finreview calendar due",
			wantErr:    "usage",
			usage:      true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			c := &cli{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
			err := c.calendar(context.Background(), tc.args)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("calendar(%q): %v", tc.args, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("calendar(%q) succeeded, want error containing %q", tc.args, tc.wantErr)
			case err != nil && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("error = %q, want it to contain %q", err, tc.wantErr)
			}
			if tc.usage && !errors.Is(err, errUsage) {
				t.Errorf("error %v is not errUsage", err)
			}
			if tc.wantErr == "" && out.String() != tc.wantStdout {
				t.Errorf("stdout = %q, want %q", out.String(), tc.wantStdout)
			}
			if tc.wantStderr == "" && errb.Len() > 0 {
				t.Errorf("unexpected stderr %q", errb.String())
			}
			if tc.wantStderr != "" && !strings.Contains(errb.String(), tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", errb.String(), tc.wantStderr)
			}
		})
	}
}
