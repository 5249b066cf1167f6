package docs

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/fee"
	"finreview/internal/store"
	"finreview/workflow"
)

// Paper kinds: each is its own 文号 series per jurisdiction and year, and
// the document category its PDF is stored under.
const (
	PaperNotice        = "notice"
	PaperOpinionLetter = "opinion_letter"
	PaperConclusion    = "conclusion"
	PaperFeeStatement  = "fee_statement"
)

// PaperKinds lists the kinds of official papers.
func PaperKinds() []string {
	return []string{PaperNotice, PaperOpinionLetter, PaperConclusion, PaperFeeStatement}
}

// ValidPaperKind reports whether kind is a paper kind.
func ValidPaperKind(kind string) bool {
	for _, k := range PaperKinds() {
		if k == kind {
			return true
		}
	}
	return false
}

// PaperLabel is the paper's Chinese title.
func PaperLabel(kind string) string {
	switch kind {
	case PaperNotice:
		return "财政投资项目评审业务通知书"
	case PaperOpinionLetter:
		return "评审结论征求意见书"
	case PaperConclusion:
		return "评审结论"
	case PaperFeeStatement:
		return "评审费用结算单"
	}
	return kind
}

// seriesWord is the word of a kind's 文号 after the jurisdiction's short
// name: 巴财评〔2026〕15号 (conclusion), 巴财评通 (notice), 巴财评意
// (opinion letter), 巴财评费 (fee statement).
func seriesWord(kind string) string {
	switch kind {
	case PaperNotice:
		return "财评通"
	case PaperOpinionLetter:
		return "财评意"
	case PaperFeeStatement:
		return "财评费"
	}
	return "财评"
}

// ShortName is the one- or two-character name a jurisdiction's papers
// start with: 巴 for 市本级 (巴彦淖尔市), a county's customary short name
// otherwise (临河区 → 临, 乌拉特前旗 → 乌前), else its first character.
func ShortName(j store.Jurisdiction) string {
	if j.IsCity {
		return "巴"
	}
	switch j.Name {
	case "临河区":
		return "临"
	case "五原县":
		return "五"
	case "磴口县":
		return "磴"
	case "乌拉特前旗":
		return "乌前"
	case "乌拉特中旗":
		return "乌中"
	case "乌拉特后旗":
		return "乌后"
	case "杭锦后旗":
		return "杭"
	}
	r, _ := utf8.DecodeRuneInString(j.Name)
	if r == utf8.RuneError {
		return "巴"
	}
	return string(r)
}

// DocNumber formats a 文号: 巴财评〔2026〕15号.
func DocNumber(j store.Jurisdiction, kind string, year, number int) string {
	return fmt.Sprintf("%s%s〔%d〕%d号", ShortName(j), seriesWord(kind), year, number)
}

// IssuePaper takes the next 文号 of the series (kind) for the review's
// jurisdiction and year from a counter row locked in the caller's
// transaction, records the paper and its audit event. The PDF is made
// after commit by RenderPending.
func (s *Service) IssuePaper(ctx context.Context, q *store.Queries, r store.Review, kind string, actor auth.Principal, at time.Time) (store.Paper, error) {
	if !ValidPaperKind(kind) {
		return store.Paper{}, fmt.Errorf("unknown paper kind %q", kind)
	}
	j, err := q.Jurisdiction(ctx, r.JurisdictionID)
	if err != nil {
		return store.Paper{}, fmt.Errorf("jurisdiction of review %d: %w", r.ID, err)
	}
	year := at.In(s.loc).Year()
	n, err := q.NextPaperNumber(ctx, r.JurisdictionID, kind, year)
	if err != nil {
		return store.Paper{}, fmt.Errorf("next paper number: %w", err)
	}
	p := store.Paper{ReviewID: r.ID, Kind: kind, JurisdictionID: r.JurisdictionID, Year: year, Number: n,
		DocNumber: DocNumber(j, kind, year, n), IssuedBy: actor.UserID, IssuedAt: at, IssuedByName: actorName(actor),
		ProjectName: r.ProjectName, ProjectCode: r.ProjectCode}
	if p.ID, err = q.InsertPaper(ctx, p); err != nil {
		return store.Paper{}, fmt.Errorf("record paper: %w", err)
	}
	if _, err := audit.Append(ctx, q, at, audit.Entry{ActorID: actor.UserID, ActorName: actorName(actor), Action: "paper_issue",
		ReviewID: r.ID, ObjectType: "paper", ObjectID: audit.ID(p.ID),
		Detail: map[string]any{"kind": kind, "doc_number": p.DocNumber}}); err != nil {
		return store.Paper{}, err
	}
	return p, nil
}

