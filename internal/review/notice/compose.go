package notice

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"finreview/internal/fee"
	"finreview/internal/store"
)

// SMSSegment is the length of one SMS of Chinese text.
const SMSSegment = 70

var beijing = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// composer writes the messages of notices.
type composer struct {
	baseURL   string // the application's address, for links
	signature string // the SMS signature, 【…】
	templates map[Kind]string
}

func (c composer) link(d store.Delivery) string {
	if d.ReviewID == 0 || c.baseURL == "" {
		return ""
	}
	return strings.TrimRight(c.baseURL, "/") + "/reviews/" + strconv.FormatInt(d.ReviewID, 10)
}

func reviewKindLabel(k string) string {
	if k == "" {
		return ""
	}
	return fee.Kind(k).Label()
}

// showsDue reports whether the review's running deadline is the
// recipient's to meet for this kind of notice (a suspension pauses it, a
// conclusion ends it).
func showsDue(kind string) bool {
	switch choiceKind(kind) {
	case Delegated, OpinionSent, DeadlineReminder, Nudge, Returned:
		return true
	}
	return false
}

func dueText(d store.Delivery) string {
	if !d.DueAt.Valid || !showsDue(d.Kind) {
		return ""
	}
	return d.DueAt.Time.In(beijing).Format("2006-01-02 15:04")
}

// email writes one notice's mail.
func (c composer) email(d store.Delivery) (subject, text string) {
	subject = "[财政投资评审] " + d.Title
	var b strings.Builder
	fmt.Fprintf(&b, "%s,您好:\n\n%s\n\n", d.UserName, d.Body)
	c.facts(&b, d)
	b.WriteString("\n本邮件由财政投资评审系统自动发送,请勿直接回复。\n")
	return subject, b.String()
}

func (c composer) facts(b *strings.Builder, d store.Delivery) {
	if d.ProjectName != "" {
		fmt.Fprintf(b, "项目名称:%s\n", d.ProjectName)
	}
	if l := reviewKindLabel(d.ReviewKind); l != "" {
		fmt.Fprintf(b, "评审类型:%s\n", l)
	}
	if t := dueText(d); t != "" {
		fmt.Fprintf(b, "办理期限:%s(北京时间)\n", t)
	}
	if l := c.link(d); l != "" {
		fmt.Fprintf(b, "查看评审:%s\n", l)
	}
}

// digest writes one mail for several notices of one user.
func (c composer) digest(ds []store.Delivery) (subject, text string) {
	subject = fmt.Sprintf("[财政投资评审] 每日通知汇总(%d 条)", len(ds))
	var b strings.Builder
	fmt.Fprintf(&b, "%s,您好:\n\n以下是您尚未通过邮件收到的 %d 条通知:\n", ds[0].UserName, len(ds))
	for i, d := range ds {
		fmt.Fprintf(&b, "\n%d. %s(%s)\n%s\n", i+1, d.Title, d.CreatedAt.In(beijing).Format("2006-01-02 15:04"), d.Body)
		c.facts(&b, d)
	}
	b.WriteString("\n本邮件由财政投资评审系统自动发送,请勿直接回复。\n")
	return subject, b.String()
}

// sms writes one notice's text: the signature, the project, the review
// kind, what happened and the due time, and the link when it still fits
// in one segment. A long project name is shortened before anything else.
func (c composer) sms(d store.Delivery) string {
	sig := ""
	if c.signature != "" {
		sig = "【" + c.signature + "】"
	}
	what := choiceKind(d.Kind).Label()
	if choiceKind(d.Kind) == Transition || choiceKind(d.Kind) == Nudge {
		what = d.Title
		if i := strings.LastIndex(what, ":"); i >= 0 {
			what = what[i+len(":"):]
		}
	}
	kind := reviewKindLabel(d.ReviewKind)
	due := ""
	if d.DueAt.Valid && showsDue(d.Kind) {
		due = ",请于" + d.DueAt.Time.In(beijing).Format("1月2日15:04") + "前办理"
	}
	build := func(project string) string {
		s := sig
		if project != "" {
			s += "「" + project + "」"
		}
		s += kind
		if kind != "" || project != "" {
			s += ":"
		}
		return s + what + due + "。"
	}
	project := d.ProjectName
	text := build(project)
	for n := utf8.RuneCountInString(text); n > SMSSegment && utf8.RuneCountInString(project) > 8; n = utf8.RuneCountInString(text) {
		r := []rune(project)
		cut := max(8, len(r)-(n-SMSSegment)-1)
		project = string(r[:cut]) + "…"
		text = build(project)
	}
	if l := c.link(d); l != "" && utf8.RuneCountInString(text)+utf8.RuneCountInString(l) <= SMSSegment {
		text += l
	}
	return text
}
