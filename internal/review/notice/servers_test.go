package notice_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// gateway is a local SMS gateway: it records every request, dedupes by id
// as a provider does, and can fail, refuse or answer slowly.
type gateway struct {
	*httptest.Server
	mu       sync.Mutex
	requests []gatewayRequest
	seen     map[string]int // id → times delivered to the phone (1 at most)
	fail     int            // answer 500 to this many requests
	refuse   bool           // answer 400
	delay    time.Duration  // wait before answering
	// onRequest, when set, runs with the request's number (from 1) and id
	// before the gateway answers.
	onRequest func(n int, id string)
}

type gatewayRequest struct {
	ID, Phone, Text, Template, Auth string
}

func newGateway(t *testing.T) *gateway {
	g := &gateway{seen: map[string]int{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ ID, Phone, Text, Template string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad json", 400)
			return
		}
		g.mu.Lock()
		g.requests = append(g.requests, gatewayRequest{body.ID, body.Phone, body.Text, body.Template, r.Header.Get("Authorization")})
		fail, refuse, delay, n, hook := g.fail > 0, g.refuse, g.delay, len(g.requests), g.onRequest
		if fail {
			g.fail--
		}
		g.mu.Unlock()
		if hook != nil {
			hook(n, body.ID)
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
			}
		}
		switch {
		case refuse:
			http.Error(w, "invalid template", 400)
			return
		case fail:
			http.Error(w, "busy", 500)
			return
		}
		g.mu.Lock()
		if g.seen[body.ID] == 0 { // a provider sends an id once
			g.seen[body.ID] = 1
		}
		g.mu.Unlock()
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(g.Close)
	return g
}

// set changes the gateway's behaviour while it serves.
func (g *gateway) set(fn func(g *gateway)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fn(g)
}

func (g *gateway) snapshot() ([]gatewayRequest, map[string]int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	seen := map[string]int{}
	for k, v := range g.seen {
		seen[k] = v
	}
	return append([]gatewayRequest(nil), g.requests...), seen
}

// smtpServer is a small SMTP server on loopback: EHLO, STARTTLS (or TLS
// from the first byte), AUTH PLAIN, MAIL, RCPT, DATA, QUIT. It refuses
// recipients at refused.example with 550.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	implicit bool
	user     string
	pass     string
	mu       sync.Mutex
	mails    []mail
}

type mail struct {
	From, To, Data string
	TLS, Authed    bool
}

func newSMTPServer(t *testing.T, implicit bool) (*smtpServer, *x509.CertPool) {
	cert, pool := selfSigned(t)
	s := &smtpServer{tls: &tls.Config{Certificates: []tls.Certificate{cert}}, implicit: implicit, user: "notices", pass: "s3cret"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s, pool
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

func (s *smtpServer) received() []mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mail(nil), s.mails...)
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	isTLS, authed := s.implicit, false
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(l string) { w.WriteString(l + "\r\n"); w.Flush() }
	say("220 localhost ESMTP test")
	var m mail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO":
			w.WriteString("250-localhost\r\n")
			if !isTLS {
				w.WriteString("250-STARTTLS\r\n")
			}
			say("250 AUTH PLAIN")
		case verb == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, isTLS = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case verb == "AUTH":
			parts := strings.Fields(line)
			b, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			if string(b) != "\x00"+s.user+"\x00"+s.pass {
				say("535 authentication failed")
				continue
			}
			authed = true
			say("235 ok")
		case verb == "MAIL":
			m = mail{From: line, TLS: isTLS, Authed: authed}
			say("250 ok")
		case verb == "RCPT":
			if strings.Contains(line, "refused.example") {
				say("550 5.1.1 " + strings.TrimPrefix(line, "RCPT TO:") + ": no such user")
				continue
			}
			m.To = line
			say("250 ok")
		case verb == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.Data = b.String()
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			say("250 queued")
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
