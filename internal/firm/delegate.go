package firm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/assign"
	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
)

// DelegateRequest asks for a delegation of a review.
type DelegateRequest struct {
	FirmID       int64  // 0 = rotation
	Reason       string // required when FirmID != 0
	SupervisorID int64
	Actor        auth.Principal
}

// Delegation is a review's delegation to a firm, with why that firm.
type Delegation struct {
	ID           int64
	ReviewID     int64
	FirmID       int64
	FirmName     string
	SupervisorID int64
	Override     bool
	Reason       string
	// Considered lists the firms looked at in rotation order, the chosen one
	// last (for an override, the chosen firm alone).
	Considered []assign.Consideration
	// Others are the library's remaining firms, each with why it was not
	// chosen (empty for delegations recorded before they were kept).
	Others    []assign.Consideration
	Status    string // active | declined | cancelled
	At        time.Time
	EndedAt   time.Time // zero while active
	EndReason string
}

// IndependentKinds returns the review kinds whose firm may not take a review
// of kind on the same project.
func IndependentKinds(kind string) []string {
	switch kind {
	case "settlement":
		return []string{"estimate", "budget"}
	case "final_accounts":
		return []string{"settlement", "change"}
	}
	return nil
}

// Delegate picks the firm for review r, inside the caller's transaction q:
// by rotation (the cursor of r's jurisdiction and kind locked FOR UPDATE)
// or, with req.FirmID, by manual override with a reason. It skips firms
// excluded from the review, with a declared relation to the unit or a
// contractor, that did another stage needing independence, suspended,
// unqualified for the kind or at capacity. It writes the delegation with
// the firms considered, advances the cursor (rotation only) and the audit
// trail ("delegate" or "delegate_override"). The review row is left to the
// caller. When no firm fits, nothing is written.
func (s *Service) Delegate(ctx context.Context, q *store.Queries, r store.Review, req DelegateRequest) (Delegation, error) {
	if r.Kind == "" {
		return Delegation{}, fieldErr("kind", assign.ErrKindRequired.Error())
	}
	reason := strings.TrimSpace(req.Reason)
	if req.FirmID < 0 {
		return Delegation{}, fieldErr("firm_id", "中介机构编号无效")
	}
	if req.FirmID != 0 && reason == "" {
		return Delegation{}, fieldErr("reason", assign.ErrReasonRequired.Error())
	}
	if active, err := q.ActiveDelegation(ctx, r.ID); err == nil {
		return Delegation{}, conflictErr("already_delegated",
			fmt.Sprintf("该评审已委托「%s」,须先结束原委托才能重新委托", active.FirmName))
	} else if !errors.Is(err, store.ErrNotFound) {
		return Delegation{}, fmt.Errorf("active delegation: %w", err)
	}
	now := s.now()

	var cur store.RotationCursor
	if req.FirmID == 0 {
		c, err := q.LockRotationCursor(ctx, r.JurisdictionID, r.Kind, now)
		if err != nil {
			return Delegation{}, fmt.Errorf("lock rotation cursor: %w", err)
		}
		cur = c
	}
	firms, err := s.rotationLibrary(ctx, q, r.JurisdictionID)
	if err != nil {
		return Delegation{}, err
	}
	areq, err := s.request(ctx, q, r)
	if err != nil {
		return Delegation{}, err
	}
	var ch assign.Choice
	if req.FirmID == 0 {
		ch, err = assign.Choose(firms, toCursor(cur), areq)
	} else {
		ch, err = assign.Override(firms, assign.Cursor{}, req.FirmID, areq, reason)
	}
	if err != nil {
		return Delegation{}, translateChoice(err)
	}

	considered, err := EncodeConsidered(ch.Considered, ch.Others)
	if err != nil {
		return Delegation{}, err
	}
	d := Delegation{ReviewID: r.ID, FirmID: ch.Firm.ID, FirmName: ch.Firm.Name, SupervisorID: req.SupervisorID,
		Override: ch.Override, Reason: ch.OverrideReason, Considered: ch.Considered, Others: ch.Others, Status: store.DelegationActive,
		At: now.Truncate(time.Microsecond)}
	d.ID, err = q.InsertDelegation(ctx, store.Delegation{ReviewID: d.ReviewID, FirmID: d.FirmID, SupervisorID: d.SupervisorID,
		At: d.At, ActorID: req.Actor.UserID, Override: d.Override, Reason: d.Reason, Considered: considered,
		Status: store.DelegationActive})
	if err != nil {
		return Delegation{}, fmt.Errorf("insert delegation: %w", err)
	}
	action := "delegate"
	detail := map[string]any{"delegation_id": strconv.FormatInt(d.ID, 10), "firm_id": strconv.FormatInt(d.FirmID, 10),
		"firm_name": d.FirmName, "kind": r.Kind, "jurisdiction_id": strconv.FormatInt(r.JurisdictionID, 10),
		"considered": json.RawMessage(considered)}
	if ch.Override {
		action = "delegate_override"
		detail["override"] = true
		detail["reason"] = d.Reason
	} else {
		next := store.RotationCursor{JurisdictionID: r.JurisdictionID, Kind: r.Kind, LastFirmID: ch.NextCursor.LastFirmID,
			LastScore: ch.NextCursor.LastScore, LastAdmittedAt: ch.NextCursor.LastAdmittedAt, UpdatedAt: now}
		if err := q.SaveRotationCursor(ctx, next); err != nil {
			return Delegation{}, fmt.Errorf("save rotation cursor: %w", err)
		}
		detail["cursor_before"] = strconv.FormatInt(cur.LastFirmID, 10)
		detail["cursor_after"] = strconv.FormatInt(next.LastFirmID, 10)
	}
	if req.SupervisorID != 0 {
		detail["supervisor_id"] = strconv.FormatInt(req.SupervisorID, 10)
	}
	if _, err := audit.Append(ctx, q, now, audit.Entry{ActorID: req.Actor.UserID, ActorName: req.Actor.NameOr("系统"),
		Action: action, ReviewID: r.ID, ObjectType: "firm", ObjectID: strconv.FormatInt(d.FirmID, 10), Detail: detail}); err != nil {
		return Delegation{}, err
	}
	return d, nil
}

