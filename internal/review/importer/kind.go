package importer

import (
	"fmt"
	"sort"
	"strings"

	"finreview/internal/fee"
	"finreview/internal/review"
)

// Kind is a register that can be imported.
type Kind string

// The registers, in the order they are best imported (each may refer to
// the ones before it).
const (
	Organizations Kind = "organizations"
	Firms         Kind = "firms"
	Experts       Kind = "experts"
	Projects      Kind = "projects"
	Reviews       Kind = "reviews"
)

// Kinds lists the registers in import order.
func Kinds() []Kind { return []Kind{Organizations, Firms, Experts, Projects, Reviews} }

// ParseKind turns a command-line or form value into a Kind.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, 0, 5)
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return "", fmt.Errorf("未知的导入类型 %q(可选:%s)", s, strings.Join(names, ", "))
}

// Label is the register's Chinese name.
func (k Kind) Label() string { return specs[k].label }

// Sheet is the name of the worksheet the template has and an upload needs.
func (k Kind) Sheet() string { return specs[k].sheet }

// column is one column of a register's sheet.
type column struct {
	header   string
	required bool
	note     string
	example  string
	// options is the list the template offers as data validation.
	options []string
}

type spec struct {
	label   string
	sheet   string
	columns []column
	// batch makes the kind's row handler for one run.
	batch func(c *checker) batch
}

// Column headers, shared by the specs and the row handlers.
const (
	hName          = "名称"
	hCreditCode    = "统一社会信用代码"
	hQualification = "资质"
	hScore         = "评分"
	hContact       = "联系人"
	hPhone         = "联系电话"
	hAdmitted      = "入库日期"
	hStatus        = "状态"
	hJurisdiction  = "所属区划"
	hServes        = "承接区划"
	hKinds         = "业务类型"
	hCapacity      = "承接上限"

	hExpertName = "姓名"
	hSpecialty  = "专业"
	hTitle      = "职称"
	hEmployer   = "工作单位"
	hIDNumber   = "身份证号"

	hOrgName = "单位名称"
	hOrgKind = "单位类型"
	hParent  = "上级主管部门"

	hProjectCode  = "项目编号"
	hProjectName  = "项目名称"
	hUnit         = "建设单位"
	hDept         = "主管部门"
	hFunding      = "资金来源"
	hCategory     = "项目类别"
	hEstimate     = "批复概算"
	hContractors  = "施工单位"
	hReviewKind   = "评审类型"
	hSubmitted    = "送审金额"
	hAudited      = "审定金额"
	hFirm         = "中介机构"
	hSubmittedOn  = "报送日期"
	hConcludedOn  = "结论日期"
	hDocNumber    = "结论文号"
	hFeeCharged   = "评审费"
	jurisdictions = "(填写区划名称,如 临河区、市本级)"
)

var firmStatuses = map[string]string{"正常": "active", "暂停": "suspended", "清退": "removed"}

var orgKinds = map[string]string{"建设单位": "construction_unit", "主管部门": "competent_dept", "施工单位": "contractor"}

// reviewKinds maps each review kind's label and code to its code.
func reviewKinds() map[string]string {
	m := map[string]string{}
	for _, k := range fee.Kinds() {
		m[k.Label()] = string(k)
		m[string(k)] = string(k)
	}
	return m
}

func reviewKindLabels() []string {
	var out []string
	for _, k := range fee.Kinds() {
		out = append(out, k.Label())
	}
	return out
}

