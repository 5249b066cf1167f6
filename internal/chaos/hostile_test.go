package chaos

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"finreview/internal/docs"
)

// TestHostileClients runs hostile clients against one real server on
// 127.0.0.1: slow senders, floods, aborted uploads and a sign-in race.
// The lock-out race runs last: its failures from 127.0.0.1 throttle the
// address for every later sign-in.
func TestHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a real server process")
	}
	bin := buildServer(t)
	w := newWorld(t, bin)
	sv := w.start("hostile-1", "", "FINREVIEW_MAX_TRANSITIONS=4")
	c := newClient(t, func() string { return "http://" + sv.addr })
	ids := w.createReviews(c, projectCodes[:6])
	t.Run("slow senders hold no transition turn", func(t *testing.T) { slowSenders(t, w, sv, c, ids[:4]) })
	t.Run("floods and oversized bodies keep memory bounded", func(t *testing.T) { floods(t, sv, c) })
	t.Run("an aborted upload commits nothing", func(t *testing.T) { abortedUploads(t, w, sv, c, ids[4]) })
	t.Run("HTTPS with Secure cookies and HSTS", func(t *testing.T) { servesTLS(t, w) })
	t.Run("concurrent wrong passwords lock the account", func(t *testing.T) { lockoutRace(t, sv) })
	if sv.panics() {
		t.Errorf("the server panicked:\n%s", sv.output())
	}
}

// slowConn is a hostile connection: it sends head, then trickles body
// (or, with no body, more header bytes) one piece every interval, and
// notes when the server ends it.
type slowConn struct {
	name   string
	start  time.Time
	closed chan time.Duration
}

func openSlow(t *testing.T, ctx context.Context, addr, name, head string, piece []byte, interval time.Duration) *slowConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sc := &slowConn{name: name, start: time.Now(), closed: make(chan time.Duration, 1)}
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	go func() {
		// The server ends the connection: a read returns (an answer or EOF).
		_, _ = conn.Read(make([]byte, 512))
		sc.closed <- time.Since(sc.start)
		conn.Close()
	}()
	go func() {
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := conn.Write(piece); err != nil {
					return
				}
			}
		}
	}()
	return sc
}

// uploadHead starts an upload's multipart body with more than fasthttp
// reads before the handler runs (8 KiB), so the rest is paced by the
// upload rule, not the header timeout.
var uploadHead = "--zz\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nsupplement\r\n" +
	"--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n" +
	strings.Repeat("% padding\n", 1200)