// EndDelegation ends review reviewID's active delegation with status
// "declined" (the firm declined: counts against its timeliness) or
// "cancelled" (cancelled after an appeal: counts as an appeal lost), and
// excludes the firm from the review for good. firmID, when not 0, must be
// the delegated firm.
func (s *Service) EndDelegation(ctx context.Context, q *store.Queries, reviewID, firmID int64, status, reason string, at time.Time) error {
	if status != store.DelegationDeclined && status != store.DelegationCancelled {
		return fieldErr("status", fmt.Sprintf("委托结束状态 %q 无效(declined 或 cancelled)", status))
	}
	d, err := q.ActiveDelegation(ctx, reviewID)
	if errors.Is(err, store.ErrNotFound) {
		return conflictErr("no_active_delegation", "该评审没有有效的委托")
	}
	if err != nil {
		return fmt.Errorf("active delegation: %w", err)
	}
	if firmID != 0 && d.FirmID != firmID {
		return conflictErr("not_delegated_firm", fmt.Sprintf("该评审当前委托的是「%s」,不是本机构", d.FirmName))
	}
	reason = strings.TrimSpace(reason)
	if err := q.EndDelegation(ctx, d.ID, status, reason, at); err != nil {
		return fmt.Errorf("end delegation: %w", err)
	}
	if err := q.InsertExclusion(ctx, reviewID, d.FirmID, status, at); err != nil {
		return fmt.Errorf("exclude firm: %w", err)
	}
	_, err = audit.Append(ctx, q, at, audit.Entry{ActorName: "系统", Action: "delegation_" + status, ReviewID: reviewID,
		ObjectType: "firm", ObjectID: strconv.FormatInt(d.FirmID, 10),
		Detail: map[string]any{"delegation_id": strconv.FormatInt(d.ID, 10), "firm_id": strconv.FormatInt(d.FirmID, 10),
			"firm_name": d.FirmName, "status": status, "reason": reason, "excluded": true}})
	return err
}

// ActiveDelegation returns the review's active delegation (store.ErrNotFound if none).
func (s *Service) ActiveDelegation(ctx context.Context, q *store.Queries, reviewID int64) (Delegation, error) {
	d, err := s.queries(q).ActiveDelegation(ctx, reviewID)
	if err != nil {
		return Delegation{}, err
	}
	return DelegationOf(d)
}

