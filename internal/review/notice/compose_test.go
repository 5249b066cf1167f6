package notice

import (
	"database/sql"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"finreview/internal/store"
)

func TestSMSFitsOneSegment(t *testing.T) {
	due := sql.NullTime{Time: time.Date(2026, 12, 14, 15, 59, 59, 0, time.UTC), Valid: true} // 23:59:59 in Beijing
	c := composer{signature: "财政评审", baseURL: "https://ps.example.cn"}
	tests := []struct {
		name, project, kind string
		want                []string
	}{
		{"opinion letter with its due time in Beijing time", "临河区殡仪馆改扩建工程", "opinion_sent",
			[]string{"【财政评审】", "「临河区殡仪馆改扩建工程」", "工程结算", "征求意见书送达", "12月14日23:59前"}},
		{"a long project name is shortened", "临河区社区综合服务设施建设项目及配套道路、给排水、绿化、照明和智能化改造工程(二期)", "delegated",
			[]string{"【财政评审】", "工程结算", "委托中介机构评审", "12月14日23:59前", "…"}},
		{"a suspension shows no due time", "临河区殡仪馆改扩建工程", "suspended", []string{"暂停评审"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := c.sms(store.Delivery{ReviewID: 7, ProjectName: tt.project, ReviewKind: "settlement", Kind: tt.kind, DueAt: due})
			if n := utf8.RuneCountInString(s); n > SMSSegment {
				t.Errorf("%q has %d characters, more than one segment", s, n)
			}
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("%q lacks %q", s, w)
				}
			}
			if tt.kind == "suspended" && strings.Contains(s, "前办理") {
				t.Errorf("%q asks to act on a paused deadline", s)
			}
		})
	}
}

func TestEmailCarriesTheFacts(t *testing.T) {
	c := composer{baseURL: "https://ps.example.cn/"}
	due := sql.NullTime{Time: time.Date(2026, 12, 14, 15, 59, 59, 0, time.UTC), Valid: true}
	subject, text := c.email(store.Delivery{ReviewID: 7, ProjectName: "临河区殡仪馆改扩建工程", ReviewKind: "settlement", Kind: "opinion_sent",
		DueAt: due, Title: "临河区殡仪馆改扩建工程:征求意见", Body: "请签署征求意见书。", UserName: "张三"})
	for _, w := range []string{"项目名称:临河区殡仪馆改扩建工程", "评审类型:工程结算", "办理期限:2026-12-14 23:59(北京时间)",
		"查看评审:https://ps.example.cn/reviews/7", "张三"} {
		if !strings.Contains(text, w) {
			t.Errorf("mail lacks %q:\n%s", w, text)
		}
	}
	if !strings.Contains(subject, "征求意见") {
		t.Errorf("subject %q", subject)
	}
}

func TestQuietHours(t *testing.T) {
	q, _ := ParseQuiet(DefaultQuiet)
	bj := func(s string) time.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, beijing)
		return v
	}
	tests := []struct {
		at    string
		quiet bool
		until string
	}{
		{"2026-12-07 21:59", false, ""},
		{"2026-12-07 22:00", true, "2026-12-08 07:00"},
		{"2026-12-08 03:00", true, "2026-12-08 07:00"},
		{"2026-12-08 07:00", false, ""},
	}
	for _, tt := range tests {
		end, in := q.Until(bj(tt.at))
		if in != tt.quiet || (in && !end.Equal(bj(tt.until))) {
			t.Errorf("%s: quiet %v until %v, want %v until %s", tt.at, in, end, tt.quiet, tt.until)
		}
	}
	if _, in := (Quiet{}).Until(bj("2026-12-07 23:00")); in {
		t.Error("no quiet hours, yet quiet")
	}
}

func TestNormalizeContacts(t *testing.T) {
	for in, want := range map[string]string{"13800138000": "13800138000", "+86 138-0013-8000": "13800138000", "": ""} {
		if got, err := NormalizePhone(in); err != nil || got != want {
			t.Errorf("phone %q = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"12800138000", "1380013800", "010-12345678", "138001380001", "abc"} {
		if _, err := NormalizePhone(bad); err == nil {
			t.Errorf("phone %q accepted", bad)
		}
	}
	for _, good := range []string{"zhangsan@example.gov.cn", "a.b+c@mail.example.com"} {
		if _, err := NormalizeEmail(good); err != nil {
			t.Errorf("email %q refused: %v", good, err)
		}
	}
	for _, bad := range []string{"zhangsan", "张三 <z@example.cn>", "z@localhost", "z@example.cn.", "a b@example.cn", "z@@example.cn"} {
		if _, err := NormalizeEmail(bad); err == nil {
			t.Errorf("email %q accepted", bad)
		}
	}
}
