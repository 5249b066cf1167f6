package signature_test

import (
	"os"
	"path/filepath"
	"testing"

	"finreview/internal/signature"
)

func TestSignAndVerify(t *testing.T) {
	s, err := signature.Generate()
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := s.PEM()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sm2.pem")
	if err := os.WriteFile(path, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := signature.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	digest := "ab0efb7b1af81898538aaebe1a4996e6df1fcba404941cdd26b5a1cdee473267"
	sig, err := s.Sign(digest)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Verify(digest, sig) {
		t.Fatal("a signature does not verify with the key read back")
	}
	if loaded.Verify(digest[:63]+"8", sig) {
		t.Fatal("a signature verifies a different digest")
	}
	other, _ := signature.Generate()
	if other.Verify(digest, sig) {
		t.Fatal("a signature verifies under another key")
	}
}
