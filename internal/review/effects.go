package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/deadline"
	"finreview/internal/fee"
	"finreview/internal/firm"
	"finreview/internal/store"
	"finreview/workflow"
)

func (x *tx) calendar(ctx context.Context) (*calendar.Calendar, error) {
	return deadline.LoadCalendar(ctx, x.q)
}

func (x *tx) schedule(ctx context.Context, k deadline.Kind, workdays int) error {
	cal, err := x.calendar(ctx)
	if err != nil {
		return err
	}
	d, err := deadline.Schedule(ctx, x.q, cal, x.r.ID, k, x.now, workdays)
	if err != nil {
		return fmt.Errorf("schedule %s deadline: %w", k, err)
	}
	x.detail["deadline"] = map[string]any{"kind": k, "due_at": d.DueAt}
	return nil
}

func (x *tx) cancel(ctx context.Context, kinds ...deadline.Kind) error {
	return deadline.CancelOpen(ctx, x.q, x.r.ID, x.now, kinds...)
}

func (x *tx) issue(ctx context.Context, kind string) error {
	if x.s.docs == nil {
		return nil
	}
	r := x.r
	r.State, r.AuditedAmount, r.FirmID = x.ch.State, x.ch.AuditedAmount, x.ch.FirmID
	p, err := x.s.docs.IssuePaper(ctx, x.q, r, kind, x.p, x.now)
	if err != nil {
		return fmt.Errorf("issue %s: %w", kind, err)
	}
	papers, _ := x.detail["papers"].([]string)
	x.detail["papers"] = append(papers, p.DocNumber)
	return nil
}

// The effects of the table's triggers: what a transition writes besides
// moving the state, given its parsed parameters.

func (x *tx) submit(context.Context, workflow.State) error {
	x.ch.SubmittedAt = sql.NullTime{Time: x.now, Valid: true}
	return nil
}

func (x *tx) resubmit(context.Context, workflow.State) error {
	x.ch.Round = x.r.Round + 1
	x.ch.Outcome = string(fee.Normal)
	x.ch.SubmittedAt = sql.NullTime{Time: x.now, Valid: true}
	return nil
}

func (x *tx) issueNotice(ctx context.Context, _ workflow.State) error {
	if err := x.issue(ctx, "notice"); err != nil {
		return err
	}
	return x.schedule(ctx, deadline.KindIntake, x.s.intakeWorkdays)
}

func (x *tx) returnReview(ctx context.Context, _ workflow.State) error {
	x.ch.Outcome = string(fee.Returned)
	return x.cancel(ctx, deadline.KindIntake)
}

func (x *tx) accept(ctx context.Context, _ workflow.State) error {
	return x.cancel(ctx, deadline.KindIntake)
}

func (x *tx) delegate(ctx context.Context, a delegateParams, _ workflow.State) error {
	sup := a.SupervisorID
	if sup == 0 {
		sup = x.p.UserID
	}
	d, err := x.s.firms.Delegate(ctx, x.q, x.r, firm.DelegateRequest{FirmID: a.FirmID, Reason: x.in.Reason, SupervisorID: sup, Actor: x.p})
	if err != nil {
		return err
	}
	x.ch.FirmID, x.ch.SupervisorID = d.FirmID, sup
	x.ch.DelegatedAt = sql.NullTime{Time: x.now, Valid: true}
	x.detail["delegation"] = map[string]any{"firm_id": d.FirmID, "firm_name": d.FirmName, "override": d.Override}
	return x.schedule(ctx, deadline.KindReport, x.s.reportWorkdays)
}

// endDelegation is decline (by the firm) and cancel_delegation (by the
// Center, after an appeal).
func (x *tx) endDelegation(ctx context.Context, _ workflow.State) error {
	r := x.r
	status := "declined"
	if x.in.Trigger == workflow.CancelDelegation {
		status = "cancelled"
	}
	if r.FirmID != 0 {
		if err := x.s.firms.EndDelegation(ctx, x.q, r.ID, r.FirmID, status, x.in.Reason, x.now); err != nil {
			return err
		}
	}
	x.detail["ended_firm_id"] = r.FirmID
	x.ch.FirmID = 0
	x.ch.DelegatedAt = sql.NullTime{}
	x.ch.ConcludedAt = sql.NullTime{}
	return x.cancel(ctx)
}