// MaxRenderAttempts is how often a paper's PDF may fail (an error or a
// panic) before the paper is parked: left out of the background passes,
// shown as failed in the review's papers, its last error kept.
const MaxRenderAttempts = 3

// RenderPending generates the PDFs of papers issued but not yet rendered
// and stores each in MinIO as a document of the paper's category, with its
// SHA-256 and the content snapshot, so what was issued can be shown later
// unchanged. Several instances may run it at once: a paper is linked to
// one document only, a loser removes its copy. A paper that fails counts
// an attempt (parked at MaxRenderAttempts) and the others go on; while the
// object store is down the pass stops, as no paper could be stored.
func (s *Service) RenderPending(ctx context.Context) error {
	var after int64
	for {
		papers, err := s.store.UnrenderedPapers(ctx, after, 50)
		if err != nil {
			return fmt.Errorf("list unrendered papers: %w", err)
		}
		for _, p := range papers {
			after = p.ID
			if err := s.renderOne(ctx, p); err != nil {
				if ctx.Err() != nil || errors.Is(err, ErrStorageUnavailable) {
					return fmt.Errorf("render paper %s: %w", p.DocNumber, err)
				}
			}
		}
		if len(papers) < 50 {
			return nil
		}
	}
}

// renderOne renders a paper, turning a panic into an error, and records a
// failure against the paper (not an outage of the object store, nor a
// cancelled context).
func (s *Service) renderOne(ctx context.Context, p store.Paper) (err error) {
	func() {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v", v)
				s.log.Error("paper render panicked", slog.Int64("paper_id", p.ID), slog.String("doc_number", p.DocNumber),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			}
		}()
		err = s.render(ctx, p)
	}()
	if err == nil || ctx.Err() != nil || errors.Is(err, ErrStorageUnavailable) {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	n, parked, rerr := s.store.RecordPaperRenderFailure(cctx, p.ID, err.Error(), s.now(), MaxRenderAttempts)
	attrs := []any{slog.Int64("paper_id", p.ID), slog.Int64("review_id", p.ReviewID), slog.String("doc_number", p.DocNumber),
		slog.Int("attempts", n), slog.String("error", err.Error())}
	switch {
	case rerr != nil:
		s.log.Error("paper render failed; the failure was not recorded", append(attrs, slog.String("record_error", rerr.Error()))...)
	case parked:
		s.log.Error("paper render failed too often, parked until staff act", attrs...)
	default:
		s.log.Warn("paper render failed", attrs...)
	}
	return err
}

