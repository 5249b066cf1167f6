package workflow

import (
	"errors"
	"fmt"
)

// State is the workflow state of a review, stored in reviews.state.
type State string

// Review states, in workflow order (DESIGN.md "The review workflow").
const (
	Draft        State = "draft"
	Submitted    State = "submitted"
	Notified     State = "notified"
	Accepted     State = "accepted"
	Delegated    State = "delegated"
	InReview     State = "in_review"
	Reconciling  State = "reconciling"
	CenterCheck  State = "center_check"
	OpinionSent  State = "opinion_sent"
	Signed       State = "signed"
	DeemedAgreed State = "deemed_agreed"
	Disputed     State = "disputed"
	Concluded    State = "concluded"
	Processed    State = "processed"
	Archived     State = "archived"
	Returned     State = "returned"
	Unilateral   State = "unilateral"
	Appeal       State = "appeal"
	ExpertReview State = "expert_review"
)

// ErrUnknownState is returned (wrapped) for a state code outside States().
var ErrUnknownState = errors.New("unknown review state")

// States returns every state in workflow order: the main path first, then
// the side states.
func States() []State {
	return []State{
		Draft, Submitted, Notified, Accepted, Delegated, InReview, Reconciling,
		CenterCheck, OpinionSent, Signed, DeemedAgreed, Disputed, Concluded,
		Processed, Archived, Returned, Unilateral, Appeal, ExpertReview,
	}
}

// ParseState turns a stored code into a State, rejecting unknown codes.
func ParseState(s string) (State, error) {
	st := State(s)
	if !st.Valid() {
		return "", fmt.Errorf("parse state %q: %w", s, ErrUnknownState)
	}
	return st, nil
}

// Valid reports whether s is one of States().
func (s State) Valid() bool {
	return s.Label() != ""
}

// String returns the state code.
func (s State) String() string { return string(s) }

// Label returns the Chinese name of the state shown to users, or "" for an
// unknown state.
func (s State) Label() string {
	switch s {
	case Draft:
		return "草稿"
	case Submitted:
		return "已报送"
	case Notified:
		return "已下达通知书"
	case Accepted:
		return "已受理"
	case Delegated:
		return "已委托"
	case InReview:
		return "评审中"
	case Reconciling:
		return "会审核对"
	case CenterCheck:
		return "中心复核"
	case OpinionSent:
		return "已发征求意见书"
	case Signed:
		return "已签署"
	case DeemedAgreed:
		return "逾期视同同意"
	case Disputed:
		return "有争议"
	case Concluded:
		return "已出具结论"
	case Processed:
		return "财政已处理"
	case Archived:
		return "已归档"
	case Returned:
		return "已退审"
	case Unilateral:
		return "单方结论"
	case Appeal:
		return "复议中"
	case ExpertReview:
		return "专家复审"
	}
	return ""
}

// Terminal reports whether a review in s is finished: archived, or returned
// (which ends the round; a resubmission opens a new one). Terminal states
// cannot be suspended.
func (s State) Terminal() bool {
	return s == Archived || s == Returned
}

// displayName is the label, falling back to the code for unknown values.
func (s State) displayName() string {
	if l := s.Label(); l != "" {
		return l
	}
	return string(s)
}
