package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestUserAddRefusesControlCharactersInTheName: the command line applies
// the same text rule as the pages, before it asks for the password.
func TestUserAddRefusesControlCharactersInTheName(t *testing.T) {
	for _, name := range []string{"张\x00三", "张\u202e三", "张\u0085三", "张\n三", "张\xff三", strings.Repeat("长", 65)} {
		var out, errOut bytes.Buffer
		c := &cli{getenv: func(string) string { return "" }, stdin: strings.NewReader("Xy#2026abcdef\n"), stdout: &out, stderr: &errOut}
		err := c.user(context.Background(), []string{"add", "--username", "zhangsan", "--name", name, "--role", "admin", "--jurisdiction", "市本级"})
		if err == nil || !strings.HasPrefix(err.Error(), "--name: ") {
			t.Errorf("name %q: %v, want an error naming --name", name, err)
		}
	}
}
