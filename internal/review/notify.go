package review

import (
	"context"
	"fmt"

	"finreview/internal/auth"
	"finreview/internal/review/notice"
	"finreview/internal/store"
	"finreview/workflow"
)

// routine triggers do not make anyone "the next to act".
func routine(t workflow.Trigger) bool {
	switch t {
	case workflow.Suspend, workflow.Resume, workflow.SampleRecheck, workflow.DeemAgreed, workflow.RecordSurvey,
		workflow.RequestMaterials, workflow.AddTracking, workflow.Cosign:
		return false
	}
	return true
}

// noticeKind is the kind of notice a trigger makes: people choose their
// channels per kind.
func noticeKind(t workflow.Trigger) notice.Kind {
	switch t {
	case workflow.Delegate:
		return notice.Delegated
	case workflow.Return, workflow.SendBack, workflow.InitialCheckFail:
		return notice.Returned
	case workflow.SendOpinion:
		return notice.OpinionSent
	case workflow.DeemAgreed:
		return notice.DeemedAgreed
	case workflow.Conclude, workflow.IssueUnilateral:
		return notice.Concluded
	case workflow.Uphold:
		return notice.AppealDecided
	case workflow.Suspend:
		return notice.Suspended
	case workflow.Resume:
		return notice.Resumed
	}
	return notice.Transition
}

// notify tells the parties who act next that the review moved; a
// suspension or resumption is told to the unit, the firm and the Center.
func (x *tx) notify(ctx context.Context, to workflow.State) error {
	// The transition's machine, now in state to, answers with the facts
	// the transition left.
	m := x.m
	m.SetFacts(workflow.Facts{Suspended: x.ch.Suspended, AppealUsed: x.ch.AppealUsed})
	seen := map[auth.Role]bool{}
	title := fmt.Sprintf("%s:%s", x.r.ProjectName, to.Label())
	body := fmt.Sprintf("%s(%s)执行了\u201c%s\u201d,评审现为\u201c%s\u201d。", x.p.Name, x.p.Role.Label(), x.in.Trigger.Label(), to.Label())
	if x.in.Reason != "" {
		body += "原因:" + x.in.Reason
	}
	kind := string(noticeKind(x.in.Trigger))
	if x.in.Trigger == workflow.Suspend || x.in.Trigger == workflow.Resume {
		title = fmt.Sprintf("%s:%s", x.r.ProjectName, x.in.Trigger.Label())
		for _, role := range []auth.Role{auth.ConstructionUnit, auth.Intermediary, auth.ReviewCenter} {
			if err := x.notifyRole(ctx, role, kind, title, body); err != nil {
				return err
			}
		}
		return nil
	}
	for _, t := range m.Permitted(ctx) {
		if !routine(t) {
			continue
		}
		for _, role := range []auth.Role{auth.ConstructionUnit, auth.FinanceSection, auth.ReviewCenter, auth.Intermediary, auth.Contractor} {
			if seen[role] || !MayFire(role, t) {
				continue
			}
			seen[role] = true
			if err := x.notifyRole(ctx, role, kind, title, body); err != nil {
				return err
			}
		}
	}
	return nil
}

// notifyRole sends a message to the users of role who are party to the
// review, but not to the actor; the database picks them as it inserts.
func (x *tx) notifyRole(ctx context.Context, role auth.Role, kind, title, body string) error {
	to, ok := x.partiesOf(role)
	if !ok {
		return nil
	}
	n := store.Notification{ReviewID: x.r.ID, Kind: kind, Title: title, Body: body, CreatedAt: x.now}
	if err := x.q.NotifyParties(ctx, to, n); err != nil {
		return fmt.Errorf("notify %s: %w", role, err)
	}
	return nil
}

// partiesOf says which users of role act for this review, as parties
// does; false when none can.
func (x *tx) partiesOf(role auth.Role) (store.Parties, bool) {
	to := store.Parties{Role: string(role), Except: x.p.UserID}
	switch role {
	case auth.ConstructionUnit:
		to.OrgID = x.r.UnitOrgID
		return to, to.OrgID != 0
	case auth.Intermediary:
		to.OrgID = x.ch.FirmID
		return to, to.OrgID != 0
	case auth.Contractor:
		to.ProjectID = x.r.ProjectID
		return to, true
	case auth.FinanceSection, auth.ReviewCenter:
		to.JurisdictionID = x.r.JurisdictionID
		return to, true
	}
	return to, false
}

// parties lists the users of role who act for this review.
func (x *tx) parties(ctx context.Context, role auth.Role) ([]store.User, error) {
	switch role {
	case auth.ConstructionUnit:
		return x.q.UsersByRole(ctx, string(role), x.r.UnitOrgID)
	case auth.Intermediary:
		if x.ch.FirmID == 0 {
			return nil, nil
		}
		return x.q.UsersByRole(ctx, string(role), x.ch.FirmID)
	case auth.Contractor:
		orgs, err := x.q.ProjectContractors(ctx, x.r.ProjectID)
		if err != nil {
			return nil, err
		}
		var out []store.User
		for _, o := range orgs {
			us, err := x.q.UsersByRole(ctx, string(role), o)
			if err != nil {
				return nil, err
			}
			out = append(out, us...)
		}
		return out, nil
	case auth.FinanceSection, auth.ReviewCenter:
		us, err := x.q.UsersByRole(ctx, string(role), 0)
		if err != nil {
			return nil, err
		}
		var out []store.User
		for _, u := range us {
			if u.CityGrant || u.JurisdictionID == x.r.JurisdictionID {
				out = append(out, u)
			}
		}
		return out, nil
	}
	return nil, nil
}