// render makes and stores one paper's PDF.
func (s *Service) render(ctx context.Context, p store.Paper) error {
	r, err := s.store.Review(ctx, store.Scope{All: true}, p.ReviewID)
	if err != nil {
		return err
	}
	c, err := s.content(ctx, r, p.Kind, p.DocNumber, p.IssuedAt)
	if err != nil {
		return err
	}
	snapshot, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.writePDF(&buf, c); err != nil {
		return err
	}
	issuer := auth.Principal{UserID: p.IssuedBy, Name: p.IssuedByName, Role: auth.System}
	if issuer.Name == "" {
		issuer.Name = "系统"
	}
	name := PaperLabel(p.Kind) + "-" + p.DocNumber + ".pdf"
	body := &meter{r: bytes.NewReader(buf.Bytes()), limit: DefaultLimit(p.Kind), sum: sha256.New()}
	key, err := newKey(r.ID)
	if err != nil {
		return err
	}
	doc := store.Document{ReviewID: r.ID, Category: p.Kind, Name: name, ObjectKey: key, ContentType: "application/pdf",
		SignedSealed: false, UploaderID: p.IssuedBy, CreatedAt: s.now(), Official: true}
	id, err := s.store.InsertPendingDocument(ctx, doc)
	if err != nil {
		return err
	}
	cleanup := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = s.objects.Delete(cctx, key)
		_, _ = s.store.DeletePendingDocument(cctx, id)
	}
	if err := s.objects.Put(ctx, key, body, int64(buf.Len()), "application/pdf"); err != nil {
		cleanup()
		s.log.Error("store paper pdf", slog.String("doc_number", p.DocNumber), slog.String("error", err.Error()))
		return ErrStorageUnavailable
	}
	sum := fmt.Sprintf("%x", body.sum.Sum(nil))
	at := s.now()
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		v, err := q.CommitDocument(ctx, id, store.DocumentCommit{Size: body.n, SHA256: sum, SM3: body.sm3Sum(),
			ContentType: "application/pdf", At: at})
		if err != nil {
			return err
		}
		if err := q.SetPaperDocument(ctx, p.ID, id, string(snapshot)); err != nil {
			return err
		}
		if s.signer != nil {
			sig, err := s.signer.Sign(body.sm3Sum())
			if err != nil {
				return err
			}
			if err := q.SetPaperSignature(ctx, p.ID, sig); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, q, at, audit.Entry{ActorID: issuer.UserID, ActorName: issuer.Name, Action: "paper_render",
			ReviewID: r.ID, ObjectType: "paper", ObjectID: audit.ID(p.ID),
			Detail: map[string]any{"kind": p.Kind, "doc_number": p.DocNumber, "document_id": id, "version": v,
				"sha256": sum, "sm3": body.sm3Sum(), "size": body.n}})
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		cleanup() // another instance rendered it first
		return nil
	}
	if err != nil {
		cleanup()
		return err
	}
	return nil
}

// PaperView is what the print view of a paper shows.
type PaperView struct {
	Content Content
	// Paper is the issued paper shown (nil for a preview of one not yet issued).
	Paper *store.Paper
	// Snapshot is true when Content is exactly what was issued.
	Snapshot bool
}

// View returns the latest valid paper of a kind for a review the principal
// sees: the issued content when it has been rendered, else the content
// from the review's current data (a preview when no number was issued).
func (s *Service) View(ctx context.Context, p auth.Principal, reviewID int64, kind string) (PaperView, error) {
	if !ValidPaperKind(kind) {
		return PaperView{}, store.ErrNotFound
	}
	r, err := s.store.Review(ctx, p.Scope(), reviewID)
	if err != nil {
		return PaperView{}, err
	}
	papers, err := s.store.Papers(ctx, reviewID)
	if err != nil {
		return PaperView{}, err
	}
	var latest *store.Paper
	for i := range papers {
		if papers[i].Kind == kind && !papers[i].Voided() {
			latest = &papers[i]
		}
	}
	if latest != nil && latest.Snapshot != "" {
		var c Content
		if err := json.Unmarshal([]byte(latest.Snapshot), &c); err == nil {
			return PaperView{Content: c, Paper: latest, Snapshot: true}, nil
		}
	}
	number, at := "", s.now()
	if latest != nil {
		number, at = latest.DocNumber, latest.IssuedAt
	}
	c, err := s.content(ctx, r, kind, number, at)
	if err != nil {
		return PaperView{}, err
	}
	return PaperView{Content: c, Paper: latest}, nil
}

// Paper returns one paper of a review the principal sees.
func (s *Service) Paper(ctx context.Context, p auth.Principal, paperID int64) (store.Paper, error) {
	pp, err := s.store.Paper(ctx, paperID)
	if err != nil {
		return store.Paper{}, err
	}
	if _, err := s.store.Review(ctx, p.Scope(), pp.ReviewID); err != nil {
		return store.Paper{}, err
	}
	return pp, nil
}

// OpenPaperPDF opens the stored PDF of an issued paper (rendering it first
// if that has not happened yet), logging the download like any document's.
func (s *Service) OpenPaperPDF(ctx context.Context, p auth.Principal, paperID int64, ip string) (store.Document, io.ReadCloser, error) {
	pp, err := s.Paper(ctx, p, paperID)
	if err != nil {
		return store.Document{}, nil, err
	}
	if pp.DocumentID == 0 {
		if pp.Voided() {
			return store.Document{}, nil, store.ErrNotFound
		}
		if pp.RenderParked() {
			return store.Document{}, nil, errConflict("该公文的 PDF 多次生成失败,已暂停生成,请联系系统管理员处理")
		}
		if err := s.renderOne(ctx, pp); err != nil {
			return store.Document{}, nil, err
		}
		if pp, err = s.store.Paper(ctx, paperID); err != nil {
			return store.Document{}, nil, err
		}
		if pp.DocumentID == 0 {
			return store.Document{}, nil, store.ErrNotFound
		}
	}
	return s.Open(ctx, p, pp.DocumentID, ActionDownload, ip)
}

