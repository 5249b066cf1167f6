package firm

import (
	"errors"
	"fmt"
	"strings"

	"finreview/internal/assign"
	"finreview/internal/auth"
	"finreview/internal/input"
)

// fieldErr is invalid input in one field (the web layer answers 422).
func fieldErr(field, msg string) error { return &input.FieldError{Name: field, Msg: msg} }

// StatusError is a refusal with its own HTTP status and stable code.
type StatusError = auth.RefusedError

func conflictErr(code, msg string) *StatusError {
	return &StatusError{Status: 409, Reason: code, Msg: msg}
}

// NoEligibleFirmError reports that rotation skipped every firm; nothing was
// written and the cursor did not move.
type NoEligibleFirmError struct {
	Considered []assign.Consideration
}

func (e *NoEligibleFirmError) Error() string {
	if len(e.Considered) == 0 {
		return "没有符合条件的中介机构:本区划中介机构库为空"
	}
	parts := make([]string, len(e.Considered))
	for i, c := range e.Considered {
		parts[i] = fmt.Sprintf("%s(%s)", c.Name, c.Reason.Label())
	}
	return fmt.Sprintf("没有符合条件的中介机构:共考察 %d 家,均不符合条件:%s", len(e.Considered), strings.Join(parts, "、"))
}

// Code is "no_eligible_firm".
func (e *NoEligibleFirmError) Code() string { return "no_eligible_firm" }

// HTTPStatus is 409.
func (e *NoEligibleFirmError) HTTPStatus() int { return 409 }

// Unwrap makes errors.Is(err, assign.ErrNoEligibleFirm) true.
func (e *NoEligibleFirmError) Unwrap() error { return assign.ErrNoEligibleFirm }

// translateChoice maps the errors of the pure rotation core to errors the
// web layer knows how to answer.
func translateChoice(err error) error {
	var nf *assign.NoFirmError
	var uf *assign.UnfitFirmError
	switch {
	case errors.As(err, &nf):
		return &NoEligibleFirmError{Considered: nf.Considered}
	case errors.Is(err, assign.ErrReasonRequired):
		return fieldErr("reason", assign.ErrReasonRequired.Error())
	case errors.Is(err, assign.ErrFirmNotFound):
		return fieldErr("firm_id", "所选中介机构不在本区划的中介机构库中")
	case errors.As(err, &uf):
		return fieldErr("firm_id", uf.Error())
	case errors.Is(err, assign.ErrKindRequired):
		return fieldErr("kind", assign.ErrKindRequired.Error())
	}
	return err
}
