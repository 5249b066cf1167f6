package notice

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/input"
	"finreview/internal/store"
)

var mobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// NormalizePhone accepts a mainland mobile number, with or without +86,
// spaces or hyphens, and returns its 11 digits; empty stays empty.
func NormalizePhone(s string) (string, error) {
	s = strings.NewReplacer(" ", "", "-", "", "\u3000", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	for _, p := range []string{"+86", "0086"} {
		s = strings.TrimPrefix(s, p)
	}
	if !mobile.MatchString(s) {
		return "", &input.FieldError{Name: "phone", Msg: "手机号码应为 11 位中国大陆手机号,例如 13800138000"}
	}
	return s, nil
}

// NormalizeEmail accepts a bare email address; empty stays empty.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := &input.FieldError{Name: "email", Msg: "电子邮箱格式不正确,例如 zhangsan@example.gov.cn"}
	if len(s) > 254 {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", bad
	}
	at := strings.LastIndex(s, "@")
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") || strings.ContainsAny(s, " \"()<>[]\\,;:") {
		return "", bad
	}
	return s, nil
}

// Service is what the pages and the API ask of notices.
type Service struct {
	st  *store.Store
	d   *Dispatcher
	now func() time.Time
}

// NewService builds the service over the dispatcher that sends.
func NewService(st *store.Store, d *Dispatcher, now func() time.Time) *Service {
	return &Service{st: st, d: d, now: now}
}

// ChannelStatus says whether a channel is on.
type ChannelStatus struct {
	Channel Channel
	Label   string
	On      bool
}

// Channels lists every channel and whether it is configured.
func (s *Service) Channels() []ChannelStatus {
	on := map[Channel]bool{}
	for _, c := range s.d.Channels() {
		on[c] = true
	}
	var out []ChannelStatus
	for _, c := range []Channel{InApp, Email, SMS} {
		out = append(out, ChannelStatus{Channel: c, Label: c.Label(), On: on[c]})
	}
	return out
}

// DefaultQuiet is the system's SMS quiet hours ("" when never quiet).
func (s *Service) DefaultQuiet() string { return s.d.o.Quiet.String() }

// Settings are a user's contact and choices.
type Settings struct {
	Phone, Email string
	// QuietMode is "default" (the system's hours), "custom" (Quiet) or
	// "never".
	QuietMode, Quiet string
	Digest           bool
	// Off holds the refused "kind/channel" pairs.
	Off map[string]bool
}

// Settings reads the principal's own settings.
func (s *Service) Settings(ctx context.Context, p auth.Principal) (Settings, error) {
	ns, err := s.st.UserNoticeSettings(ctx, p.UserID)
	if err != nil {
		return Settings{}, err
	}
	out := Settings{Phone: ns.Phone, Email: ns.Email, Digest: ns.EmailDigest, Off: ns.OptOuts, QuietMode: "default"}
	if ns.SMSQuiet.Valid {
		out.QuietMode, out.Quiet = "custom", ns.SMSQuiet.String
		if ns.SMSQuiet.String == "" {
			out.QuietMode = "never"
		}
	}
	return out, nil
}

// SetContact changes the principal's phone and email (PUT /api/v1/me).
func (s *Service) SetContact(ctx context.Context, p auth.Principal, phone, email string) (string, string, error) {
	phone, err := NormalizePhone(phone)
	if err != nil {
		return "", "", err
	}
	if email, err = NormalizeEmail(email); err != nil {
		return "", "", err
	}
	err = s.st.InTx(ctx, func(q *store.Queries) error {
		if err := q.SetUserContact(ctx, p.UserID, phone, email); err != nil {
			return err
		}
		return s.audit(ctx, q, p, "contact_changed", fmt.Sprint(p.UserID), map[string]any{"phone_set": phone != "", "email_set": email != ""})
	})
	return phone, email, err
}