// VoidPaper voids an issued number (review center only, with a reason);
// the number is never reused.
func (s *Service) VoidPaper(ctx context.Context, p auth.Principal, paperID int64, reason string) (store.Paper, error) {
	if p.Role != auth.ReviewCenter {
		return store.Paper{}, auth.ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return store.Paper{}, fieldErr("reason", "请填写作废原因")
	}
	if utf8.RuneCountInString(reason) > 500 {
		return store.Paper{}, fieldErr("reason", "作废原因不超过 500 字")
	}
	pp, err := s.Paper(ctx, p, paperID)
	if err != nil {
		return store.Paper{}, err
	}
	if pp.Voided() {
		return store.Paper{}, errConflict("该文号已作废")
	}
	at := s.now()
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		if err := q.VoidPaper(ctx, pp.ID, p.UserID, reason, at); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errConflict("该文号已作废")
			}
			return err
		}
		_, err := audit.Append(ctx, q, at, audit.Entry{ActorID: p.UserID, ActorName: actorName(p), Action: "paper_void",
			ReviewID: pp.ReviewID, ObjectType: "paper", ObjectID: audit.ID(pp.ID),
			Detail: map[string]any{"doc_number": pp.DocNumber, "reason": reason}})
		return err
	})
	if err != nil {
		return store.Paper{}, err
	}
	return s.store.Paper(ctx, pp.ID)
}

// SearchPapers finds papers by 文号 among the reviews the principal sees.
func (s *Service) SearchPapers(ctx context.Context, p auth.Principal, f store.PaperFilter) ([]store.Paper, int, error) {
	return s.store.SearchPapers(ctx, p.Scope(), f)
}

// Content is an official paper laid out as blocks, rendered alike as a
// print page and as a PDF; its JSON is the snapshot kept with the PDF.
type Content struct {
	Kind      string    `json:"kind"`
	Issuer    string    `json:"issuer"`
	DocNumber string    `json:"doc_number"`
	Title     string    `json:"title"`
	Addressee string    `json:"addressee"`
	Sections  []Section `json:"sections"`
	Signer    string    `json:"signer"`
	Date      string    `json:"date"`
	Copies    string    `json:"copies,omitempty"`
	// Receipt lines for the receiving party to fill in (opinion letter).
	Receipt []string `json:"receipt,omitempty"`
	Draft   bool     `json:"draft,omitempty"`
}

// Section is a heading (optional), paragraphs and a table of rows.
type Section struct {
	Heading    string   `json:"heading,omitempty"`
	Paragraphs []string `json:"paragraphs,omitempty"`
	Rows       []Row    `json:"rows,omitempty"`
}

// Row is one line of a two-column table.
type Row struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// content builds a paper of kind from the review's data.
func (s *Service) content(ctx context.Context, r store.Review, kind, number string, at time.Time) (Content, error) {
	j, err := s.store.Jurisdiction(ctx, r.JurisdictionID)
	if err != nil {
		return Content{}, err
	}
	proj, err := s.store.Project(ctx, store.Scope{All: true}, r.ProjectID)
	if err != nil {
		return Content{}, err
	}
	var stmt *store.FeeStatement
	if st, err := s.store.FeeStatementByReview(ctx, r.ID); err == nil {
		stmt = &st
	} else if !errors.Is(err, store.ErrNotFound) {
		return Content{}, err
	}
	return BuildContent(PaperInput{Kind: kind, DocNumber: number, At: at.In(s.loc), Review: r, Project: proj,
		Jurisdiction: j, Fee: stmt}), nil
}

// PaperInput is the data a paper is made from.
type PaperInput struct {
	Kind         string
	DocNumber    string
	At           time.Time
	Review       store.Review
	Project      store.Project
	Jurisdiction store.Jurisdiction
	Fee          *store.FeeStatement
}

