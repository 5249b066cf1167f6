// Package pii masks personal information (phone numbers, ID-card numbers,
// email addresses) for display and export, and seals it at rest with SM4
// (GB/T 32907) in GCM mode under a key read from a file.
package pii

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm4"
)

// MaskPhone keeps a phone number's first three and last four digits
// (138****5678); a landline keeps its area code and last four digits.
func MaskPhone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if area, num, ok := strings.Cut(s, "-"); ok {
		return area + "-" + maskMiddle(num, 0, 4)
	}
	return maskMiddle(s, 3, 4)
}

// MaskID keeps an ID-card number's first six and last four characters.
func MaskID(s string) string { return maskMiddle(strings.TrimSpace(s), 6, 4) }

// MaskEmail keeps an address's first character and its domain.
func MaskEmail(s string) string {
	local, domain, ok := strings.Cut(strings.TrimSpace(s), "@")
	if !ok {
		return maskMiddle(s, 1, 0)
	}
	if local == "" {
		return "@" + domain
	}
	r, n := utf8.DecodeRuneInString(local)
	return string(r) + strings.Repeat("*", max(utf8.RuneCountInString(local[n:]), 3)) + "@" + domain
}

// maskMiddle replaces all but the first head and last tail characters
// with *; a value too short for both is masked whole.
func maskMiddle(s string, head, tail int) string {
	rs := []rune(s)
	if len(rs) <= head+tail {
		return strings.Repeat("*", len(rs))
	}
	return string(rs[:head]) + strings.Repeat("*", len(rs)-head-tail) + string(rs[len(rs)-tail:])
}

// sealedPrefix marks a sealed value in the database; a value without it
// was written before a key was configured and is read as it is.
const sealedPrefix = "sm4:"

// Sealer seals and opens personal information with SM4-GCM. A nil Sealer
// leaves values as they are (no key configured).
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer builds a sealer from a 16-byte SM4 key.
func NewSealer(key []byte) (*Sealer, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sm4 key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// LoadKeyFile reads an SM4 key: 32 hexadecimal digits (surrounding white
// space ignored) or 16 raw bytes.
func LoadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if t := strings.TrimSpace(string(b)); len(t) == 32 {
		if k, err := hex.DecodeString(t); err == nil {
			return k, nil
		}
	}
	if len(b) == 16 {
		return b, nil
	}
	return nil, errors.New("the key must be 32 hexadecimal digits or 16 bytes")
}

// Seal encrypts a value for storage ("" stays "").
func (s *Sealer) Seal(v string) (string, error) {
	if s == nil || v == "" {
		return v, nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(v), nil)
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// ErrNoKey refuses to open a sealed value without a key.
var ErrNoKey = errors.New("personal information is sealed but no key is configured (FINREVIEW_PII_KEY_FILE)")

// Open decrypts a stored value; a value stored before sealing began is
// returned as it is.
func (s *Sealer) Open(v string) (string, error) {
	b64, ok := strings.CutPrefix(v, sealedPrefix)
	if !ok {
		return v, nil
	}
	if s == nil {
		return "", ErrNoKey
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("sealed value is damaged")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", fmt.Errorf("open sealed value: %w", err)
	}
	return string(plain), nil
}
