// Package pii masks personal information (phone numbers, ID-card numbers,
// email addresses) for display and export, and seals it at rest in GCM
// mode under a key read from a file: with SM4 (GB/T 32907) when the
// installation chose 国密, with AES-128 otherwise.
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

	"finreview/internal/cryptosuite"
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

// A sealed value in the database starts with its cipher's prefix; a
// value without one was written before a key was configured and is read
// as it is.
var sealedPrefixes = map[cryptosuite.Suite]string{cryptosuite.GM: "sm4:", cryptosuite.Intl: "aes:"}

// Sealer seals and opens personal information with SM4-GCM or AES-GCM. A
// nil Sealer leaves values as they are (no key configured).
type Sealer struct {
	// suite is the cipher new values are sealed with.
	suite cryptosuite.Suite
	// aead opens values by their prefix's suite.
	aead map[cryptosuite.Suite]cipher.AEAD
}

// NewSealer builds an SM4-GCM sealer from a 16-byte key.
func NewSealer(key []byte) (*Sealer, error) { return NewSuiteSealer(cryptosuite.GM, key) }

// NewSuiteSealer builds a sealer that seals with the suite's cipher (SM4
// for 国密, AES-128 otherwise) from a 16-byte key, and opens values sealed
// with either.
func NewSuiteSealer(suite cryptosuite.Suite, key []byte) (*Sealer, error) {
	s := &Sealer{suite: suite, aead: map[cryptosuite.Suite]cipher.AEAD{}}
	for _, x := range []cryptosuite.Suite{cryptosuite.GM, cryptosuite.Intl} {
		block, err := x.NewBlock(key)
		if err != nil {
			return nil, fmt.Errorf("%s key: %w", sealedPrefixes[x], err)
		}
		if s.aead[x], err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
	}
	return s, nil
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
	aead := s.aead[s.suite]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, []byte(v), nil)
	return sealedPrefixes[s.suite] + base64.StdEncoding.EncodeToString(out), nil
}

// ErrNoKey refuses to open a sealed value without a key.
var ErrNoKey = errors.New("personal information is sealed but no key is configured (FINREVIEW_PII_KEY_FILE)")

// Open decrypts a stored value; a value stored before sealing began is
// returned as it is.
func (s *Sealer) Open(v string) (string, error) {
	var suite cryptosuite.Suite
	var b64 string
	for x, prefix := range sealedPrefixes {
		if rest, ok := strings.CutPrefix(v, prefix); ok {
			suite, b64 = x, rest
		}
	}
	if suite == "" {
		return v, nil
	}
	if s == nil {
		return "", ErrNoKey
	}
	aead := s.aead[suite]
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("sealed value is damaged")
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", fmt.Errorf("open sealed value: %w", err)
	}
	return string(plain), nil
}
