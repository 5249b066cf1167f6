package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"finreview/internal/audit"
	"finreview/internal/store"
	"finreview/internal/testenv"
)

// TestMigrateRecordsTheSuiteAndAuditVerifyFollowsIt: the first migrate
// records 国密; `finreview audit verify` checks the SM3 chain, refuses a
// configuration with the other suite, and fails once an event is edited.
func TestMigrateRecordsTheSuiteAndAuditVerifyFollowsIt(t *testing.T) {
	ctx := context.Background()
	s := testenv.DB(t)
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	if err := os.WriteFile(keyFile, testenv.AuditKey, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(suite string, args ...string) (string, error) {
		env := map[string]string{"FINREVIEW_DSN": testenv.DSN(t, name), "FINREVIEW_AUDIT_KEY_FILE": keyFile, "FINREVIEW_CRYPTO_SUITE": suite}
		var out bytes.Buffer
		c := &cli{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &out}
		err := c.run(ctx, args)
		return out.String(), err
	}
	if out, err := run("gm", "migrate"); err != nil || !strings.Contains(out, "国密") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	gm := store.New(s.DB)
	if err := gm.RecordSuite(ctx, "gm"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := gm.InTx(ctx, func(q *store.Queries) error {
			_, err := audit.Append(ctx, q, time.Now().Add(time.Duration(i)*time.Second), audit.Entry{ActorName: "测试", Action: "login"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := run("gm", "audit", "verify"); err != nil || !strings.Contains(out, "sm3") || !strings.Contains(out, "审计链完整") {
		t.Fatalf("verify: %v %s", err, out)
	}
	for _, args := range [][]string{{"audit", "verify"}, {"migrate"}} {
		_, err := run("intl", args...)
		var mismatch *store.SuiteMismatchError
		if !errors.As(err, &mismatch) || !strings.Contains(err.Error(), "FINREVIEW_CRYPTO_SUITE 改回 gm") {
			t.Fatalf("%v with the other suite: %v", args, err)
		}
	}
	if _, err := s.DB.Exec("UPDATE audit_events SET detail = '{\"x\":1}' WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	if out, err := run("gm", "audit", "verify"); !errors.Is(err, errAuditBroken) || !strings.Contains(out, "哈希链断裂") {
		t.Fatalf("verify after tampering: %v %s", err, out)
	}
}
