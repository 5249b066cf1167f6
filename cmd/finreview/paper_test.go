package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"finreview/internal/signature"
)

// TestPaperKeygen: the installation's SM2 key is written once, readable
// by the signer, and never overwritten.
func TestPaperKeygen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sm2.pem")
	var out, errOut bytes.Buffer
	c := &cli{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	if err := c.paper(context.Background(), []string{"keygen", "--out", path}); err != nil {
		t.Fatal(err)
	}
	s, err := signature.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign("digest")
	if err != nil || !s.Verify("digest", sig) {
		t.Fatalf("the generated key does not sign: %v", err)
	}
	if err := c.paper(context.Background(), []string{"keygen", "--out", path}); err == nil {
		t.Fatal("an existing key was overwritten")
	}
}