func (x *tx) submitPlan(ctx context.Context, a planParams, _ workflow.State) error {
	_, err := x.q.InsertWorkPlan(ctx, store.WorkPlan{ReviewID: x.r.ID, FirmID: x.r.FirmID, Mode: a.Mode, SurveyDate: a.SurveyDate,
		KeyIssues: a.KeyIssues, Staff: a.Staff, PlannedCompletion: a.PlannedCompletion, Status: "submitted", CreatedAt: x.now})
	return err
}

func (x *tx) approvePlan(ctx context.Context, a planDecision, _ workflow.State) error {
	r := x.r
	plan, err := x.q.LatestWorkPlan(ctx, r.ID, r.FirmID)
	if err != nil {
		return err
	}
	if a.Redo {
		if err := x.q.ReturnWorkPlan(ctx, plan.ID, x.p.UserID, x.in.Reason, x.now); err != nil {
			return err
		}
		return x.notifyRole(ctx, auth.Intermediary, "plan_redo", fmt.Sprintf("%s:评审方案退回重做", r.ProjectName),
			"评审中心要求重做评审方案:"+x.in.Reason)
	}
	return x.q.ApproveWorkPlan(ctx, plan.ID, x.p.UserID, x.now)
}

func (x *tx) recordSurvey(ctx context.Context, a surveyParams, _ workflow.State) error {
	return x.q.InsertSiteSurvey(ctx, store.SiteSurvey{ReviewID: x.r.ID, SurveyDate: a.Date, People: a.People,
		Findings: a.Findings, CreatedBy: x.p.UserID, CreatedAt: x.now})
}

func (x *tx) requestMaterials(ctx context.Context, _ workflow.State) error {
	return x.notifyRole(ctx, auth.ConstructionUnit, "supplement",
		fmt.Sprintf("%s:请补充资料", x.r.ProjectName), "中介机构要求补充资料(签字盖章):"+x.in.Reason)
}

func (x *tx) addTracking(ctx context.Context, a trackingParams, _ workflow.State) error {
	return x.q.InsertTrackingRecord(ctx, store.TrackingRecord{ReviewID: x.r.ID, Kind: a.Kind, RecordDate: a.Date,
		Title: a.Title, Description: a.Description, Amount: a.Amount, CreatedBy: x.p.UserID, CreatedAt: x.now})
}

func (x *tx) submitDraft(ctx context.Context, a amountParams, _ workflow.State) error {
	x.ch.AuditedAmount = decimal.NullDecimal{Decimal: a.Amount, Valid: true}
	return x.cancel(ctx, deadline.KindReport)
}

func (x *tx) sendOpinion(ctx context.Context, _ workflow.State) error {
	if err := x.issue(ctx, "opinion_letter"); err != nil {
		return err
	}
	return x.schedule(ctx, deadline.KindOpinion, OpinionWorkdays)
}

func (x *tx) sign(ctx context.Context, a workflow.SignArgs, _ workflow.State) error {
	r := x.r
	if err := x.q.InsertSignature(ctx, store.Signature{ReviewID: r.ID, Round: r.Round, Party: "unit", OrgID: x.p.OrgID,
		UserID: x.p.UserID, Agree: a.Agree, Reasons: a.Reasons, At: x.now}); err != nil {
		return err
	}
	if !a.Agree {
		if err := x.q.OpenDispute(ctx, r.ID, a.Reasons, x.now); err != nil {
			return err
		}
	}
	return x.cancel(ctx, deadline.KindOpinion)
}

func (x *tx) cosign(ctx context.Context, a workflow.SignArgs, _ workflow.State) error {
	return x.q.InsertSignature(ctx, store.Signature{ReviewID: x.r.ID, Round: x.r.Round, Party: "contractor", OrgID: x.p.OrgID,
		UserID: x.p.UserID, Agree: a.Agree, Reasons: a.Reasons, At: x.now})
}

func (x *tx) deemAgreed(ctx context.Context, _ workflow.State) error {
	if x.in.firing != 0 {
		// The engine fires the opinion deadline and marks it fired; a
		// review has no other open deadline of that kind (Schedule).
		return nil
	}
	return x.cancel(ctx, deadline.KindOpinion)
}

func (x *tx) startExpertReview(ctx context.Context, a expertParams, _ workflow.State) error {
	for _, n := range a.IDs {
		if err := x.q.AddReviewExpert(ctx, x.r.ID, n, "dispute", x.now); err != nil {
			return err
		}
	}
	return x.q.SetDisputeExperts(ctx, x.r.ID, strings.Join(a.Written, ","))
}

