package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

// Limits of the HTTP edge. The server streams every request body
// (StreamRequestBody), so fasthttp enforces no body limit itself: with a
// Content-Length over its limit, or with a chunked body, it hands the
// handler a stream of any length, and c.Body() on that stream reads it
// whole into memory. The edge therefore reads every body itself, bounded,
// before authentication; only the upload routes stream, after sign-in.
const (
	// MaxUploadBytes bounds an upload's body; the document service
	// applies smaller per-category limits.
	MaxUploadBytes = 2 << 30
	// maxFormBytes bounds every other body, whatever its method or
	// transfer encoding, counted on the bytes actually read.
	maxFormBytes = 4 << 20
	// headerReadTimeout bounds reading a request's headers (the server's
	// ReadTimeout, which starts when a request's first byte is awaited).
	headerReadTimeout = 10 * time.Second
	// bodyReadTimeout bounds reading an ordinary request's whole body.
	bodyReadTimeout = 30 * time.Second
	// uploadStall cuts an upload that sends nothing for this long.
	uploadStall = 30 * time.Second
	// uploadGrace and uploadMinRate: past the grace an upload must keep
	// an average of at least uploadMinRate bytes a second.
	uploadGrace   = 60 * time.Second
	uploadMinRate = 8 << 10
	// smallBody is how much of a body is read without asking the budget.
	smallBody = 64 << 10
	// bodyBudget bounds the bytes of larger bodies held at once.
	bodyBudget = 64 << 20
)

var errTooLarge = &auth.RefusedError{Status: 413, Reason: "too_large", Msg: "请求内容过大(上限 4 MB);上传文件请使用资料上传功能"}

// uploadRoutes are the routes whose multipart body is streamed by its
// handler: only they may be larger than maxFormBytes.
var uploadRoutes = map[string]bool{
	"POST /api/v1/reviews/:id/documents": true,
	"POST /reviews/:id/upload":           true,
}

// knownRoute answers 404 for a request that names no route, before any
// authentication or CSRF check, and keeps the matched pattern for the
// request log and the metrics.
func (a *App) knownRoute(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/static/") {
		c.Locals(localRoute, "/static")
		return c.Next()
	}
	route, ok := a.table.match(c.Method(), c.Path())
	if !ok {
		a.closeIfBody(c)
		return fiber.ErrNotFound
	}
	c.Locals(localRoute, route)
	return c.Next()
}

const (
	localRoute       = "route"
	localUploadBody  = "upload_body"
	localUploadParts = "upload_parts"
)

// routeOf is the matched route pattern ("" for none).
func routeOf(c *fiber.Ctx) string {
	r, _ := c.Locals(localRoute).(string)
	return r
}

func isUpload(c *fiber.Ctx) bool {
	return uploadRoutes[c.Method()+" "+routeOf(c)]
}

// closeIfBody closes the connection after the answer when the request has
// a body nobody read: its bytes must not be taken for the next request.
func (a *App) closeIfBody(c *fiber.Ctx) {
	if c.Request().Header.ContentLength() != 0 {
		c.Context().SetConnectionClose()
	}
}

// limitBody reads and bounds every request body before any handler (and
// so before authentication and before a transition takes its turn). A
// body goes on being read for at most bodyReadTimeout. Upload routes are
// left to stream: their handler reads the body through uploadReader, after
// sign-in; a refused upload's unread body closes the connection.
func (a *App) limitBody(c *fiber.Ctx) error {
	conn := c.Context().Conn()
	if isUpload(c) {
		_ = conn.SetReadDeadline(time.Now().Add(bodyReadTimeout))
		err := c.Next()
		if u, ok := c.Locals(localUploadBody).(*uploadReader); !ok || !u.eof {
			c.Context().SetConnectionClose()
		}
		return err
	}
	n := c.Request().Header.ContentLength()
	if n == 0 {
		return c.Next()
	}
	if n > maxFormBytes {
		c.Context().SetConnectionClose()
		return errTooLarge
	}
	stream := c.Context().RequestBodyStream()
	if stream == nil { // already in memory: bounded all the same
		if len(c.Request().Body()) > maxFormBytes {
			c.Context().SetConnectionClose()
			return errTooLarge
		}
		return c.Next()
	}
	_ = conn.SetReadDeadline(time.Now().Add(bodyReadTimeout))
	body, held, err := a.readBounded(stream, n)
	defer a.bodies.give(held)
	if err != nil {
		c.Context().SetConnectionClose()
		return err
	}
	c.Request().SetBodyRaw(body)
	c.Request().Header.SetContentLength(len(body))
	return c.Next()
}

