package docs

import (
	"strings"

	"finreview/internal/auth"
)

// Document categories (codes of DESIGN.md's 资料 categories). Notice and
// FeeStatement hold generated papers only and cannot be uploaded.
const (
	Submission    = "submission"
	Supplement    = "supplement"
	Survey        = "survey"
	DraftReport   = "draft_report"
	FinalReport   = "final_report"
	OpinionLetter = "opinion_letter"
	Feedback      = "feedback"
	Conclusion    = "conclusion"
	Appeal        = "appeal"
	ExpertOpinion = "expert_opinion"
	Tracking      = "tracking"
	Other         = "other"
	Notice        = "notice"
	FeeStatement  = "fee_statement"
)

// Groups of content types a category may accept.
const (
	groupPDF     = "pdf"
	groupImage   = "image"
	groupOffice  = "office"
	groupArchive = "archive"
	groupCAD     = "cad"
)

const (
	mib = int64(1) << 20
	gib = int64(1) << 30
)

type categoryRule struct {
	label  string
	roles  []auth.Role
	groups []string
	limit  int64
	thumbs bool
}

func rule(category string) (categoryRule, bool) {
	unit := []auth.Role{auth.ConstructionUnit}
	firm := []auth.Role{auth.Intermediary}
	center := []auth.Role{auth.ReviewCenter}
	all := []string{groupPDF, groupImage, groupOffice, groupArchive, groupCAD}
	docs := []string{groupPDF, groupImage, groupOffice}
	switch category {
	case Submission:
		return categoryRule{"送审资料", unit, all, 2 * gib, false}, true
	case Supplement:
		return categoryRule{"补充资料", unit, all, 2 * gib, false}, true
	case Feedback:
		return categoryRule{"反馈意见", unit, docs, 200 * mib, false}, true
	case Appeal:
		return categoryRule{"复议申请", unit, []string{groupPDF, groupImage, groupOffice, groupArchive}, 500 * mib, false}, true
	case Survey:
		return categoryRule{"踏勘记录/照片", firm, docs, 30 * mib, true}, true
	case DraftReport:
		return categoryRule{"审核报告初稿", firm, []string{groupPDF, groupOffice, groupArchive}, 200 * mib, false}, true
	case FinalReport:
		return categoryRule{"审核报告", firm, []string{groupPDF, groupOffice, groupArchive}, 200 * mib, false}, true
	case Tracking:
		return categoryRule{"跟踪记录", firm, all, 200 * mib, true}, true
	case OpinionLetter:
		return categoryRule{"征求意见书", center, docs, 200 * mib, false}, true
	case Conclusion:
		return categoryRule{"评审结论", center, docs, 200 * mib, false}, true
	case ExpertOpinion:
		return categoryRule{"专家复审意见", []auth.Role{auth.ReviewCenter, auth.Expert}, docs, 200 * mib, false}, true
	case Other:
		return categoryRule{"其他", center, all, 500 * mib, false}, true
	case Notice:
		return categoryRule{"业务通知书", nil, []string{groupPDF}, 50 * mib, false}, true
	case FeeStatement:
		return categoryRule{"费用结算单", nil, []string{groupPDF}, 50 * mib, false}, true
	}
	return categoryRule{}, false
}

// Categories lists every category code, uploadable ones first.
func Categories() []string {
	return []string{Submission, Supplement, Survey, DraftReport, FinalReport, OpinionLetter, Feedback, Conclusion,
		Appeal, ExpertOpinion, Tracking, Other, Notice, FeeStatement}
}

// CategoryLabel is the Chinese name of a category.
func CategoryLabel(category string) string {
	if r, ok := rule(category); ok {
		return r.label
	}
	return category
}

// ValidCategory reports whether the code is a known category.
func ValidCategory(category string) bool {
	_, ok := rule(category)
	return ok
}

// MayUpload reports whether the role may upload documents of the category
// (row scope aside): the unit its submissions, supplements, feedback and
// appeals; the delegated firm its survey records, reports and tracking
// records; the review center letters, conclusions, expert opinions and others;
// a drawn expert the signed copy of the expert's opinion (the service checks
// that the expert was drawn for the review).
func MayUpload(r auth.Role, category string) bool {
	cr, ok := rule(category)
	if !ok {
		return false
	}
	for _, x := range cr.roles {
		if x == r {
			return true
		}
	}
	return false
}

// UploadCategories lists the categories the role may upload.
func UploadCategories(r auth.Role) []string {
	var out []string
	for _, c := range Categories() {
		if MayUpload(r, c) {
			out = append(out, c)
		}
	}
	return out
}

// DefaultLimit is the size limit of a category.
func DefaultLimit(category string) int64 {
	r, _ := rule(category)
	return r.limit
}

func allowedText(category string) string {
	r, _ := rule(category)
	var names []string
	for _, g := range r.groups {
		switch g {
		case groupPDF:
			names = append(names, "PDF")
		case groupImage:
			names = append(names, "图片(JPEG/PNG 等)")
		case groupOffice:
			names = append(names, "Office 文档")
		case groupArchive:
			names = append(names, "压缩包(ZIP/RAR/7z)")
		case groupCAD:
			names = append(names, "CAD 图纸(DWG/DXF)")
		}
	}
	return strings.Join(names, "、")
}

func allows(category, group string) bool {
	r, _ := rule(category)
	for _, g := range r.groups {
		if g == group {
			return true
		}
	}
	return false
}
