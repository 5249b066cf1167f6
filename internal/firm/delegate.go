package firm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
type Delegation = store.Delegation

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

	considered, err := store.EncodeConsidered(ch.Considered, ch.Others)
	if err != nil {
		return Delegation{}, err
	}
	d := Delegation{ReviewID: r.ID, FirmID: ch.Firm.ID, FirmName: ch.Firm.Name, SupervisorID: req.SupervisorID,
		At: now.Truncate(time.Microsecond), ActorID: req.Actor.UserID, Override: ch.Override, Reason: ch.OverrideReason,
		Considered: ch.Considered, Others: ch.Others, Status: store.DelegationActive}
	d.ID, err = q.InsertDelegation(ctx, d)
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
		Action: action, ReviewID: r.ID, ObjectType: "firm", ObjectID: audit.ID(d.FirmID), Detail: detail}); err != nil {
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
		ObjectType: "firm", ObjectID: audit.ID(d.FirmID),
		Detail: map[string]any{"delegation_id": strconv.FormatInt(d.ID, 10), "firm_id": strconv.FormatInt(d.FirmID, 10),
			"firm_name": d.FirmName, "status": status, "reason": reason, "excluded": true}})
	return err
}

// ActiveDelegation returns the review's active delegation (store.ErrNotFound if none).
func (s *Service) ActiveDelegation(ctx context.Context, q *store.Queries, reviewID int64) (Delegation, error) {
	return s.queries(q).ActiveDelegation(ctx, reviewID)
}

// Delegations lists every delegation of a review, oldest first.
func (s *Service) Delegations(ctx context.Context, reviewID int64) ([]Delegation, error) {
	return s.store.Delegations(ctx, reviewID)
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
