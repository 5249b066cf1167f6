// Package signature signs the digests of issued papers with SM2
// (GB/T 32918.2, github.com/emmansun/gmsm) and checks those signatures.
package signature

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Signer holds an SM2 private key.
type Signer struct {
	key *sm2.PrivateKey
}

// Generate makes a new signer with a fresh key.
func Generate() (*Signer, error) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Signer{key: k}, nil
}

// Load reads a PEM "PRIVATE KEY" (PKCS#8) holding an SM2 key.
func Load(path string) (*Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM PRIVATE KEY")
	}
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse key: %w", err)
	}
	sk, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, errors.New("the key is not an SM2 key")
	}
	return &Signer{key: sk}, nil
}

// PEM is the signer's key as a PEM "PRIVATE KEY", for its key file.
func (s *Signer) PEM() ([]byte, error) {
	der, err := smx509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Sign signs a digest (as recorded, hex) and returns the base64 ASN.1
// signature.
func (s *Signer) Sign(digest string) (string, error) {
	sig, err := s.key.Sign(rand.Reader, []byte(digest), sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Verify reports whether sig is the signer's key's signature of digest.
func (s *Signer) Verify(digest, sig string) bool {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	return sm2.VerifyASN1WithSM2(&s.key.PublicKey, nil, []byte(digest), raw)
}
