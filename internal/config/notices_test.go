package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func secretFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNoticesOffByDefault(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Notices.SMTPAddr != "" || c.Notices.SMSURL != "" || c.Notices.SMSQuiet != DefaultSMSQuiet {
		t.Fatalf("notices %+v: want both channels off and the default quiet hours", c.Notices)
	}
}

func TestNoticesFull(t *testing.T) {
	c, err := Load(env(map[string]string{
		"FINREVIEW_SMTP_ADDR": "smtp.example.gov.cn:465", "FINREVIEW_SMTP_USER": "notices", "FINREVIEW_SMTP_TLS": "implicit",
		"FINREVIEW_SMTP_PASSWORD_FILE": secretFile(t, "pa ss\n"), "FINREVIEW_SMTP_FROM": "财政评审 <noreply@example.gov.cn>",
		"FINREVIEW_SMS_URL": "https://sms.example.com/send", "FINREVIEW_SMS_KEY_FILE": secretFile(t, "key123\n"),
		"FINREVIEW_SMS_SIGNATURE": "财政评审", "FINREVIEW_SMS_QUIET": "21:30-08:00", "FINREVIEW_SMS_TEMPLATES": "delegated=SMS_1,opinion_sent=SMS_2",
	}))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notices
	if n.SMTPPassword != "pa ss" || n.SMSKey != "key123" || n.SMSQuiet != "21:30-08:00" || n.SMSTemplates["opinion_sent"] != "SMS_2" {
		t.Fatalf("notices %+v", n)
	}
	if s := c.LogValue().String(); strings.Contains(s, "pa ss") || strings.Contains(s, "key123") {
		t.Fatalf("secrets logged: %s", s)
	}
}

// Set to the empty string, FINREVIEW_SMS_QUIET turns quiet hours off.
func TestNoticesQuietSetEmpty(t *testing.T) {
	c, err := LoadEnv(func(k string) (string, bool) { return "", k == "FINREVIEW_SMS_QUIET" })
	if err != nil || c.Notices.SMSQuiet != "" {
		t.Fatalf("quiet %q, %v; want off", c.Notices.SMSQuiet, err)
	}
}

func TestNoticesRefuseInvalid(t *testing.T) {
	key := secretFile(t, "k")
	sms := map[string]string{"FINREVIEW_SMS_URL": "https://sms.example.com", "FINREVIEW_SMS_KEY_FILE": key, "FINREVIEW_SMS_SIGNATURE": "财政评审"}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	smtp := map[string]string{"FINREVIEW_SMTP_ADDR": "smtp.example.gov.cn:587", "FINREVIEW_SMTP_FROM": "noreply@example.gov.cn"}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"smtp address without port", with(smtp, "FINREVIEW_SMTP_ADDR", "smtp.example.gov.cn"), "FINREVIEW_SMTP_ADDR"},
		{"smtp user without address", map[string]string{"FINREVIEW_SMTP_USER": "a"}, "FINREVIEW_SMTP_ADDR"},
		{"unknown tls mode", with(smtp, "FINREVIEW_SMTP_TLS", "ssl"), "FINREVIEW_SMTP_TLS"},
		{"no sender", with(smtp, "FINREVIEW_SMTP_FROM", ""), "FINREVIEW_SMTP_FROM"},
		{"bad sender", with(smtp, "FINREVIEW_SMTP_FROM", "not an address"), "FINREVIEW_SMTP_FROM"},
		{"password file missing", with(smtp, "FINREVIEW_SMTP_PASSWORD_FILE", "/nonexistent/pw"), "FINREVIEW_SMTP_PASSWORD_FILE"},
		{"user without password", with(smtp, "FINREVIEW_SMTP_USER", "a"), "FINREVIEW_SMTP_PASSWORD_FILE"},
		{"password in clear", with(with(with(smtp, "FINREVIEW_SMTP_USER", "a"), "FINREVIEW_SMTP_PASSWORD_FILE", key), "FINREVIEW_SMTP_TLS", "none"), "FINREVIEW_SMTP_TLS"},
		{"sms url not http", with(sms, "FINREVIEW_SMS_URL", "sms.example.com"), "FINREVIEW_SMS_URL"},
		{"sms without key file", with(sms, "FINREVIEW_SMS_KEY_FILE", ""), "FINREVIEW_SMS_KEY_FILE"},
		{"sms key file missing", with(sms, "FINREVIEW_SMS_KEY_FILE", "/nonexistent/key"), "FINREVIEW_SMS_KEY_FILE"},
		{"sms without signature", with(sms, "FINREVIEW_SMS_SIGNATURE", ""), "FINREVIEW_SMS_SIGNATURE"},
		{"signature without url", map[string]string{"FINREVIEW_SMS_SIGNATURE": "财政评审"}, "FINREVIEW_SMS_URL"},
		{"bad quiet hours", map[string]string{"FINREVIEW_SMS_QUIET": "22-7"}, "FINREVIEW_SMS_QUIET"},
		{"bad templates", with(sms, "FINREVIEW_SMS_TEMPLATES", "delegated"), "FINREVIEW_SMS_TEMPLATES"},
		{"bad public url", map[string]string{"FINREVIEW_PUBLIC_URL": "pingshen"}, "FINREVIEW_PUBLIC_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			var ce *Error
			if !errors.As(err, &ce) || ce.Var != tt.want {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}