// byLabel inverts a code → label map into label → code.
func byLabel(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for code, label := range m {
		out[label] = code
	}
	return out
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var specs = map[Kind]spec{
	Organizations: {label: "单位(建设单位、主管部门、施工单位)", sheet: "单位", batch: newOrgBatch, columns: []column{
		{header: hOrgName, required: true, note: "单位全称,系统内唯一", example: "临河区民政局"},
		{header: hOrgKind, required: true, note: "建设单位、主管部门或施工单位", example: "建设单位", options: keys(orgKinds)},
		{header: hJurisdiction, required: true, note: jurisdictions, example: "临河区"},
		{header: hCreditCode, note: "18 位,按 GB 32100-2015 校验", example: "91440300708461136T"},
		{header: hContact, example: "王明"},
		{header: hPhone, example: "0478-8888888"},
		{header: hParent, note: "已在系统中的主管部门名称", example: ""},
	}},
	Firms: {label: "中介机构库", sheet: "中介机构", batch: newFirmBatch, columns: []column{
		{header: hName, required: true, note: "机构全称,系统内唯一", example: "内蒙古诚信工程造价咨询有限公司"},
		{header: hCreditCode, required: true, note: "18 位,按 GB 32100-2015 校验", example: "91440300708461136T"},
		{header: hQualification, required: true, example: "工程造价咨询甲级"},
		{header: hScore, note: "0 至 100,最多两位小数", example: "92.5"},
		{header: hContact, example: "张伟"},
		{header: hPhone, example: "13800000000"},
		{header: hAdmitted, required: true, note: "如 2023-03-01", example: "2023-03-01"},
		{header: hStatus, note: "正常、暂停或清退,空白为正常", example: "正常", options: keys(firmStatuses)},
		{header: hJurisdiction, required: true, note: jurisdictions, example: "临河区"},
		{header: hServes, note: "可承接业务的区划,多个用顿号分隔;空白为所属区划", example: "临河区、五原县"},
		{header: hKinds, note: "可承接的评审类型,多个用顿号分隔;空白为全部类型", example: "预算、工程结算"},
		{header: hCapacity, note: "同时在办项目上限,空白或 0 为不限", example: "10"},
	}},
	Experts: {label: "专家库", sheet: "专家", batch: newExpertBatch, columns: []column{
		{header: hExpertName, required: true, example: "李华"},
		{header: hSpecialty, required: true, example: "土建"},
		{header: hTitle, example: "高级工程师"},
		{header: hEmployer, example: "巴彦淖尔市建筑设计院"},
		{header: hPhone, example: "13900000000"},
		{header: hIDNumber, note: "18 位,按 GB 11643-1999 校验;请设为文本格式", example: "11010519491231002X"},
	}},
	Projects: {label: "项目", sheet: "项目", batch: newProjectBatch, columns: []column{
		{header: hProjectCode, required: true, note: "系统内唯一", example: "LH-2023-001"},
		{header: hProjectName, required: true, example: "临河区社区综合服务设施建设项目"},
		{header: hJurisdiction, required: true, note: jurisdictions, example: "临河区"},
		{header: hUnit, required: true, note: "已在系统中的建设单位名称", example: "临河区民政局"},
		{header: hDept, note: "已在系统中的主管部门名称", example: ""},
		{header: hFunding, required: true, example: "一般公共预算", options: sortedValues(review.FundingSources())},
		{header: hCategory, required: true, example: "基本建设", options: sortedValues(review.Categories())},
		{header: hEstimate, required: true, note: "元,最多两位小数", example: "8650000.00"},
		{header: hContractors, note: "已在系统中的施工单位名称,多个用顿号分隔", example: ""},
	}},
	Reviews: {label: "历史评审", sheet: "评审", batch: newReviewBatch, columns: []column{
		{header: hProjectCode, required: true, note: "已在系统中的项目编号", example: "LH-2023-001"},
		{header: hReviewKind, required: true, example: "工程结算", options: reviewKindLabels()},
		{header: hSubmitted, required: true, note: "元,最多两位小数", example: "8650000.00"},
		{header: hAudited, required: true, note: "元,最多两位小数", example: "8123456.78"},
		{header: hFirm, note: "已在系统中的中介机构名称;中心自审的空白", example: "内蒙古诚信工程造价咨询有限公司"},
		{header: hSubmittedOn, required: true, example: "2023-04-10"},
		{header: hConcludedOn, required: true, example: "2023-06-20"},
		{header: hDocNumber, required: true, note: "原评审结论文号,如 临财评〔2023〕15号", example: "临财评〔2023〕15号"},
		{header: hFeeCharged, note: "元,最多两位小数", example: "35200.00"},
	}},
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