func bureauName(j store.Jurisdiction) string {
	if j.IsCity {
		return "巴彦淖尔市财政局"
	}
	return j.Name + "财政局"
}

func centerName(j store.Jurisdiction) string {
	if j.IsCity {
		return "巴彦淖尔市财政投资评审中心"
	}
	return j.Name + "财政投资评审中心"
}

// ChineseDate writes a date as on official papers: 2026年3月5日.
func ChineseDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// Money writes an amount with thousands separators and two decimals.
func Money(d decimal.Decimal) string { return fee.FormatAmount(d) }

func kindText(k string) string {
	if kind, err := fee.ParseKind(k); err == nil {
		return kind.Label()
	}
	return k
}

func fundingText(s string) string {
	switch s {
	case "general_budget":
		return "一般公共预算"
	case "government_fund":
		return "政府性基金"
	case "special_bond":
		return "政府债券"
	case "ppp":
		return "PPP"
	case "special_fund":
		return "专项资金"
	case "other":
		return "其他"
	}
	return s
}

func projectCategoryText(s string) string {
	switch s {
	case "capital":
		return "基本建设"
	case "renovation":
		return "维修改造"
	case "decoration":
		return "装饰装修"
	}
	return s
}

// BuildContent lays out a paper from its data.
func BuildContent(in PaperInput) Content {
	r, proj, j := in.Review, in.Project, in.Jurisdiction
	c := Content{Kind: in.Kind, DocNumber: in.DocNumber, Title: PaperLabel(in.Kind), Date: ChineseDate(in.At)}
	if c.DocNumber == "" {
		c.Draft = true
		c.DocNumber = "(未编号)"
	}
	kind := kindText(r.Kind)
	submitted := r.SubmittedAmount
	audited, hasAudited := r.AuditedAmount.Decimal, r.AuditedAmount.Valid
	if in.Fee != nil {
		submitted, audited, hasAudited = in.Fee.SubmittedAmount, in.Fee.AuditedAmount, true
	}
	amountRows := []Row{{"送审金额(元)", Money(submitted)}}
	if hasAudited {
		change, word, rate := reduction(submitted, audited)
		rateText := "—"
		if rate != "" {
			rateText = rate + "%"
		}
		amountRows = append(amountRows, Row{"审定金额(元)", Money(audited)}, Row{word + "额(元)", Money(change)}, Row{word + "率", rateText})
	}
	projectRows := []Row{
		{"项目名称", proj.Name}, {"项目编号", proj.Code}, {"建设单位", r.UnitName}, {"所属区划", j.Name},
		{"评审类型", kind}, {"资金来源", fundingText(proj.FundingSource)},
	}
	switch in.Kind {
	case PaperNotice:
		c.Issuer, c.Signer = bureauName(j), bureauName(j)
		c.Addressee = centerName(j) + ":"
		c.Sections = []Section{
			{Paragraphs: []string{fmt.Sprintf("根据《巴彦淖尔市财政投资项目评审管理办法》,%s报送的“%s”%s评审资料已经我局初审,现以本通知书将该项目委托你中心评审,送审资料一并移交。",
				r.UnitName, proj.Name, kind)}},
			{Heading: "一、项目基本情况", Rows: append(projectRows, Row{"项目类别", projectCategoryText(proj.Category)},
				Row{"批复概算(元)", Money(proj.ApprovedEstimate)}, Row{"送审金额(元)", Money(r.SubmittedAmount)})},
			{Heading: "二、评审要求", Paragraphs: []string{
				"请你中心对送审资料进行审查,具备评审条件的依规受理并制定评审计划;不具备评审条件的,说明原因后退回我局。",
				"评审工作应依法、依规进行,对评审结论的真实性、准确性、合理性负责,并按规定时限出具评审结论报送我局。",
			}},
		}
	case PaperOpinionLetter:
		c.Issuer, c.Signer = centerName(j), centerName(j)
		c.Addressee = r.UnitName + ":"
		firm := r.FirmName
		if firm == "" {
			firm = "受托中介机构"
		}
		c.Sections = []Section{
			{Paragraphs: []string{fmt.Sprintf("我中心委托%s对你单位报送的“%s”%s进行了评审,经现场踏勘、会审核对及中心复核,初步形成评审结论如下:",
				firm, proj.Name, kind)}},
			{Rows: append([]Row{{"项目名称", proj.Name}, {"项目编号", proj.Code}}, amountRows...)},
			{Paragraphs: []string{
				"请你单位自收到本征求意见书之日起5个工作日内签署书面意见,由建设单位及其负责人签字盖章,同时督促施工单位签字盖章后送回我中心。逾期未签署意见的,视为同意。",
				"对评审结论有异议的,请在签署意见时写明理由并附相关证据材料。",
			}},
		}
		c.Receipt = []string{"建设单位意见:", "建设单位(盖章):", "负责人(签字):", "日期:    年  月  日",
			"施工单位意见:", "施工单位(盖章):", "负责人(签字):", "日期:    年  月  日"}
	case PaperConclusion:
		c.Issuer, c.Signer = centerName(j), centerName(j)
		c.Addressee = r.UnitName + ":"
		firm := r.FirmName
		conclusionText := fmt.Sprintf("经评审,该项目送审金额%s元", Money(submitted))
		if hasAudited {
			change, word, rate := reduction(submitted, audited)
			conclusionText += fmt.Sprintf(",审定金额%s元,%s%s元,%s率%s%%。", Money(audited), word, Money(change), word,
				cmp.Or(rate, "0.00"))
		} else {
			conclusionText += "。"
		}
		special := []string{}
		switch {
		case r.Outcome == string(fee.Unilateral) || r.State == workflow.Unilateral:
			special = append(special, "建设单位、施工单位无正当理由拒绝签字盖章,本结论为评审中心出具的单方评审结论。")
		case r.State == workflow.DeemedAgreed:
			special = append(special, "建设单位在收到《评审结论征求意见书》之日起5个工作日内未签署意见,视同同意。")
		}
		special = append(special, "本评审结论仅作为财政部门办理工程价款结算、批复竣工财务决算等事项的依据之一,评审结论及相关资料属保密资料,未经批准不得向任何单位泄露。")
		content := fmt.Sprintf("受我中心委托,%s对该项目%s进行了评审,评审人员到项目现场踏勘调查,按有关标准、定额、规定逐项审核,并与建设单位会审核对,经中心复核后形成本结论。", orText(firm, "中介机构"), kind)
		c.Sections = []Section{
			{Paragraphs: []string{fmt.Sprintf("根据%s《财政投资项目评审业务通知书》的委托,我中心对你单位报送的“%s”%s进行了评审,现将评审结论报告如下:", bureauName(j), proj.Name, kind)}},
			{Heading: "一、项目概况", Rows: append(projectRows, Row{"项目类别", projectCategoryText(proj.Category)}, Row{"批复概算(元)", Money(proj.ApprovedEstimate)})},
			{Heading: "二、评审依据", Paragraphs: []string{"《巴彦淖尔市财政投资项目评审管理办法》;国家、自治区现行工程计价依据、定额及相关规定;项目批复文件、招标投标文件、施工合同及建设单位报送并签字盖章的评审资料。"}},
			{Heading: "三、评审范围", Paragraphs: []string{fmt.Sprintf("建设单位报送的“%s”%s资料所含全部工程内容。", proj.Name, kind)}},
			{Heading: "四、评审内容", Paragraphs: []string{content}},
			{Heading: "五、评审结论", Paragraphs: []string{conclusionText}, Rows: amountRows},
			{Heading: "六、审增(减)原因", Paragraphs: []string{"审增(减)主要原因为工程量计算、定额套用、材料价格及取费标准与现行规定不符等,逐项原因详见中介机构出具的审核报告。"}},
			{Heading: "七、特别事项说明", Paragraphs: special},
		}
		c.Copies = "本评审结论一式四份:评审中心一份,项目建设单位一份,财政相关业务科室两份。"
	case PaperFeeStatement:
		c.Issuer, c.Signer = centerName(j), centerName(j)
		c.Addressee = bureauName(j) + ":"
		rows := append([]Row{}, projectRows...)
		if in.Fee != nil {
			f := in.Fee
			outcome := f.Outcome
			if o, err := fee.ParseOutcome(f.Outcome); err == nil {
				outcome = o.Label()
			}
			rows = append(rows, Row{"评审结果", outcome}, Row{"送审金额(元)", Money(f.SubmittedAmount)},
				Row{"审定金额(元)", Money(f.AuditedAmount)}, Row{"基本付费额(元)", Money(f.BasicFee)},
				Row{"核减追加付费额(元)", Money(f.ReductionFee)}, Row{"评审费合计(元)", Money(f.TotalFee)},
				Row{"施工单位承担(元)", Money(f.ContractorShare)}, Row{"财政承担(元)", Money(f.FinanceShare)},
				Row{"本次应付(元)", Money(f.PayableNow)}, Row{"暂缓支付(元)", Money(f.PayableLater)})
			if f.ScheduleName != "" {
				rows = append(rows, Row{"适用费率表", fmt.Sprintf("%s(第%d版)", f.ScheduleName, f.ScheduleVersion)})
			}
		} else {
			rows = append(rows, amountRows...)
		}
		c.Sections = []Section{
			{Paragraphs: []string{fmt.Sprintf("“%s”%s评审已出具评审结论,按《巴彦淖尔市财政投资项目评审管理办法》第二十条规定的付费标准,评审费用结算如下:", proj.Name, kind)}},
			{Rows: rows},
			{Paragraphs: []string{"核减额超过送审金额5%的部分对应的评审费由施工单位承担,在工程结算中相应扣减;出具单方评审结论的,先按应付评审费的80%支付,其余部分待出具正式评审结论后支付。"}},
		}
	}
	return c.fullWidth()
}

