package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"finreview/internal/auth"
	"finreview/internal/docs"
	"finreview/internal/review"
	"finreview/internal/store"
	"finreview/workflow"
)

// step is one transition of a demo review. Actor "firm" is the firm the
// review is delegated to; "system" fires through FireSystemTx.
type step struct {
	actor   string
	trigger workflow.Trigger
	reason  string
	params  map[string]string
}

func st(actor string, t workflow.Trigger, reason string, kv ...string) step {
	p := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return step{actor: actor, trigger: t, reason: reason, params: p}
}

// demoReview is one review of the demo city and the path it is driven along.
type demoReview struct {
	project, creator, kind, submitted, audited string
	steps                                      []step
}

// mainPath returns the steps of the main path up to and including the
// state to (from draft), with the given audited amount.
func mainPath(to workflow.State, audited string) []step {
	path := []struct {
		s    step
		next workflow.State
	}{
		{st("unit", workflow.Submit, ""), workflow.Submitted},
		{st("caizheng", workflow.IssueNotice, ""), workflow.Notified},
		{st("pingshen", workflow.Accept, ""), workflow.Accepted},
		{st("pingshen", workflow.Delegate, ""), workflow.Delegated},
		{st("firm", workflow.Start, ""), workflow.InReview},
		{st("firm", workflow.Reconcile, ""), workflow.Reconciling},
		{st("firm", workflow.SubmitDraft, "", "audited_amount", audited), workflow.CenterCheck},
		{st("pingshen", workflow.SendOpinion, ""), workflow.OpinionSent},
		{st("unit", workflow.Sign, "", "agree", "true"), workflow.Signed},
		{st("pingshen", workflow.Conclude, ""), workflow.Concluded},
		{st("caizheng", workflow.Process, ""), workflow.Processed},
		{st("caizheng", workflow.Archive, "", "archive_number", "巴财评档-2026-0001", "paper_received_on",
			time.Now().Format("2006-01-02"), "received_by", "王晓燕", "retention_years", "30"), workflow.Archived},
	}
	var out []step
	if to == workflow.Draft {
		return out
	}
	for _, p := range path {
		out = append(out, p.s)
		if p.next == to {
			return out
		}
	}
	return out
}

func then(base []step, more ...step) []step {
	return append(append([]step(nil), base...), more...)
}

