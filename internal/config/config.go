// Package config reads finreview's configuration from FINREVIEW_*
// environment variables, with the defaults of the API contract, and refuses
// invalid values with a message naming the variable.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/cryptosuite"
)

// Config is the whole configuration of one finreview process.
type Config struct {
	Addr        string
	DSN         string
	S3Endpoint  string
	S3AccessKey string
	S3SecretKey string
	S3Bucket    string
	S3Secure    bool
	// IntakeWorkdays is the Review Center's intake due time (受理时限) in working days.
	IntakeWorkdays int
	// ReportWorkdays is the firm's report due time after delegation, in working days.
	ReportWorkdays int
	// DeadlineInterval is how often the deadline worker looks for due deadlines.
	DeadlineInterval time.Duration
	// InstanceName identifies this process in fired_by and logs.
	InstanceName string
	// MaxTransitions is how many transitions the instance runs at once.
	MaxTransitions int
	// AuditKeyFile holds the key of the audit trail's anchors, kept
	// outside the database; created with a random key when missing.
	AuditKeyFile string
	// PIIKeyFile holds the SM4 key users' phone numbers and email
	// addresses are sealed with at rest; unset, they are stored as typed.
	PIIKeyFile string
	// SM2KeyFile holds the SM2 private key (PEM, PKCS#8) each issued
	// paper's SM3 digest is signed with; unset, papers are not signed.
	SM2KeyFile string
	// CryptoSuite is the installation's cryptographic suite (国密 gm or
	// international intl, FINREVIEW_CRYPTO_SUITE): recorded in the
	// database on the first migrate or start, refused when it differs later.
	CryptoSuite cryptosuite.Suite
	// TLSCertFile and TLSKeyFile, both set, make serve answer over HTTPS.
	TLSCertFile string
	TLSKeyFile  string
	// BehindTLS says a TLS-terminating proxy fronts the instance.
	BehindTLS bool
	// Notices holds the outside channels; a channel without its address is off.
	Notices Notices
}

// Notices configure email and SMS.
type Notices struct {
	SMTPAddr     string // host:port; email is off when empty
	SMTPUser     string
	SMTPPassword string // from FINREVIEW_SMTP_PASSWORD_FILE
	SMTPFrom     string
	SMTPTLS      string // none, starttls or implicit
	SMSURL       string // the gateway; SMS is off when empty
	SMSKey       string // from FINREVIEW_SMS_KEY_FILE
	SMSSignature string
	// SMSQuiet are the default quiet hours ("HH:MM-HH:MM", Beijing time);
	// empty: SMS never wait.
	SMSQuiet string
	// SMSTemplates are the gateway's template codes per notice kind.
	SMSTemplates map[string]string
	// PublicURL is the application's address for links in messages.
	PublicURL string
}

// TLS reports whether the instance serves HTTPS itself.
func (c Config) TLS() bool { return c.TLSCertFile != "" && c.TLSKeyFile != "" }

// SecureCookies reports whether browsers reach the instance over TLS only,
// so its cookies are marked Secure and HSTS is sent.
func (c Config) SecureCookies() bool { return c.TLS() || c.BehindTLS }

// Error names the variable that is wrong.
type Error struct {
	Var string
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("配置错误 %s: %s", e.Var, e.Msg) }

// Defaults of API.md.
const (
	DefaultAddr = ":8080"
	DefaultDSN  = "root@tcp(127.0.0.1:3306)/finreview?parseTime=true&loc=Asia%2FShanghai"
	// DefaultAuditKeyFile is beside MinIO's data in the project's var/.
	DefaultAuditKeyFile = "var/audit.key"
)

// Load reads the configuration through getenv. Secrets may also come from a
// file named by the variable with the suffix _FILE.
func Load(getenv func(string) string) (Config, error) {
	return LoadEnv(func(k string) (string, bool) { v := getenv(k); return v, v != "" })
}