// Delegations lists every delegation of a review, oldest first.
func (s *Service) Delegations(ctx context.Context, reviewID int64) ([]Delegation, error) {
	rows, err := s.store.Delegations(ctx, reviewID)
	if err != nil {
		return nil, err
	}
	out := make([]Delegation, 0, len(rows))
	for _, r := range rows {
		d, err := DelegationOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DelegationOf is the delegation as firm presents it, from its stored row.
func DelegationOf(d store.Delegation) (Delegation, error) {
	cs, others, err := decodeConsidered(d.Considered)
	if err != nil {
		return Delegation{}, fmt.Errorf("delegation %d: %w", d.ID, err)
	}
	return Delegation{ID: d.ID, ReviewID: d.ReviewID, FirmID: d.FirmID, FirmName: d.FirmName, SupervisorID: d.SupervisorID,
		Override: d.Override, Reason: d.Reason, Considered: cs, Others: others, Status: d.Status, At: d.At, EndedAt: d.EndedAt.Time,
		EndReason: d.EndReason}, nil
}

// considerationJSON is how a consideration is kept with the delegation.
type considerationJSON struct {
	FirmID      string `json:"firm_id"`
	Name        string `json:"name"`
	Score       string `json:"score"`
	Position    int    `json:"position"`
	Skipped     bool   `json:"skipped"`
	Reason      string `json:"reason,omitempty"`
	ReasonLabel string `json:"reason_label,omitempty"`
	Detail      string `json:"detail"`
	// Other marks a firm the walk did not stop on (Delegation.Others).
	Other bool `json:"other,omitempty"`
}

// EncodeConsidered keeps the firms considered, then the others marked as
// such, in one JSON array.
func EncodeConsidered(cs, others []assign.Consideration) (string, error) {
	out := make([]considerationJSON, 0, len(cs)+len(others))
	for i, c := range append(append([]assign.Consideration{}, cs...), others...) {
		j := considerationJSON{FirmID: strconv.FormatInt(c.FirmID, 10), Name: c.Name, Score: c.Score.StringFixed(2),
			Position: c.Position, Skipped: c.Skipped, Reason: string(c.Reason), Detail: c.Detail, Other: i >= len(cs)}
		if c.Skipped {
			j.ReasonLabel = c.Reason.Label()
		}
		out = append(out, j)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode considered firms: %w", err)
	}
	return string(b), nil
}

// decodeConsidered splits the stored array into the firms considered and
// the others.
func decodeConsidered(s string) (considered, others []assign.Consideration, err error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil, nil
	}
	var in []considerationJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, nil, fmt.Errorf("decode considered firms: %w", err)
	}
	for _, c := range in {
		id, err := strconv.ParseInt(c.FirmID, 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("decode considered firm id %q: %w", c.FirmID, err)
		}
		score, err := decimal.NewFromString(c.Score)
		if err != nil {
			return nil, nil, fmt.Errorf("decode considered score %q: %w", c.Score, err)
		}
		one := assign.Consideration{FirmID: id, Name: c.Name, Score: score, Position: c.Position, Skipped: c.Skipped,
			Reason: assign.SkipReason(c.Reason), Detail: c.Detail}
		if c.Other {
			others = append(others, one)
		} else {
			considered = append(considered, one)
		}
	}
	return considered, others, nil
}

// rotationLibrary loads the firms of a jurisdiction's library (removed
// firms left out) with their kinds, open reviews and declared relations.
func (s *Service) rotationLibrary(ctx context.Context, q *store.Queries, jurisdictionID int64) ([]assign.Firm, error) {
	firms, err := q.Firms(ctx, store.FirmFilter{JurisdictionID: jurisdictionID})
	if err != nil {
		return nil, fmt.Errorf("load firm library: %w", err)
	}
	kept := firms[:0]
	for _, f := range firms {
		if f.Status != string(assign.Removed) {
			kept = append(kept, f)
		}
	}
	return toAssign(ctx, q, kept)
}

func toAssign(ctx context.Context, q *store.Queries, firms []store.Firm) ([]assign.Firm, error) {
	if len(firms) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(firms))
	for i, f := range firms {
		ids[i] = f.OrgID
	}
	conflicts, err := q.Conflicts(ctx, ids...)
	if err != nil {
		return nil, fmt.Errorf("load conflicts: %w", err)
	}
	out := make([]assign.Firm, len(firms))
	pos := map[int64]int{}
	for i, f := range firms {
		pos[f.OrgID] = i
		out[i] = assign.Firm{ID: f.OrgID, Name: f.Name, Score: f.Score, AdmittedAt: f.AdmittedAt, Status: assign.Status(f.Status),
			Kinds: f.Kinds, Capacity: f.Capacity, OpenReviews: f.OpenReviews}
	}
	for _, c := range conflicts {
		i := pos[c.FirmID]
		if c.OrgKind == store.OrgContractor {
			out[i].ConflictContractors = append(out[i].ConflictContractors, c.OrgID)
		} else {
			out[i].ConflictUnits = append(out[i].ConflictUnits, c.OrgID)
		}
	}
	return out, nil
}

// request describes review r to the rotation core.
func (s *Service) request(ctx context.Context, q *store.Queries, r store.Review) (assign.Request, error) {
	req := assign.Request{Kind: r.Kind, JurisdictionID: r.JurisdictionID, UnitID: r.UnitOrgID}
	var err error
	if req.ContractorIDs, err = q.ProjectContractors(ctx, r.ProjectID); err != nil {
		return req, fmt.Errorf("project contractors: %w", err)
	}
	if req.ExcludedFirmIDs, err = q.ExcludedFirms(ctx, r.ID); err != nil {
		return req, fmt.Errorf("excluded firms: %w", err)
	}
	if req.IndependenceFirmIDs, err = q.StageFirms(ctx, r.ProjectID, r.ID, IndependentKinds(r.Kind)); err != nil {
		return req, fmt.Errorf("firms of other stages: %w", err)
	}
	return req, nil
}

func toCursor(c store.RotationCursor) assign.Cursor {
	return assign.Cursor{LastFirmID: c.LastFirmID, LastScore: c.LastScore, LastAdmittedAt: c.LastAdmittedAt}
}