func demoReviews() []demoReview {
	survey := st("firm", workflow.RecordSurvey, "", "survey_date", "2026-03-10", "people", "杨帆、建设单位刘海军、施工单位陈立新",
		"findings", "主体结构与竣工图一致,屋面防水做法与签证不符,需核减")
	return []demoReview{
		{"LH-2026-001", "jianshe", "settlement", "8120000.00", "7985320.50", mainPath(workflow.Archived, "7985320.50")},
		{"LH-2026-002", "jianshe", "budget", "12650000.00", "12218000.00", mainPath(workflow.Processed, "12218000.00")},
		{"LH-2026-003", "jianshe", "settlement", "4210000.00", "4035600.00", mainPath(workflow.Concluded, "4035600.00")},
		{"LH-2026-004", "jianshe", "settlement", "1920000.00", "1850400.00", mainPath(workflow.Signed, "1850400.00")},
		{"LH-2026-005", "jianshe", "settlement", "935000.00", "902300.00", mainPath(workflow.OpinionSent, "902300.00")},
		{"LH-2026-006", "jianshe", "settlement", "6080000.00", "5870000.00", mainPath(workflow.CenterCheck, "5870000.00")},
		{"LH-2026-007", "jianshe", "settlement", "2690000.00", "", mainPath(workflow.Reconciling, "")},
		{"LH-2026-008", "jianshe", "settlement", "861000.00", "", then(mainPath(workflow.InReview, ""), survey)},
		{"LH-2026-009", "jianshe", "budget", "5320000.00", "", mainPath(workflow.Delegated, "")},
		{"LH-2026-010", "jianshe", "budget", "9180000.00", "", mainPath(workflow.Accepted, "")},
		{"LH-2026-011", "jianshe", "settlement", "1415000.00", "", mainPath(workflow.Notified, "")},
		{"LH-2026-012", "jianshe", "settlement", "705000.00", "", mainPath(workflow.Submitted, "")},
		{"LH-2026-001", "jianshe", "change", "356000.00", "", nil},
		{"LH-2026-003", "jianshe", "change", "128000.00", "", then(mainPath(workflow.Notified, ""),
			st("pingshen", workflow.Return, "送审资料缺少竣工图及签证单,请补齐后重新报送"))},
		{"LH-2026-006", "jianshe", "change", "412000.00", "398500.00", then(mainPath(workflow.OpinionSent, "398500.00"),
			st("system", workflow.DeemAgreed, "征求意见书送达后5个工作日内未签署意见,逾期视同同意"))},
		{"LH-2026-009", "jianshe", "change", "268000.00", "251000.00", then(mainPath(workflow.OpinionSent, "251000.00"),
			st("unit", workflow.Sign, "", "agree", "false", "reasons", "钢材、商品混凝土单价按信息价下浮不合理,屋面工程量计算有误"))},
		{"LH-2026-010", "jianshe", "change", "534000.00", "506000.00", then(mainPath(workflow.OpinionSent, "506000.00"),
			st("unit", workflow.Sign, "", "agree", "false", "reasons", "外墙保温材料认质认价结果与合同约定不一致"),
			st("pingshen", workflow.StartExpertReview, "外墙保温专业入库专家不足,未能抽取,经中心集体研究直接指定", "experts", "1,4"))},
		{"LH-2026-004", "jianshe", "change", "198000.00", "176000.00", then(mainPath(workflow.OpinionSent, "176000.00"),
			st("pingshen", workflow.IssueUnilateral, "建设单位无正当理由逾期拒不签署意见"))},
		{"LH-2026-005", "jianshe", "change", "88000.00", "80500.00", then(mainPath(workflow.Concluded, "80500.00"),
			st("unit", workflow.FileAppeal, "审定金额未计入已签证的零星工程,申请复议"))},
		{"LH-2026-002", "jianshe", "tracking", "12800000.00", "", then(mainPath(workflow.InReview, ""),
			st("firm", workflow.AddTracking, "", "kind", "hidden_works", "record_date", "2026-04-08", "title", "基础钢筋隐蔽验收",
				"description", "监理、建设、施工三方到场,钢筋规格间距符合设计"),
			st("pingshen", workflow.Suspend, "设计变更待审批", "expected_workdays", "15"))},
		{"WY-2026-001", "jianshe2", "settlement", "15230000.00", "", mainPath(workflow.Delegated, "")},
		{"SB-2026-001", "zhuguan", "settlement", "3760000.00", "", mainPath(workflow.Submitted, "")},
	}
}

// SeedReviews creates the demo reviews and drives each one with the real
// review service into its state; it does nothing when reviews exist.
// Submission documents are small generated PDFs stored in objects (when
// given) and committed in the store.
func SeedReviews(ctx context.Context, s *store.Store, svc *review.Service, objects *docs.ObjectStore, seeded Seeded) (int, error) {
	if _, total, err := s.Reviews(ctx, store.Scope{All: true}, store.ReviewFilter{Limit: 1}); err != nil || total > 0 {
		return 0, err
	}
	users := map[string]auth.Principal{}
	principal := func(name string) (auth.Principal, error) {
		if p, ok := users[name]; ok {
			return p, nil
		}
		u, err := s.UserByUsername(ctx, name)
		if err != nil {
			return auth.Principal{}, fmt.Errorf("demo user %s: %w", name, err)
		}
		users[name] = auth.FromUser(u)
		return users[name], nil
	}
	n := 0
	for _, d := range demoReviews() {
		proj, err := s.ProjectByCode(ctx, d.project)
		if err != nil {
			return n, fmt.Errorf("demo project %s: %w", d.project, err)
		}
		creator, err := principal(d.creator)
		if err != nil {
			return n, err
		}
		r, err := svc.Create(ctx, creator, review.CreateInput{ProjectID: proj.ID, Kind: d.kind, SubmittedAmount: d.submitted})
		if err != nil {
			return n, fmt.Errorf("demo review %s %s: %w", d.project, d.kind, err)
		}
		n++
		if err := addDemoDocument(ctx, s, objects, r.ID, creator.UserID, "submission", proj.Name+"送审资料.pdf"); err != nil {
			return n, err
		}
		for _, stp := range d.steps {
			if err := fireStep(ctx, s, svc, principal, d.creator, r.ID, stp); err != nil {
				return n, fmt.Errorf("demo review %s %s: %s: %w", d.project, d.kind, stp.trigger, err)
			}
		}
	}
	return n, nil
}

