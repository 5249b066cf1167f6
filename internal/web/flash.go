package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

// A flash message travels in the redirect's query (msg) with a signature
// (msg_sig) keyed by the session's CSRF secret: the page shows it only when
// the server wrote it for this session. A link carrying any other text in
// msg shows nothing.
const flashSigParam = "msg_sig"

// redirectMsg answers a form with a redirect to to, a path of this site,
// whose page then shows msg once.
func redirectMsg(c *fiber.Ctx, to, msg string) error {
	return c.Redirect(withMsg(to, msg), fiber.StatusSeeOther)
}

// withMsg adds msg to the query of to, before its #fragment if it has one.
func withMsg(to, msg string) string {
	frag := ""
	if i := strings.IndexByte(to, '#'); i >= 0 {
		to, frag = to[:i], to[i:]
	}
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return to + sep + "msg=" + url.QueryEscape(msg) + frag
}

func flashSig(sess auth.Session, msg string) string {
	m := hmac.New(sha256.New, []byte(sess.CSRFToken))
	m.Write([]byte("flash\x00"))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// flashSigned reports whether sig is this session's signature of msg.
func flashSigned(c *fiber.Ctx, msg, sig string) bool {
	sess, ok := c.Locals("session").(auth.Session)
	if !ok || sess.CSRFToken == "" || sig == "" {
		return false
	}
	return hmac.Equal([]byte(flashSig(sess, msg)), []byte(sig))
}

// signFlash signs the message of a redirect that a page's form handler
// answers with: a state-changing request of a signed-in session, sent to a
// path of this site with exactly one msg in its query. Sign-in is left
// out: its redirect target comes from the request.
func (a *App) signFlash(c *fiber.Ctx) error {
	err := c.Next()
	if err != nil || c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead || c.Path() == "/login" {
		return err
	}
	status := c.Response().StatusCode()
	if status < 300 || status >= 400 {
		return nil
	}
	sess, ok := c.Locals("session").(auth.Session)
	if !ok || sess.CSRFToken == "" {
		return nil
	}
	loc := string(c.Response().Header.Peek(fiber.HeaderLocation))
	if !safeLocalPath(loc) {
		return nil
	}
	u, perr := url.Parse(loc)
	if perr != nil {
		return nil
	}
	q := u.Query()
	if len(q["msg"]) != 1 || q.Has(flashSigParam) {
		return nil
	}
	q.Set(flashSigParam, flashSig(sess, q.Get("msg")))
	u.RawQuery = q.Encode()
	c.Set(fiber.HeaderLocation, u.String())
	return nil
}
