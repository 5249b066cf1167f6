package pii_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"finreview/internal/cryptosuite"
	"finreview/internal/pii"
)

func TestMask(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"mobile", pii.MaskPhone("13812345678"), "138****5678"},
		{"landline", pii.MaskPhone("0478-8123456"), "0478-***3456"},
		{"empty phone", pii.MaskPhone(""), ""},
		{"id card", pii.MaskID("150802199001011234"), "150802********1234"},
		{"id card ending in X", pii.MaskID("15080219900101123X"), "150802********123X"},
		{"email", pii.MaskEmail("wangli@example.com"), "w*****@example.com"},
		{"short email", pii.MaskEmail("a@b.cn"), "a***@b.cn"},
		{"too short to keep anything", pii.MaskPhone("1234"), "****"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestSealer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pii.key")
	if err := os.WriteFile(path, []byte("00112233445566778899aabbccddeeff\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := pii.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pii.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("13812345678")
	if err != nil || !strings.HasPrefix(sealed, "sm4:") || strings.Contains(sealed, "13812345678") {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	again, _ := s.Seal("13812345678")
	if again == sealed {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
	if plain, err := s.Open(sealed); err != nil || plain != "13812345678" {
		t.Fatalf("open %q, %v", plain, err)
	}
	if plain, err := s.Open("13812345678"); err != nil || plain != "13812345678" {
		t.Fatalf("a value stored before sealing: %q, %v", plain, err)
	}
	other, _ := pii.NewSealer([]byte("0123456789abcdef"))
	if _, err := other.Open(sealed); err == nil {
		t.Fatal("a different key opened the value")
	}
	var none *pii.Sealer
	if _, err := none.Open(sealed); err == nil {
		t.Fatal("a sealed value opened without a key")
	}
}

// TestSealerFollowsTheSuite: 国密 seals with SM4, the international suite
// with AES; each opens what the other sealed, so values written before
// the choice still read.
func TestSealerFollowsTheSuite(t *testing.T) {
	key := []byte("0123456789abcdef")
	gm, err := pii.NewSuiteSealer(cryptosuite.GM, key)
	if err != nil {
		t.Fatal(err)
	}
	intl, err := pii.NewSuiteSealer(cryptosuite.Intl, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		by, other *pii.Sealer
		prefix    string
	}{{gm, intl, "sm4:"}, {intl, gm, "aes:"}} {
		sealed, err := tc.by.Seal("13812345678")
		if err != nil || !strings.HasPrefix(sealed, tc.prefix) {
			t.Fatalf("sealed %q, %v; want prefix %s", sealed, err, tc.prefix)
		}
		for _, s := range []*pii.Sealer{tc.by, tc.other} {
			if v, err := s.Open(sealed); err != nil || v != "13812345678" {
				t.Fatalf("open %s: %q %v", tc.prefix, v, err)
			}
		}
	}
}
