package config

import (
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultSMSQuiet are the hours when SMS wait (API.md).
const DefaultSMSQuiet = "22:00-07:00"

func loadNotices(getenv func(string) string, lookup func(string) (string, bool)) (Notices, error) {
	n := Notices{
		SMTPAddr:     strings.TrimSpace(getenv("FINREVIEW_SMTP_ADDR")),
		SMTPUser:     getenv("FINREVIEW_SMTP_USER"),
		SMTPFrom:     strings.TrimSpace(getenv("FINREVIEW_SMTP_FROM")),
		SMTPTLS:      orDefault(getenv("FINREVIEW_SMTP_TLS"), "starttls"),
		SMSURL:       strings.TrimSpace(getenv("FINREVIEW_SMS_URL")),
		SMSSignature: strings.TrimSpace(getenv("FINREVIEW_SMS_SIGNATURE")),
		SMSQuiet:     DefaultSMSQuiet,
		PublicURL:    strings.TrimRight(strings.TrimSpace(getenv("FINREVIEW_PUBLIC_URL")), "/"),
	}
	if err := n.loadSMTP(getenv); err != nil {
		return n, err
	}
	if err := n.loadSMS(getenv, lookup); err != nil {
		return n, err
	}
	if n.PublicURL != "" {
		if u, err := url.Parse(n.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return n, &Error{"FINREVIEW_PUBLIC_URL", "应为 http(s)://主机[:端口],例如 https://pingshen.example.gov.cn"}
		}
	}
	return n, nil
}

func (n *Notices) loadSMTP(getenv func(string) string) error {
	if n.SMTPAddr == "" {
		for _, k := range []string{"FINREVIEW_SMTP_USER", "FINREVIEW_SMTP_PASSWORD_FILE", "FINREVIEW_SMTP_FROM"} {
			if getenv(k) != "" {
				return &Error{"FINREVIEW_SMTP_ADDR", "已设置 " + k + ",还须设置邮件服务器地址 host:port"}
			}
		}
		return nil
	}
	host, port, err := net.SplitHostPort(n.SMTPAddr)
	if err != nil || host == "" || port == "" {
		return &Error{"FINREVIEW_SMTP_ADDR", "应为 host:port,例如 smtp.example.gov.cn:587"}
	}
	switch n.SMTPTLS {
	case "none", "starttls", "implicit":
	default:
		return &Error{"FINREVIEW_SMTP_TLS", "应为 none、starttls 或 implicit"}
	}
	if n.SMTPFrom == "" {
		return &Error{"FINREVIEW_SMTP_FROM", "启用邮件时必须设置发件人,例如 财政评审 <noreply@example.gov.cn>"}
	}
	if _, err := mail.ParseAddress(n.SMTPFrom); err != nil {
		return &Error{"FINREVIEW_SMTP_FROM", "不是有效的邮件地址"}
	}
	if f := getenv("FINREVIEW_SMTP_PASSWORD_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return &Error{"FINREVIEW_SMTP_PASSWORD_FILE", "无法读取文件: " + err.Error()}
		}
		n.SMTPPassword = strings.TrimRight(string(b), "\r\n")
	}
	if n.SMTPUser != "" && n.SMTPPassword == "" {
		return &Error{"FINREVIEW_SMTP_PASSWORD_FILE", "设置了 FINREVIEW_SMTP_USER 时必须提供密码文件"}
	}
	if n.SMTPUser != "" && n.SMTPTLS == "none" && !loopback(host) {
		return &Error{"FINREVIEW_SMTP_TLS", "密码不得明文发送:认证时请使用 starttls 或 implicit"}
	}
	return nil
}

func (n *Notices) loadSMS(getenv func(string) string, lookup func(string) (string, bool)) error {
	if q, set := lookup("FINREVIEW_SMS_QUIET"); set {
		n.SMSQuiet = strings.TrimSpace(q)
		if n.SMSQuiet != "" && !validQuiet(n.SMSQuiet) {
			return &Error{"FINREVIEW_SMS_QUIET", "应为 HH:MM-HH:MM(北京时间),例如 22:00-07:00;设为空表示不限时段"}
		}
	}
	if n.SMSURL == "" {
		for _, k := range []string{"FINREVIEW_SMS_KEY_FILE", "FINREVIEW_SMS_SIGNATURE"} {
			if getenv(k) != "" {
				return &Error{"FINREVIEW_SMS_URL", "已设置 " + k + ",还须设置短信网关地址"}
			}
		}
		return nil
	}
	if u, err := url.Parse(n.SMSURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{"FINREVIEW_SMS_URL", "应为 http(s):// 开头的网关地址"}
	}
	f := getenv("FINREVIEW_SMS_KEY_FILE")
	if f == "" {
		return &Error{"FINREVIEW_SMS_KEY_FILE", "启用短信时必须提供网关密钥文件"}
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return &Error{"FINREVIEW_SMS_KEY_FILE", "无法读取文件: " + err.Error()}
	}
	if n.SMSKey = strings.TrimSpace(string(b)); n.SMSKey == "" {
		return &Error{"FINREVIEW_SMS_KEY_FILE", "密钥文件为空"}
	}
	if l := utf8.RuneCountInString(n.SMSSignature); l < 2 || l > 12 {
		return &Error{"FINREVIEW_SMS_SIGNATURE", "启用短信时必须设置 2 至 12 个字的短信签名,例如 财政评审"}
	}
	if v := getenv("FINREVIEW_SMS_TEMPLATES"); v != "" {
		n.SMSTemplates = map[string]string{}
		for _, pair := range strings.Split(v, ",") {
			k, code, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if !ok || k == "" || code == "" {
				return &Error{"FINREVIEW_SMS_TEMPLATES", "应为 通知类型=模板编号,以逗号分隔,例如 delegated=SMS_1001,opinion_sent=SMS_1002"}
			}
			n.SMSTemplates[k] = code
		}
	}
	return nil
}

func validQuiet(s string) bool {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	_, e1 := time.Parse("15:04", strings.TrimSpace(a))
	_, e2 := time.Parse("15:04", strings.TrimSpace(b))
	return e1 == nil && e2 == nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
