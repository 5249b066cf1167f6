package config

import (
	"errors"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DSN != DefaultDSN || c.S3Endpoint != "127.0.0.1:9000" ||
		c.S3AccessKey != "minioadmin" || c.S3SecretKey != "minioadmin" || c.S3Bucket != "finreview" || c.S3Secure {
		t.Fatalf("defaults differ from API.md: %+v", c)
	}
}

func TestLoadRefusesInvalid(t *testing.T) {
	tests := []struct {
		name, key, value string
	}{
		{"address without port", "FINREVIEW_ADDR", "localhost"},
		{"dsn without parseTime", "FINREVIEW_DSN", "root@tcp(127.0.0.1:3306)/finreview"},
		{"dsn without database", "FINREVIEW_DSN", "root@tcp(127.0.0.1:3306)/?parseTime=true"},
		{"secure not a bool", "FINREVIEW_S3_SECURE", "yes please"},
		{"endpoint with scheme", "FINREVIEW_S3_ENDPOINT", "http://127.0.0.1:9000"},
		{"bucket upper case", "FINREVIEW_S3_BUCKET", "FinReview"},
		{"intake workdays zero", "FINREVIEW_INTAKE_WORKDAYS", "0"},
		{"deadline interval negative", "FINREVIEW_DEADLINE_INTERVAL", "-1s"},
		{"max transitions zero", "FINREVIEW_MAX_TRANSITIONS", "0"},
		{"max transitions not a number", "FINREVIEW_MAX_TRANSITIONS", "many"},
		{"behind TLS not a bool", "FINREVIEW_BEHIND_TLS", "sure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{tt.key: tt.value}))
			var ce *Error
			if !errors.As(err, &ce) || ce.Var != tt.key {
				t.Fatalf("want error naming %s, got %v", tt.key, err)
			}
		})
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	c, err := Load(env(map[string]string{
		"FINREVIEW_DSN":           "app:hunter2@tcp(db:3306)/finreview?parseTime=true",
		"FINREVIEW_S3_SECRET_KEY": "topsecret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := c.LogValue().String()
	if strings.Contains(s, "hunter2") || strings.Contains(s, "topsecret") {
		t.Fatalf("secret leaked: %s", s)
	}
}

// Cookies are Secure when the instance serves TLS itself or sits behind it;
// a certificate without its key (or the reverse) names what is missing.
func TestSecureCookiesOverTLS(t *testing.T) {
	for set, missing := range map[string]string{"FINREVIEW_TLS_CERT_FILE": "FINREVIEW_TLS_KEY_FILE", "FINREVIEW_TLS_KEY_FILE": "FINREVIEW_TLS_CERT_FILE"} {
		_, err := Load(env(map[string]string{set: "/etc/finreview/x.pem"}))
		var ce *Error
		if !errors.As(err, &ce) || ce.Var != missing {
			t.Errorf("only %s: %v, want an error naming %s", set, err, missing)
		}
	}
	for _, tc := range []struct {
		vars      map[string]string
		tls, want bool
	}{
		{nil, false, false},
		{map[string]string{"FINREVIEW_TLS_CERT_FILE": "c.pem", "FINREVIEW_TLS_KEY_FILE": "k.pem"}, true, true},
		{map[string]string{"FINREVIEW_BEHIND_TLS": "true"}, false, true},
		{map[string]string{"FINREVIEW_BEHIND_TLS": "false"}, false, false},
	} {
		c, err := Load(env(tc.vars))
		if err != nil {
			t.Fatalf("%v: %v", tc.vars, err)
		}
		if c.TLS() != tc.tls || c.SecureCookies() != tc.want {
			t.Errorf("%v: TLS %v SecureCookies %v, want %v %v", tc.vars, c.TLS(), c.SecureCookies(), tc.tls, tc.want)
		}
	}
}