// readBounded reads a whole body of declared length n (-1: chunked) of at
// most maxFormBytes. Past smallBody its bytes are taken from the shared
// budget (held, to be given back once the request is done).
func (a *App) readBounded(r io.Reader, n int) (body []byte, held int64, err error) {
	size := 4096
	if n > 0 {
		size = min(n, smallBody)
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			// Grow to the declared length, or double a chunked body's
			// buffer; past smallBody the growth comes from the budget.
			target := 2 * cap(buf)
			if n > 0 {
				target = n
			}
			target = min(target, maxFormBytes+1)
			if need := int64(target-smallBody) - held; need > 0 {
				if !a.bodies.take(need) {
					return nil, held, &auth.RefusedError{Status: 503, Reason: "busy", Msg: "系统繁忙,请稍后重试"}
				}
				held += need
			}
			grown := make([]byte, len(buf), target)
			copy(grown, buf)
			buf = grown
		}
		m, rerr := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if len(buf) > maxFormBytes {
			return nil, held, errTooLarge
		}
		if errors.Is(rerr, io.EOF) {
			if n > 0 && len(buf) < n {
				return nil, held, badRequest("请求内容不完整")
			}
			return buf, held, nil
		}
		if rerr != nil {
			return nil, held, readError(rerr)
		}
		if n > 0 && len(buf) == n {
			return buf, held, nil
		}
	}
}

// readError turns a failed body read into an answer.
func readError(err error) error {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &auth.RefusedError{Status: 408, Reason: "timeout", Msg: "请求发送过慢,已超时"}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return badRequest("请求内容不完整")
	}
	return badRequest("请求内容无法读取")
}

// budget counts bytes held by bodies being read, against a limit.
type budget struct {
	used  atomic.Int64
	limit int64
}

func (b *budget) take(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *budget) give(n int64) {
	if n > 0 {
		b.used.Add(-n)
	}
}

// uploadReader is an upload's body as its handler reads it: at most
// MaxUploadBytes, and cut when it stalls for uploadStall or, past
// uploadGrace, falls below uploadMinRate on average. Each read moves the
// connection's read deadline accordingly, so a slow sender holds nothing
// for long.
type uploadReader struct {
	r     io.Reader
	conn  net.Conn
	start time.Time
	n     int64
	eof   bool
	// declared is the Content-Length (-1: chunked): fasthttp's stream
	// answers io.EOF when the client stops short of it, which must not
	// pass for a complete body.
	declared int64
	// limit, when not 0, is how far the body may be read for now (the
	// CSRF check reads the leading field alone).
	limit int64
}

// errPastBound ends a read that would go past uploadReader.limit.
var errPastBound = errors.New("upload body read past its bound")

// uploadBody is the body of an upload request, paced. Before sign-in,
// only its leading CSRF field is read (csrf.go); the rest is read by the
// handler.
func (a *App) uploadBody(c *fiber.Ctx) *uploadReader {
	var r io.Reader = c.Context().RequestBodyStream()
	if r == nil {
		r = strings.NewReader(string(c.Body()))
	}
	u := &uploadReader{r: r, conn: c.Context().Conn(), start: time.Now(), declared: int64(c.Request().Header.ContentLength())}
	c.Locals(localUploadBody, u)
	return u
}

// bound lets the body be read n more bytes at most (0: to its end).
func (u *uploadReader) bound(n int64) {
	u.limit = 0
	if n > 0 {
		u.limit = u.n + n
	}
}

