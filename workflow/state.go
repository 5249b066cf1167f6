package workflow

import "errors"

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

// states are every state in workflow order, the main path first, then the
// side states, with the Chinese names users see.
var states = codeSet[State]{
	{Draft, "草稿"},
	{Submitted, "已报送"},
	{Notified, "已下达通知书"},
	{Accepted, "已受理"},
	{Delegated, "已委托"},
	{InReview, "评审中"},
	{Reconciling, "会审核对"},
	{CenterCheck, "中心复核"},
	{OpinionSent, "已发征求意见书"},
	{Signed, "已签署"},
	{DeemedAgreed, "逾期视同同意"},
	{Disputed, "有争议"},
	{Concluded, "已出具结论"},
	{Processed, "财政已处理"},
	{Archived, "已归档"},
	{Returned, "已退审"},
	{Unilateral, "单方结论"},
	{Appeal, "复议中"},
	{ExpertReview, "专家复审"},
}

// States returns every state in workflow order: the main path first, then
// the side states.
func States() []State { return states.codes() }

// ParseState turns a stored code into a State, rejecting unknown codes.
func ParseState(s string) (State, error) { return states.parse("state", s, ErrUnknownState) }

// Valid reports whether s is one of States().
func (s State) Valid() bool {
	return s.Label() != ""
}

// String returns the state code.
func (s State) String() string { return string(s) }

// Label returns the Chinese name of the state shown to users, or "" for an
// unknown state.
func (s State) Label() string { return states.label(s) }

// Terminal reports whether a review in s is finished: archived, or returned
// (which ends the round; a resubmission opens a new one). Terminal states
// cannot be suspended.
func (s State) Terminal() bool {
	return s == Archived || s == Returned
}

// displayName is the label, falling back to the code for unknown values.
func (s State) displayName() string { return states.displayName(s) }