func fireStep(ctx context.Context, s *store.Store, svc *review.Service, principal func(string) (auth.Principal, error),
	unit string, id int64, stp step) error {
	if stp.actor == "system" {
		return s.InTx(ctx, func(q *store.Queries) error {
			r, err := q.LockReview(ctx, id)
			if err != nil {
				return err
			}
			return svc.FireSystemTx(ctx, q, r, stp.trigger, stp.reason)
		})
	}
	name := stp.actor
	switch name {
	case "unit":
		name = unit
	case "firm":
		r, err := s.Review(ctx, store.Scope{All: true}, id)
		if err != nil {
			return err
		}
		us, err := s.UsersByRole(ctx, string(auth.Intermediary), r.FirmID)
		if err != nil || len(us) == 0 {
			return fmt.Errorf("no login for firm %d: %v", r.FirmID, err)
		}
		name = us[0].Username
	}
	p, err := principal(name)
	if err != nil {
		return err
	}
	params := stp.params
	if v, ok := params["experts"]; ok {
		ids, err := expertIDs(ctx, s, v)
		if err != nil {
			return err
		}
		params = map[string]string{}
		for k, v := range stp.params {
			params[k] = v
		}
		params["experts"] = ids
	}
	return svc.Act(ctx, p, id, review.FireInput{Trigger: stp.trigger, Reason: stp.reason, Params: params})
}

// expertIDs turns "#1,#4" (the first and the fourth demo expert, in the
// order they were loaded) into their ids: ids are not 1, 2, 3… on every
// server (a Galera cluster interleaves auto-increments between nodes).
func expertIDs(ctx context.Context, s *store.Store, ordinals string) (string, error) {
	all, err := s.Experts(ctx, store.ExpertFilter{})
	if err != nil {
		return "", err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	var ids []int64
	for _, o := range strings.Split(ordinals, ",") {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(o), "#"))
		if err != nil || n < 1 || n > len(all) {
			return "", fmt.Errorf("demo expert %q: there are %d experts", o, len(all))
		}
		ids = append(ids, all[n-1].ID)
	}
	return store.JoinIDs(ids), nil
}

// addDemoDocument stores a one-page PDF and commits its row.
func addDemoDocument(ctx context.Context, s *store.Store, objects *docs.ObjectStore, reviewID, uploader int64, category, name string) error {
	body := demoPDF(name)
	sum := sha256.Sum256(body)
	key := fmt.Sprintf("demo/%d/%s/%s", reviewID, category, hex.EncodeToString(sum[:8]))
	if objects != nil {
		if err := objects.Put(ctx, key, bytes.NewReader(body), int64(len(body)), "application/pdf"); err != nil {
			return fmt.Errorf("store demo document: %w", err)
		}
	}
	now := time.Now()
	return s.InTx(ctx, func(q *store.Queries) error {
		id, err := q.InsertPendingDocument(ctx, store.Document{ReviewID: reviewID, Category: category, Name: name, ObjectKey: key,
			ContentType: "application/pdf", UploaderID: uploader, CreatedAt: now})
		if err != nil {
			return err
		}
		_, err = q.CommitDocument(ctx, id, store.DocumentCommit{Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]),
			ContentType: "application/pdf", At: now})
		return err
	})
}

// demoPDF is a minimal valid one-page PDF naming the document.
func demoPDF(title string) []byte {
	text := fmt.Sprintf("BT /F1 14 Tf 72 760 Td (finreview demo document %x) Tj ET", sha256.Sum256([]byte(title)))
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