func (u *uploadReader) Read(p []byte) (int, error) {
	if u.eof {
		return 0, io.EOF
	}
	if u.limit > 0 {
		rest := u.limit - u.n
		if rest <= 0 {
			return 0, errPastBound
		}
		if int64(len(p)) > rest {
			p = p[:rest]
		}
	}
	now := time.Now()
	deadline := now.Add(uploadStall)
	if byRate := u.start.Add(max(uploadGrace, time.Duration(u.n/uploadMinRate)*time.Second)); byRate.Before(deadline) {
		deadline = byRate
	}
	if !deadline.After(now) {
		return 0, &auth.RefusedError{Status: 408, Reason: "timeout", Msg: "上传速度过慢,已中断"}
	}
	if u.conn != nil {
		_ = u.conn.SetReadDeadline(deadline)
	}
	if rest := MaxUploadBytes - u.n; int64(len(p)) > rest+1 {
		p = p[:rest+1]
	}
	n, err := u.r.Read(p)
	u.n += int64(n)
	if u.n > MaxUploadBytes {
		return n, &auth.RefusedError{Status: 413, Reason: "too_large", Msg: "上传文件过大(上限 2 GB)"}
	}
	if errors.Is(err, io.EOF) {
		if u.declared >= 0 && u.n < u.declared {
			return n, badRequest("上传内容不完整(连接中断)")
		}
		u.eof = true
		return n, io.EOF
	}
	if err != nil {
		return n, readError(err)
	}
	return n, nil
}

// contentSecurityPolicy: every script and style sheet comes from /static;
// inline style attributes remain in some templates, inline scripts none.
// Browsers report a violation to /csp-report.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; report-uri /csp-report"

// cspReport counts a browser's report of a Content-Security-Policy
// violation and logs what was blocked (anonymous: the body is bounded by
// limitBody, and only two short fields are kept).
func (a *App) cspReport(c *fiber.Ctx) error {
	var r struct {
		Report struct {
			Directive string `json:"violated-directive"`
			Blocked   string `json:"blocked-uri"`
			Document  string `json:"document-uri"`
		} `json:"csp-report"`
	}
	_ = json.Unmarshal(c.Body(), &r)
	a.cspViolations.Inc()
	short := func(s string) string { return string([]rune(s)[:min(len([]rune(s)), 200)]) }
	a.log.Warn("content security policy violation", slog.String("directive", short(r.Report.Directive)),
		slog.String("blocked", short(r.Report.Blocked)), slog.String("document", short(r.Report.Document)))
	return c.SendStatus(fiber.StatusNoContent)
}

// securityHeaders sets the headers every answer carries. Everything but
// the embedded assets may show amounts or personal data, so it is never
// stored by a cache.
func (a *App) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if a.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if !strings.HasPrefix(c.Path(), "/static/") {
		h.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

// unsafeRedirect matches what a browser may read as another site: two
// slashes or backslashes in any mix at the start, and anywhere a
// backslash, a control character or a space (browsers drop tabs and
// newlines inside a URL, and read a backslash as a slash).
var unsafeRedirect = regexp.MustCompile(`^[/\\][/\\]|[\x00-\x20\x7f\\]`)

// safeLocalPath reports whether p is a path on this site, safe as a
// redirect target: an absolute path with no scheme, host or user part.
func safeLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || unsafeRedirect.MatchString(p) {
		return false
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//")
}

// uploadParts is an upload's multipart body, read part by part from the
// paced stream: the CSRF check reads its leading field, the handler the
// fields and the file after it. Each request builds it once.
type uploadParts struct {
	paced *uploadReader
	raw   *countingReader // what arrived, for the length check
	body  *bufio.Reader
	*multipart.Reader
}

func (a *App) uploadParts(c *fiber.Ctx) (*uploadParts, error) {
	if u, ok := c.Locals(localUploadParts).(*uploadParts); ok {
		return u, nil
	}
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, &auth.RefusedError{Status: 400, Reason: "bad_request", Msg: "请以 multipart/form-data 方式上传文件"}
	}
	u := &uploadParts{paced: a.uploadBody(c)}
	u.raw = &countingReader{r: u.paced}
	// A large read buffer: multipart reuses a *bufio.Reader this big
	// instead of its own 4 KiB one, so a big file moves in few, large reads.
	u.body = bufio.NewReaderSize(u.raw, 1<<20)
	u.Reader = multipart.NewReader(u.body, params["boundary"])
	c.Locals(localUploadParts, u)
	return u, nil
}