// reduction is what the review changed of the submitted amount: the
// change itself, 审减 or 审增 (when audited is more), and its rate in
// percent of the submitted amount with two decimals ("" when nothing was
// submitted).
func reduction(submitted, audited decimal.Decimal) (change decimal.Decimal, word, rate string) {
	diff := submitted.Sub(audited)
	word = "审减"
	if diff.IsNegative() {
		word = "审增"
	}
	if submitted.IsPositive() {
		rate = diff.Abs().Mul(decimal.NewFromInt(100)).DivRound(submitted, 2).StringFixed(2)
	}
	return diff.Abs(), word, rate
}

// fullWidth gives the paper's Chinese text full-width punctuation (，：；（）)
// while keeping amounts (8,650,000.00) and codes as they are.
func (c Content) fullWidth() Content {
	c.Title, c.Addressee, c.Copies = FullWidth(c.Title), FullWidth(c.Addressee), FullWidth(c.Copies)
	c.Issuer, c.Signer = FullWidth(c.Issuer), FullWidth(c.Signer)
	var receipt []string
	c.Sections, receipt = c.mapBody(FullWidth)
	if len(receipt) > 0 {
		c.Receipt = receipt
	}
	return c
}

// mapBody is c's sections and receipt lines with f applied to every text
// in them (no receipt lines when c has none).
func (c Content) mapBody(f func(string) string) ([]Section, []string) {
	secs := make([]Section, len(c.Sections))
	for i, s := range c.Sections {
		ns := Section{Heading: f(s.Heading)}
		for _, p := range s.Paragraphs {
			ns.Paragraphs = append(ns.Paragraphs, f(p))
		}
		for _, r := range s.Rows {
			ns.Rows = append(ns.Rows, Row{Label: f(r.Label), Value: f(r.Value)})
		}
		secs[i] = ns
	}
	var receipt []string
	for _, l := range c.Receipt {
		receipt = append(receipt, f(l))
	}
	return secs, receipt
}

// FullWidth turns ASCII , : ; ( ) ? ! next to Chinese text into their
// full-width forms; a comma or colon between digits stays.
func FullWidth(s string) string {
	runes := []rune(s)
	digit := func(i int) bool { return i >= 0 && i < len(runes) && runes[i] >= '0' && runes[i] <= '9' }
	var b strings.Builder
	for i, r := range runes {
		switch r {
		case ',':
			if digit(i-1) && digit(i+1) {
				b.WriteRune(r)
			} else {
				b.WriteRune('，')
			}
		case ':':
			if digit(i-1) && digit(i+1) {
				b.WriteRune(r)
			} else {
				b.WriteRune('：')
			}
		case ';':
			b.WriteRune('；')
		case '(':
			b.WriteRune('（')
		case ')':
			b.WriteRune('）')
		case '?':
			b.WriteRune('？')
		case '!':
			b.WriteRune('！')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
