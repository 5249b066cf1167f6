package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestCommandsAnswerHelpAndMistakes: every command table answers help on
// stdout, and no command, an unknown one or a missing password as a
// mistake with its usage on stderr.
func TestCommandsAnswerHelpAndMistakes(t *testing.T) {
	tests := []struct {
		args       []string
		wantStdout string // substring; "" means stdout must be empty
		wantStderr string // substring; "" means stderr must be empty
		wantErr    string // substring of the error; "" means success
		usage      bool
	}{
		{args: []string{"help"}, wantStdout: "finreview migrate"},
		{args: []string{"--help"}, wantStdout: "finreview migrate"},
		{args: nil, wantStderr: "finreview migrate", wantErr: "usage", usage: true},
		{args: []string{"frobnicate"}, wantStderr: "finreview migrate", wantErr: `unknown command "frobnicate"`, usage: true},
		{args: []string{"calendar", "-h"}, wantStdout: "calendar due"},
		{args: []string{"calendar"}, wantStderr: "calendar due", wantErr: "usage", usage: true},
		{args: []string{"calendar", "soon"}, wantStderr: "calendar due", wantErr: `unknown calendar command "soon"`, usage: true},
		{args: []string{"migrate", "-x"}, wantStderr: "flag provided but not defined: -x", wantErr: "usage", usage: true},
		{args: []string{"user", "passwd", "--username", "zhang"}, wantErr: "密码: 请从标准输入提供密码"},
		{args: []string{"user", "add", "--username", "zhang"}, wantErr: "密码: 请从标准输入提供密码"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			c := &cli{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
			err := c.run(context.Background(), tc.args)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
			case tc.usage != errors.Is(err, errUsage):
				t.Fatalf("error %v: usage mistake %v, want %v", err, errors.Is(err, errUsage), tc.usage)
			}
			for _, w := range []struct {
				name, got, want string
			}{{"stdout", out.String(), tc.wantStdout}, {"stderr", errb.String(), tc.wantStderr}} {
				if w.want == "" && w.got != "" || !strings.Contains(w.got, w.want) {
					t.Errorf("%s = %q, want %q", w.name, w.got, w.want)
				}
			}
		})
	}
}