func slowSenders(t *testing.T, w *world, sv *server, c *client, ids []int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	tok, err := c.token("pingshen")
	if err != nil {
		t.Fatal(err)
	}
	upTok, err := c.token("jianshe")
	if err != nil {
		t.Fatal(err)
	}
	trans := "/api/v1/reviews/" + strconv.FormatInt(ids[0], 10) + "/transitions"
	var slow []*slowConn
	var uploads []*slowConn
	for i := range 24 {
		// Headers that never end.
		slow = append(slow, openSlow(t, ctx, sv.addr, fmt.Sprintf("headers %d", i),
			"POST "+trans+" HTTP/1.1\r\nHost: x\r\nX-Slow: ", []byte("a"), 500*time.Millisecond))
	}
	for i := range 8 {
		slow = append(slow, openSlow(t, ctx, sv.addr, fmt.Sprintf("anonymous body %d", i),
			"POST "+trans+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", []byte(" "), time.Second))
		slow = append(slow, openSlow(t, ctx, sv.addr, fmt.Sprintf("anonymous chunked body %d", i),
			"POST "+trans+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", []byte("1\r\n \r\n"), time.Second))
		slow = append(slow, openSlow(t, ctx, sv.addr, fmt.Sprintf("signed-in body %d", i),
			"POST "+trans+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+tok+"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", []byte(" "), time.Second))
	}
	pageTrans := "/reviews/" + strconv.FormatInt(ids[0], 10) + "/transitions"
	for i := range 6 {
		// The page form of a transition: the CSRF check reads a form body.
		slow = append(slow, openSlow(t, ctx, sv.addr, fmt.Sprintf("anonymous chunked form %d", i),
			"POST "+pageTrans+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n",
			[]byte("1\r\na\r\n"), time.Second))
		slow = append(slow, openSlow(t, ctx, sv.addr, fmt.Sprintf("anonymous form %d", i),
			"POST "+pageTrans+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("a", 9000),
			[]byte("a"), time.Second))
	}
	for i := range 2 {
		// Signed-in uploads far below the minimum rate.
		uploads = append(uploads, openSlow(t, ctx, sv.addr, fmt.Sprintf("signed-in upload %d", i),
			"POST /api/v1/reviews/"+strconv.FormatInt(ids[1], 10)+"/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+upTok+
				"\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 10000000\r\n\r\n"+uploadHead, bytes.Repeat([]byte("x"), 100), time.Second))
	}
	time.Sleep(2 * time.Second) // every slow sender is in

	// Meanwhile a signed-in user's transitions go through, each in time.
	const bound = 5 * time.Second
	driveUntil := time.Now().Add(15 * time.Second)
	moved := 0
	for time.Now().Before(driveUntil) {
		for _, id := range ids {
			start := time.Now()
			status, _ := w.drive(c, id, "opinion_sent")
			d := time.Since(start)
			if status != 0 && status != 200 {
				t.Errorf("transition of %d under slow senders: %d (%v)\n%s", id, status, d, w.serverErrors())
			}
			if status == 200 {
				moved++
			}
			if d > bound {
				t.Errorf("transition of %d took %v under slow senders (bound %v)", id, d, bound)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if moved == 0 {
		t.Errorf("no transition went through under slow senders")
	}
	// The server ends every slow sender: headers within their 10 s, bodies
	// within their 30 s, uploads once below the minimum rate (60 s grace).
	for _, sc := range slow {
		select {
		case d := <-sc.closed:
			if d > 40*time.Second {
				t.Errorf("%s: held for %v", sc.name, d)
			}
		case <-ctx.Done():
			t.Errorf("%s: still open after %v", sc.name, time.Since(sc.start))
		}
	}
	for _, sc := range uploads {
		select {
		case d := <-sc.closed:
			if d > 80*time.Second {
				t.Errorf("%s: held for %v", sc.name, d)
			}
		case <-ctx.Done():
			t.Errorf("%s: still open after %v", sc.name, time.Since(sc.start))
		}
	}
}

// vmHWM is the server's peak resident memory so far, in bytes.
func vmHWM(t *testing.T, sv *server) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(sv.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// flood sends head and then size bytes (chunked or raw) and returns the
// status the server answered with (0: none).
func flood(addr, head string, chunked bool, size int) (int, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	go func() {
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("a"), 256<<10)
		frame := []byte(fmt.Sprintf("%x\r\n%s\r\n", len(chunk), chunk))
		for sent := 0; sent < size; sent += len(chunk) {
			var err error
			if chunked {
				_, err = conn.Write(frame)
			} else {
				_, err = conn.Write(chunk)
			}
			if err != nil {
				return
			}
		}
		if chunked {
			_, _ = io.WriteString(conn, "0\r\n\r\n")
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func floods(t *testing.T, sv *server, c *client) {
	tok, err := c.token("admin")
	if err != nil {
		t.Fatal(err)
	}
	before := vmHWM(t, sv)
	type attack struct {
		name, head string
		chunked    bool
		size       int
	}
	var attacks []attack
	for i := range 6 {
		attacks = append(attacks, attack{fmt.Sprintf("anonymous chunked POST %d", i),
			"POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", true, 256 << 20})
	}
	for i := range 3 {
		attacks = append(attacks,
			attack{fmt.Sprintf("anonymous PUT %d", i), fmt.Sprintf("PUT /api/v1/fee-schedules/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 512<<20), false, 512 << 20},
			attack{fmt.Sprintf("anonymous chunked PATCH %d", i), "PATCH /api/v1/reviews/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", true, 256 << 20},
			attack{fmt.Sprintf("signed-in chunked POST %d", i), "POST /api/v1/reviews HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", true, 256 << 20},
			attack{fmt.Sprintf("signed-in POST %d", i), fmt.Sprintf("POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", tok, 512<<20), false, 512 << 20},
		)
	}
	var wg sync.WaitGroup
	for _, a := range attacks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			status, err := flood(sv.addr, a.head, a.chunked, a.size)
			if err != nil {
				t.Errorf("%s: %v after %v", a.name, err, time.Since(start))
				return
			}
			if status != 413 && status != 404 {
				t.Errorf("%s: %d, want 413 (or 404 for a method no route has)", a.name, status)
			}
		}()
	}
	wg.Wait()
	after := vmHWM(t, sv)
	t.Logf("server peak RSS %d MiB before the floods, %d MiB after", before>>20, after>>20)
	if grown := after - before; grown > 160<<20 {
		t.Errorf("the floods raised the server's peak RSS by %d MiB", grown>>20)
	}
	if status, _, err := c.call("GET", "/api/v1/me", "admin", nil); err != nil || status != 200 {
		t.Errorf("after the floods: %d %v", status, err)
	}
}

// objectCount is how many objects the world's bucket holds.
func objectCount(t *testing.T, w *world) int {
	t.Helper()
	n := 0
	if err := w.objects.List(context.Background(), "", func(docs.Object) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func abortedUploads(t *testing.T, w *world, sv *server, c *client, id int64) {
	tok, err := c.token("jianshe")
	if err != nil {
		t.Fatal(err)
	}
	objectsBefore := objectCount(t, w)
	path := "/api/v1/reviews/" + strconv.FormatInt(id, 10) + "/documents"
	const declared = 4 << 20
	for _, tc := range []struct {
		name string
		cut  bool // close the connection mid-body; else half-close after a short body
	}{{"cut mid-body", true}, {"shorter than declared", false}} {
		name := "aborted-" + strings.ReplaceAll(tc.name, " ", "-") + ".pdf"
		conn, err := net.DialTimeout("tcp", sv.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
		pre := "--zz\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nsupplement\r\n" +
			"--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: %d\r\n\r\n%s",
			path, tok, declared, pre)
		_, _ = conn.Write(bytes.Repeat([]byte("% padding\n"), (1<<20)/10))
		if tc.cut {
			time.Sleep(200 * time.Millisecond)
			conn.Close()
		} else {
			_ = conn.(*net.TCPConn).CloseWrite()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode < 400 {
					t.Errorf("%s: %d, want a refusal", tc.name, resp.StatusCode)
				}
			}
			conn.Close()
		}
		time.Sleep(2 * time.Second) // the server has noticed
		var committed int
		if err := w.s.DB.QueryRow("SELECT COUNT(*) FROM documents WHERE review_id = ? AND name = ? AND status <> 'pending'", id, name).Scan(&committed); err != nil {
			t.Fatal(err)
		}
		if committed != 0 {
			t.Errorf("%s: %d document row(s) committed for an aborted upload", tc.name, committed)
		}
	}
	if n := objectCount(t, w); n != objectsBefore {
		t.Errorf("aborted uploads left %d object(s) in the bucket", n-objectsBefore)
	}
	// The server still takes a whole upload.
	if status, v, err := c.upload("jianshe", id, "supplement", 64<<10); err != nil || status != 201 {
		t.Errorf("an upload after the aborted ones: %d %v %v", status, v, err)
	}
}

func lockoutRace(t *testing.T, sv *server) {
	const user = "zhuanjia"
	hc := &http.Client{Timeout: 30 * time.Second}
	post := func(password string) int {
		resp, err := hc.Post("http://"+sv.addr+"/api/v1/tokens", "application/json",
			strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var evaluated, throttled atomic.Int64
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			switch post("wrong-" + strconv.Itoa(i)) {
			case 401:
				evaluated.Add(1)
			case 429:
				throttled.Add(1)
			}
		}()
	}
	close(gate)
	wg.Wait()
	t.Logf("40 wrong passwords at once: %d evaluated (401), %d refused as throttled (429)", evaluated.Load(), throttled.Load())
	const maxUserFailures = 5 // auth.MaxUserFailures
	if n := evaluated.Load(); n > maxUserFailures {
		t.Errorf("%d of 40 concurrent wrong passwords were evaluated, want at most %d", n, maxUserFailures)
	}
	if status := post("Demo@2026"); status != 429 {
		t.Errorf("the right password while locked: %d, want 429", status)
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// With FINREVIEW_TLS_CERT_FILE and FINREVIEW_TLS_KEY_FILE the server
// answers HTTPS only, from TLS 1.2 on, with HSTS and Secure cookies.
func servesTLS(t *testing.T, w *world) {
	cert, key := selfSigned(t, t.TempDir())
	sv := w.start("hostile-tls", "", "FINREVIEW_TLS_CERT_FILE="+cert, "FINREVIEW_TLS_KEY_FILE="+key)
	defer sv.kill()
	old := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}}}
	if resp, err := old.Get("https://" + sv.addr + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a TLS 1.1 client was served")
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Timeout: 10 * time.Second, Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + sv.addr
	resp, err := hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS over TLS")
	}
	m := regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("login page without a CSRF field: %d", resp.StatusCode)
	}
	form := url.Values{"username": {"caizheng"}, "password": {"Demo@2026"}, "_csrf": {string(m[1])}}
	resp, err = hc.PostForm(base+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "finreview_session" {
			session = c
		}
	}
	if resp.StatusCode != 303 || session == nil {
		t.Fatalf("sign-in over TLS: %d, session cookie %v", resp.StatusCode, session)
	}
	if !session.Secure || !session.HttpOnly {
		t.Errorf("session cookie over TLS: Secure %v HttpOnly %v", session.Secure, session.HttpOnly)
	}
	// Plain HTTP on the TLS port is not served.
	if resp, err := http.Get("http://" + sv.addr + "/healthz"); err == nil {
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP served on the TLS address")
		}
		resp.Body.Close()
	}
}
