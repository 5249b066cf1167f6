package docs

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/sm3"

	"finreview/internal/signature"
)

// PaperCheck is the outcome of checking an issued paper: the digest of the
// stored file against the recorded one, and the SM2 signature of it.
type PaperCheck struct {
	DocNumber   string
	RecordedSM3 string
	ComputedSM3 string
	Signed      bool
	SignatureOK bool
}

// OK reports whether the file is unchanged and its signature holds.
func (c PaperCheck) OK() bool {
	return c.RecordedSM3 != "" && c.RecordedSM3 == c.ComputedSM3 && c.Signed && c.SignatureOK
}

// VerifyPaper reads the stored file of the paper with a document number,
// computes its SM3 digest and checks the recorded signature with key.
func (s *Service) VerifyPaper(ctx context.Context, docNumber string, key *signature.Signer) (PaperCheck, error) {
	p, err := s.store.PaperSealByNumber(ctx, docNumber)
	if err != nil {
		return PaperCheck{}, err
	}
	obj, err := s.objects.Get(ctx, p.ObjectKey)
	if err != nil {
		return PaperCheck{}, err
	}
	defer obj.Close()
	h := sm3.New()
	if _, err := io.Copy(h, obj); err != nil {
		return PaperCheck{}, fmt.Errorf("read paper %s: %w", docNumber, err)
	}
	c := PaperCheck{DocNumber: p.DocNumber, RecordedSM3: p.SM3, ComputedSM3: hex.EncodeToString(h.Sum(nil)),
		Signed: p.Signature != ""}
	c.SignatureOK = c.Signed && key.Verify(p.SM3, p.Signature)
	return c, nil
}
