package workflow

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrSuspended is matched (errors.Is) by a *TransitionError refused because
// the review is suspended.
var ErrSuspended = errors.New("review is suspended")

// TransitionError says why a trigger may not fire now. Its Error is the
// Chinese sentence shown to the user; the web layer answers 409 with
// Permitted as permitted_triggers.
type TransitionError struct {
	From    State
	Trigger Trigger
	// Permitted lists what may fire instead, in Triggers() order.
	Permitted []Trigger
	// Reason is the Chinese explanation (also returned by Error).
	Reason string
	// Missing repeats Facts.Missing when unmet gates were the cause.
	Missing []string
	// Guards names the unmet guards; empty when the state does not accept
	// the trigger at all.
	Guards []string
}

// Code returns the stable English error code.
func (e *TransitionError) Code() string { return "transition_not_allowed" }

func (e *TransitionError) Error() string {
	if e.Reason != "" {
		return e.Reason
	}
	return e.reason()
}

// Unwrap lets errors.Is(err, ErrSuspended) match a refusal due to suspension.
func (e *TransitionError) Unwrap() error {
	if e.suspended() {
		return ErrSuspended
	}
	return nil
}

func (e *TransitionError) suspended() bool {
	return slices.Contains(e.Guards, "notSuspended")
}

// reason composes the Chinese explanation from the fields.
func (e *TransitionError) reason() string {
	from, t := e.From.displayName(), e.Trigger.displayName()
	switch {
	case e.suspended():
		return fmt.Sprintf(`评审已中止，恢复评审前不能执行"%s"`, t)
	case len(e.Missing) > 0:
		return fmt.Sprintf(`尚不能执行"%s"：%s`, t, strings.Join(e.Missing, "、"))
	case len(e.Guards) > 0:
		return fmt.Sprintf(`当前状态"%s"不能执行"%s"：%s`, from, t, guardReason(e.Guards[0]))
	}
	return fmt.Sprintf(`当前状态"%s"不能执行"%s"`, from, t)
}

// guardReason explains an unmet guard in Chinese.
func guardReason(guard string) string {
	switch guard {
	case "suspended":
		return "评审未中止，无需恢复"
	case "appealNotUsed":
		return "每个评审项目只能申请一次复议，本项目已申请过"
	case "planReady":
		return "评审方案尚未批准"
	case "planSubmitted":
		return "评审方案尚未提交"
	case "agrees", "disagrees":
		return "签署意见须说明同意或不同意"
	}
	return "条件不满足"
}

// ArgumentError reports trigger parameters that are missing or of the
// wrong kind. The web layer answers 422 with Field.
type ArgumentError struct {
	Trigger Trigger
	// Field is the request field at fault ("agree", "reasons"), or "".
	Field string
	// Msg is the Chinese message (also returned by Error).
	Msg string
}

// Code returns the stable English error code.
func (e *ArgumentError) Code() string { return "invalid_argument" }

func (e *ArgumentError) Error() string { return e.Msg }
