package notice

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// TLS modes of the SMTP connection (FINREVIEW_SMTP_TLS).
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
)

// SMTPOptions configure the email channel.
type SMTPOptions struct {
	Addr     string // host:port
	User     string // no authentication when empty
	Password string
	From     string
	TLS      string // none, starttls (default) or implicit
	// TLSConfig overrides the TLS settings (tests trust their own CA); the
	// server name is the host of Addr.
	TLSConfig *tls.Config
	// Timeout bounds one message's whole conversation (30 s when zero).
	Timeout time.Duration
}

// SMTP sends mail through one relay.
type SMTP struct {
	o    SMTPOptions
	host string
}

// NewSMTP checks the options and builds the sender.
func NewSMTP(o SMTPOptions) (*SMTP, error) {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", o.Addr, err)
	}
	if o.TLS == "" {
		o.TLS = TLSStartTLS
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return &SMTP{o: o, host: host}, nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.o.TLSConfig != nil {
		c = s.o.TLSConfig.Clone()
	}
	c.ServerName = s.host
	return c
}

// Send delivers one mail. A 5xx answer is a PermanentError.
func (s *SMTP) Send(ctx context.Context, m Message) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	d := &net.Dialer{}
	var conn net.Conn
	if s.o.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: s.tlsConfig()}).DialContext(ctx, "tcp", s.o.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.o.Addr)
	}
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return classifySMTP("greeting", err)
	}
	defer c.Close()
	if err := c.Hello("finreview"); err != nil {
		return classifySMTP("ehlo", err)
	}
	if s.o.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return permanent(errors.New("smtp server does not offer STARTTLS"))
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if s.o.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.o.User, s.o.Password, s.host)); err != nil {
			return classifySMTP("auth", err)
		}
	}
	if err := c.Mail(addrOnly(s.o.From)); err != nil {
		return classifySMTP("mail from", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return classifySMTP("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return classifySMTP("data", err)
	}
	if _, err := w.Write(s.compose(m)); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return classifySMTP("data end", err)
	}
	if err := c.Quit(); err != nil {
		// The message was accepted at the end of DATA; a failed QUIT does
		// not undo it.
		return nil
	}
	return nil
}

// compose writes the mail: UTF-8 text, base64, with a Message-ID made from
// the idempotency key, so a resend is recognisably the same mail.
func (s *SMTP) compose(m Message) []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", s.o.From)
	h("To", m.To)
	h("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	h("Date", time.Now().Format(time.RFC1123Z))
	h("Message-ID", MessageID(m.Key, s.host))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Text))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}

// MessageID is the Message-ID of the mail carrying key.
func MessageID(key, host string) string {
	return "<" + key + "@" + host + ">"
}

func addrOnly(from string) string {
	if i := strings.LastIndex(from, "<"); i >= 0 {
		return strings.TrimSuffix(from[i+1:], ">")
	}
	return from
}

func classifySMTP(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return permanent(fmt.Errorf("smtp %s: %w", step, err))
	}
	return fmt.Errorf("smtp %s: %w", step, err)
}