// LoadEnv is Load through a lookup that tells a variable set to the empty
// string (FINREVIEW_SMS_QUIET= turns quiet hours off) from an unset one.
func LoadEnv(lookup func(string) (string, bool)) (Config, error) {
	getenv := func(k string) string { v, _ := lookup(k); return v }
	c := Config{
		Addr:             orDefault(getenv("FINREVIEW_ADDR"), DefaultAddr),
		DSN:              orDefault(getenv("FINREVIEW_DSN"), DefaultDSN),
		S3Endpoint:       orDefault(getenv("FINREVIEW_S3_ENDPOINT"), "127.0.0.1:9000"),
		S3Bucket:         orDefault(getenv("FINREVIEW_S3_BUCKET"), "finreview"),
		IntakeWorkdays:   5,
		ReportWorkdays:   20,
		DeadlineInterval: 5 * time.Second,
		AuditKeyFile:     orDefault(getenv("FINREVIEW_AUDIT_KEY_FILE"), DefaultAuditKeyFile),
		PIIKeyFile:       getenv("FINREVIEW_PII_KEY_FILE"),
		SM2KeyFile:       getenv("FINREVIEW_SM2_KEY_FILE"),
	}
	var err error
	if c.CryptoSuite, err = cryptosuite.Parse(getenv("FINREVIEW_CRYPTO_SUITE")); err != nil {
		return c, &Error{"FINREVIEW_CRYPTO_SUITE", err.Error()}
	}
	if c.S3AccessKey, err = secret(getenv, "FINREVIEW_S3_ACCESS_KEY", "minioadmin"); err != nil {
		return c, err
	}
	if c.S3SecretKey, err = secret(getenv, "FINREVIEW_S3_SECRET_KEY", "minioadmin"); err != nil {
		return c, err
	}
	if v := getenv("FINREVIEW_S3_SECURE"); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return c, &Error{"FINREVIEW_S3_SECURE", "应为 true 或 false"}
		}
		c.S3Secure = b
	}
	if c.IntakeWorkdays, err = positiveInt(getenv, "FINREVIEW_INTAKE_WORKDAYS", c.IntakeWorkdays); err != nil {
		return c, err
	}
	if c.ReportWorkdays, err = positiveInt(getenv, "FINREVIEW_REPORT_WORKDAYS", c.ReportWorkdays); err != nil {
		return c, err
	}
	if c.MaxTransitions, err = positiveInt(getenv, "FINREVIEW_MAX_TRANSITIONS", c.MaxTransitions); err != nil {
		return c, err
	}
	if v := getenv("FINREVIEW_DEADLINE_INTERVAL"); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d <= 0 {
			return c, &Error{"FINREVIEW_DEADLINE_INTERVAL", "应为正的时长,例如 5s"}
		}
		c.DeadlineInterval = d
	}
	c.TLSCertFile, c.TLSKeyFile = getenv("FINREVIEW_TLS_CERT_FILE"), getenv("FINREVIEW_TLS_KEY_FILE")
	if c.TLSCertFile != "" && c.TLSKeyFile == "" {
		return c, &Error{"FINREVIEW_TLS_KEY_FILE", "设置了 FINREVIEW_TLS_CERT_FILE 时须同时设置私钥文件"}
	}
	if c.TLSKeyFile != "" && c.TLSCertFile == "" {
		return c, &Error{"FINREVIEW_TLS_CERT_FILE", "设置了 FINREVIEW_TLS_KEY_FILE 时须同时设置证书文件"}
	}
	if v := getenv("FINREVIEW_BEHIND_TLS"); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return c, &Error{"FINREVIEW_BEHIND_TLS", "应为 true 或 false"}
		}
		c.BehindTLS = b
	}
	c.InstanceName = getenv("FINREVIEW_INSTANCE")
	if c.InstanceName == "" {
		host, _ := os.Hostname()
		c.InstanceName = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if err := c.validate(); err != nil {
		return c, err
	}
	c.Notices, err = loadNotices(getenv, lookup)
	return c, err
}

func (c Config) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &Error{"FINREVIEW_ADDR", "应为 host:port 或 :port,例如 :8080"}
	}
	cfg, err := mysql.ParseDSN(c.DSN)
	if err != nil {
		return &Error{"FINREVIEW_DSN", "无法解析: " + err.Error()}
	}
	if !cfg.ParseTime {
		return &Error{"FINREVIEW_DSN", "必须包含 parseTime=true"}
	}
	if cfg.DBName == "" {
		return &Error{"FINREVIEW_DSN", "必须指定数据库名"}
	}
	if _, _, err := net.SplitHostPort(c.S3Endpoint); err != nil || strings.Contains(c.S3Endpoint, "/") {
		return &Error{"FINREVIEW_S3_ENDPOINT", "应为 host:port,例如 127.0.0.1:9000"}
	}
	if c.S3Bucket == "" || len(c.S3Bucket) < 3 || strings.ToLower(c.S3Bucket) != c.S3Bucket {
		return &Error{"FINREVIEW_S3_BUCKET", "存储桶名须为 3 个以上的小写字母、数字或连字符"}
	}
	return nil
}

// LogValue masks secrets when the configuration is logged.
func (c Config) LogValue() slog.Value {
	dsn := c.DSN
	if cfg, err := mysql.ParseDSN(c.DSN); err == nil && cfg.Passwd != "" {
		cfg.Passwd = "***"
		dsn = cfg.FormatDSN()
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("dsn", dsn),
		slog.String("s3_endpoint", c.S3Endpoint),
		slog.String("s3_bucket", c.S3Bucket),
		slog.Bool("s3_secure", c.S3Secure),
		slog.String("s3_access_key", "***"),
		slog.String("instance", c.InstanceName),
		slog.Int("max_transitions", c.MaxTransitions),
		slog.String("audit_key_file", c.AuditKeyFile),
		slog.String("pii_key_file", c.PIIKeyFile),
		slog.String("sm2_key_file", c.SM2KeyFile),
		slog.String("crypto_suite", string(c.CryptoSuite)),
		slog.Bool("tls", c.TLS()),
		slog.Bool("behind_tls", c.BehindTLS),
		slog.String("smtp_addr", c.Notices.SMTPAddr),
		slog.String("smtp_tls", c.Notices.SMTPTLS),
		slog.String("sms_url", c.Notices.SMSURL),
		slog.String("sms_quiet", c.Notices.SMSQuiet),
		slog.String("public_url", c.Notices.PublicURL),
	)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func secret(getenv func(string) string, name, def string) (string, error) {
	if f := getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", &Error{name + "_FILE", "无法读取文件: " + err.Error()}
		}
		return strings.TrimSpace(string(b)), nil
	}
	return orDefault(getenv(name), def), nil
}

func positiveInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, &Error{name, "应为正整数"}
	}
	return n, nil
}