func (x *tx) resolve(ctx context.Context, a resolveParams, _ workflow.State) error {
	x.ch.AuditedAmount = decimal.NullDecimal{Decimal: a.Audited, Valid: true}
	if err := x.q.ResolveDispute(ctx, x.r.ID, a.FaultParty, a.Audited, x.now); err != nil {
		return err
	}
	return x.schedule(ctx, deadline.KindOpinion, OpinionWorkdays)
}

func (x *tx) issueUnilateral(ctx context.Context, _ workflow.State) error {
	x.ch.Outcome = string(fee.Unilateral)
	return x.cancel(ctx, deadline.KindOpinion)
}

func (x *tx) conclude(ctx context.Context, to workflow.State) error {
	r := x.r
	outcome := fee.Normal
	if r.State == workflow.Unilateral || r.Outcome == string(fee.Unilateral) {
		outcome = fee.Unilateral
	}
	x.ch.Outcome = string(outcome)
	x.ch.ConcludedAt = sql.NullTime{Time: x.now, Valid: true}
	if x.s.billing != nil {
		cr := r
		cr.State, cr.AuditedAmount, cr.Outcome = to, x.ch.AuditedAmount, string(outcome)
		st, err := x.s.billing.Conclude(ctx, x.q, cr, outcome, x.now)
		if err != nil {
			return fmt.Errorf("fee statement: %w", err)
		}
		x.ch.FeeScheduleID = st.ScheduleID
		x.detail["fee_total"] = st.TotalFee.StringFixed(2)
	}
	if err := x.issue(ctx, "conclusion"); err != nil {
		return err
	}
	if err := x.issue(ctx, "fee_statement"); err != nil {
		return err
	}
	return x.cancel(ctx)
}

func (x *tx) fileAppeal(context.Context, workflow.State) error {
	x.ch.AppealUsed = true
	return nil
}

func (x *tx) archive(ctx context.Context, a store.ArchiveRecord, _ workflow.State) error {
	if err := x.q.InsertArchiveRecord(ctx, a); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return fieldErr("archive_number", "档案号已被使用: %s", a.ArchiveNumber)
		}
		return fmt.Errorf("archive record: %w", err)
	}
	x.detail["archive"] = map[string]any{"archive_number": a.ArchiveNumber, "paper_received_on": a.PaperReceivedOn.Format("2006-01-02"),
		"received_by": a.ReceivedBy, "retention_years": a.RetentionYears}
	return x.cancel(ctx)
}

func (x *tx) sampleRecheck(ctx context.Context, a amountParams, _ workflow.State) error {
	audited := x.r.AuditedAmount.Decimal
	dev := a.Amount.Sub(audited)
	accurate := dev.Abs().LessThanOrEqual(audited.Mul(decimal.RequireFromString("0.01")))
	x.detail["deviation"], x.detail["accurate"] = dev.StringFixed(2), accurate
	return x.q.InsertSampleRecheck(ctx, store.SampleRecheck{ReviewID: x.r.ID, FirmID: x.r.FirmID, RecheckedAmount: a.Amount,
		Deviation: dev, Accurate: accurate, Note: x.in.Reason, CreatedBy: x.p.UserID, CreatedAt: x.now})
}

func (x *tx) suspend(ctx context.Context, workdays int, _ workflow.State) error {
	x.ch.Suspended = true
	if err := x.q.StartSuspension(ctx, x.r.ID, x.in.Reason, workdays, x.p.UserID, x.now); err != nil {
		return err
	}
	cal, err := x.calendar(ctx)
	if err != nil {
		return err
	}
	return deadline.Pause(ctx, x.q, cal, x.r.ID, x.now)
}

func (x *tx) resume(ctx context.Context, _ workflow.State) error {
	x.ch.Suspended = false
	if err := x.q.EndSuspension(ctx, x.r.ID, x.p.UserID, x.now); err != nil {
		return err
	}
	cal, err := x.calendar(ctx)
	if err != nil {
		return err
	}
	return deadline.Resume(ctx, x.q, cal, x.r.ID, x.now)
}

// shanghai is the zone of every date finreview reckons.
func shanghai() *time.Location { return calendar.Location() }
