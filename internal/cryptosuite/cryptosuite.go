// Package cryptosuite names the two sets of algorithms finreview can run
// with, chosen once at installation and recorded in the database: 国密
// (SM3 for the audit chain, SM4 for personal information sealed at rest,
// GB/T 39786-2021) or international (SHA-256 and AES). The primitives come
// from github.com/emmansun/gmsm and the standard library; none is written
// here.
package cryptosuite

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// Suite is a set of algorithms.
type Suite string

// The suites. Intl is what an installation gets unless GM is chosen.
const (
	GM   Suite = "gm"
	Intl Suite = "intl"
)

// Parse reads FINREVIEW_CRYPTO_SUITE; empty is Intl.
func Parse(s string) (Suite, error) {
	switch s {
	case "", string(Intl):
		return Intl, nil
	case string(GM):
		return GM, nil
	}
	return "", fmt.Errorf("应为 gm(国密 SM3/SM4/SM2)或 intl(国际算法 SHA-256/AES),不是 %q", s)
}

// Label names the suite for people.
func (s Suite) Label() string {
	if s == GM {
		return "国密(SM3/SM4/SM2)"
	}
	return "国际算法(SHA-256/AES)"
}

// HashName names the suite's digest ("sm3" or "sha256").
func (s Suite) HashName() string {
	if s == GM {
		return "sm3"
	}
	return "sha256"
}

// NewHash starts the suite's digest: SM3 (GB/T 32905) or SHA-256.
func (s Suite) NewHash() hash.Hash {
	if s == GM {
		return sm3.New()
	}
	return sha256.New()
}

// NewBlock builds the suite's block cipher for a 16-byte key: SM4
// (GB/T 32907) or AES-128.
func (s Suite) NewBlock(key []byte) (cipher.Block, error) {
	if s == GM {
		return sm4.NewCipher(key)
	}
	return aes.NewCipher(key)
}
