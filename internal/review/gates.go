package review

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"finreview/internal/fee"
	"finreview/internal/store"
	"finreview/workflow"
)

// Material is a kind of document a review needs before a transition (its
// hard gate), with what those documents must contain.
type Material struct {
	// Category is the document category code (docs.Submission …).
	Category string
	// Label is the category's Chinese name.
	Label string
	// Items are what the documents of the category must contain for the
	// review kind (the unit's checklist, shown on the page).
	Items []string
	// Signed: the documents must be signed and sealed (签字盖章).
	Signed bool
}

// submissionItems lists, per review kind, the materials the unit hands in
// (送审资料). The measures require the materials affecting the conclusion
// to be handed in at once (对影响评审结论的资料应当一次性报送) and
// signed and sealed by the units concerned.
func submissionItems(kind string) []string {
	switch fee.Kind(kind) {
	case fee.Estimate:
		return []string{"项目立项及可行性研究报告批复", "初步设计文件及图纸", "设计概算书", "主要设备材料价格依据"}
	case fee.Budget:
		return []string{"项目立项批复文件", "施工图及设计说明", "施工图预算书(工程量清单及招标控制价)", "地质勘察报告"}
	case fee.Settlement:
		return []string{"施工合同及补充协议", "招投标文件及中标通知书", "竣工图", "设计变更及现场签证资料", "隐蔽工程验收记录",
			"竣工验收证明", "工程结算书"}
	case fee.Change:
		return []string{"施工合同", "设计变更通知单及变更图纸", "现场签证单", "变更工程造价计算书"}
	case fee.FinalAccounts:
		return []string{"竣工财务决算报表及说明书", "工程结算评审结论", "资金到位及支付凭证", "合同及招投标资料", "资产交付清单"}
	case fee.ProcurementFinal:
		return []string{"采购合同", "中标(成交)通知书", "验收报告", "结算书"}
	case fee.Tracking:
		return []string{"施工合同", "施工图及招标控制价", "施工组织设计", "工程进度计划"}
	case fee.SpecialCheck:
		return []string{"资金拨付文件", "项目实施方案", "资金使用明细及凭证"}
	}
	return []string{"送审资料"}
}

// RequiredMaterials lists, for a review kind, the document categories
// whose presence gates the transitions: the submission (送审资料) before it
// is handed on, and the supplementary materials (补充资料), which must be
// signed and sealed by the unit and its head (项目建设单位及其负责人应当在
// 资料上签字盖章) once the firm has asked for them.
func RequiredMaterials(kind string) []Material {
	return []Material{
		{Category: "submission", Label: "送审资料", Items: submissionItems(kind)},
		{Category: "supplement", Label: "补充资料", Items: []string{"中介机构要求补充的资料"}, Signed: true},
	}
}

func material(kind, category string) Material {
	for _, m := range RequiredMaterials(kind) {
		if m.Category == category {
			return m
		}
	}
	return Material{Category: category, Label: category}
}

// missing returns the unmet hard gates of t on r, in plain Chinese, so
// that the page lists what to do instead of only refusing.
func (s *Service) missing(ctx context.Context, q *store.Queries, r store.Review, t workflow.Trigger) ([]string, error) {
	var out []string
	switch t {
	case workflow.Submit, workflow.Resubmit, workflow.IssueNotice, workflow.Accept:
		m := material(r.Kind, "submission")
		signed, unsigned, err := q.DocumentCounts(ctx, r.ID, m.Category, time.Time{})
		if err != nil {
			return nil, err
		}
		if signed+unsigned == 0 {
			out = append(out, fmt.Sprintf("%s未上传(%s评审应包括:%s)", m.Label, kindLabel(r.Kind), strings.Join(m.Items, "、")))
		}
		if !r.SubmittedAmount.IsPositive() {
			out = append(out, "送审金额未填写或不大于零")
		}
	case workflow.Start:
		if r.FirmID != 0 {
			plan, err := q.LatestWorkPlan(ctx, r.ID, r.FirmID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				if s.plansRequired {
					out = append(out, "评审工作方案未提交")
				}
			case err != nil:
				return nil, err
			case plan.Status != "approved":
				out = append(out, "评审工作方案尚未经评审中心审批")
			}
		}
	case workflow.AddTracking:
		if r.Kind != "tracking" {
			out = append(out, "仅跟踪评审可添加跟踪记录")
		}
	case workflow.SendOpinion, workflow.Conclude, workflow.SampleRecheck:
		if !r.AuditedAmount.Valid {
			out = append(out, "审定金额未填写")
		}
	}
	switch t {
	case workflow.SubmitDraft, workflow.SendOpinion, workflow.Conclude:
		miss, err := s.supplementGates(ctx, q, r)
		if err != nil {
			return nil, err
		}
		out = append(out, miss...)
	}
	return out, nil
}

// supplementGates: supplementary materials must be signed and sealed, and
// materials asked for in this round must have come in.
func (s *Service) supplementGates(ctx context.Context, q *store.Queries, r store.Review) ([]string, error) {
	m := material(r.Kind, "supplement")
	var out []string
	_, unsigned, err := q.DocumentCounts(ctx, r.ID, m.Category, time.Time{})
	if err != nil {
		return nil, err
	}
	if m.Signed && unsigned > 0 {
		out = append(out, fmt.Sprintf("%s中有 %d 份未签字盖章,须由建设单位及其负责人签字盖章", m.Label, unsigned))
	}
	asked, ok, err := q.LastEventAt(ctx, r.ID, string(workflow.RequestMaterials), r.Round)
	if err != nil {
		return nil, err
	}
	if ok {
		signed, unsignedSince, err := q.DocumentCounts(ctx, r.ID, m.Category, asked)
		if err != nil {
			return nil, err
		}
		if (m.Signed && signed == 0) || (!m.Signed && signed+unsignedSince == 0) {
			out = append(out, fmt.Sprintf("已要求补充资料(%s),尚未收到签字盖章的%s", asked.In(shanghai()).Format("2006-01-02"), m.Label))
		}
	}
	return out, nil
}

func kindLabel(kind string) string {
	if k, err := fee.ParseKind(kind); err == nil {
		return k.Label()
	}
	return kind
}