// SaveSettings validates and stores the principal's settings.
func (s *Service) SaveSettings(ctx context.Context, p auth.Principal, in Settings) error {
	// Every field is checked before answering, so that the form flags all
	// its refused fields at once.
	errs := make([]error, 4)
	phone, err := NormalizePhone(in.Phone)
	errs[0] = err
	email, err := NormalizeEmail(in.Email)
	errs[1] = err
	ns := store.NoticeSettings{Contact: store.Contact{UserID: p.UserID, Phone: phone, Email: email, EmailDigest: in.Digest},
		OptOuts: map[string]bool{}}
	switch in.QuietMode {
	case "default", "":
	case "never":
		ns.SMSQuiet = sql.NullString{Valid: true}
	case "custom":
		q, err := ParseQuiet(in.Quiet)
		if err != nil || q.String() == "" {
			errs[2] = &input.FieldError{Name: "quiet", Msg: "免打扰时段应为 HH:MM-HH:MM,例如 22:00-07:00"}
		}
		ns.SMSQuiet = sql.NullString{String: q.String(), Valid: true}
	default:
		errs[2] = &input.FieldError{Name: "quiet_mode", Msg: "请选择免打扰方式"}
	}
	for k := range in.Off {
		kind, ch, _ := strings.Cut(k, "/")
		if choiceKind(kind) != Kind(kind) || (Channel(ch) != Email && Channel(ch) != SMS) {
			errs[3] = &input.FieldError{Name: "channels", Msg: "未知的通知类型或渠道:" + k}
			break
		}
		ns.OptOuts[k] = true
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return s.st.InTx(ctx, func(q *store.Queries) error {
		if err := q.SetNoticeSettings(ctx, ns); err != nil {
			return err
		}
		return s.audit(ctx, q, p, "notice_settings_changed", fmt.Sprint(p.UserID), map[string]any{"phone_set": phone != "",
			"email_set": email != "", "digest": in.Digest, "quiet": in.QuietMode, "refused": len(ns.OptOuts)})
	})
}

func (s *Service) audit(ctx context.Context, q *store.Queries, p auth.Principal, action, id string, detail any) error {
	_, err := audit.Append(ctx, q, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: action,
		ObjectType: "user", ObjectID: id, Detail: detail})
	return err
}

// DeadLetter is an undeliverable message as the administrator sees it.
type DeadLetter struct {
	store.Delivery
	Attempts []store.DeliveryAttempt
}

// MaskedAddress hides the middle of the address (PIPL: the page shows
// enough to tell, not to copy).
func (d DeadLetter) MaskedAddress() string { return MaskAddress(d.Address) }

// MaskAddress shows 138****8000 and z***@example.gov.cn.
func MaskAddress(a string) string {
	if at := strings.LastIndex(a, "@"); at >= 0 {
		if at == 0 {
			return "***" + a
		}
		return a[:1] + "***" + a[at:]
	}
	if len(a) == 11 {
		return a[:3] + "****" + a[7:]
	}
	return "***"
}

// DeadLetters lists the undeliverable messages with their attempts;
// administrators only.
func (s *Service) DeadLetters(ctx context.Context, p auth.Principal) ([]DeadLetter, error) {
	if p.Role != auth.Admin {
		return nil, auth.ErrForbidden
	}
	ds, err := s.st.Deliveries(ctx, store.DeliveryDead, 200)
	if err != nil {
		return nil, err
	}
	out := make([]DeadLetter, 0, len(ds))
	for _, d := range ds {
		as, err := s.st.DeliveryAttempts(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, DeadLetter{Delivery: d, Attempts: as})
	}
	return out, nil
}

// Retry sends a dead letter again; administrators only.
func (s *Service) Retry(ctx context.Context, p auth.Principal, id int64) error {
	return s.deadLetterAction(ctx, p, id, "notice_retried", func(q *store.Queries) error { return q.RequeueDeadDelivery(ctx, id, s.now()) })
}

// Drop gives a dead letter up; administrators only.
func (s *Service) Drop(ctx context.Context, p auth.Principal, id int64) error {
	return s.deadLetterAction(ctx, p, id, "notice_dropped", func(q *store.Queries) error { return q.DropDeadDelivery(ctx, id) })
}

func (s *Service) deadLetterAction(ctx context.Context, p auth.Principal, id int64, action string, fn func(q *store.Queries) error) error {
	if p.Role != auth.Admin {
		return auth.ErrForbidden
	}
	return s.st.InTx(ctx, func(q *store.Queries) error {
		if err := fn(q); err != nil {
			return err
		}
		_, err := audit.Append(ctx, q, s.now(), audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: action,
			ObjectType: "notice_delivery", ObjectID: fmt.Sprint(id)})
		return err
	})
}

// Counts are the figures of one channel, as /metrics shows them.
type Counts struct {
	Channel                         Channel
	Label                           string
	Depth, Delivered, Retried, Dead int64
}

// ChannelCounts counts the deliveries of every channel.
func ChannelCounts(ctx context.Context, st *store.Store) ([]Counts, error) {
	rows, err := st.DeliveryCounts(ctx)
	if err != nil {
		return nil, err
	}
	by := map[Channel]*Counts{}
	var out []Counts
	for _, c := range []Channel{InApp, Email, SMS} {
		out = append(out, Counts{Channel: c, Label: c.Label()})
	}
	for i := range out {
		by[out[i].Channel] = &out[i]
	}
	for _, r := range rows {
		c := by[Channel(r.Channel)]
		if c == nil {
			continue
		}
		switch r.State {
		case store.DeliveryPending, store.DeliverySending:
			c.Depth += r.Count
		case store.DeliveryDelivered:
			c.Delivered += r.Count
		case store.DeliveryDead:
			c.Dead += r.Count
		}
		c.Retried += r.Retried
	}
	return out, nil
}

// Counts counts the deliveries of every channel.
func (s *Service) Counts(ctx context.Context) ([]Counts, error) { return ChannelCounts(ctx, s.st) }
