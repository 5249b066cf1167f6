package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
)

// preCSRFCookie holds the sign-in form's token, before there is a session.
const preCSRFCookie = "finreview_csrf"

// csrfHeader carries the token of a page's script request (an upload with
// its progress, a form posted for a JSON answer).
const csrfHeader = "X-CSRF-Token"

var errCSRF = &auth.RefusedError{Status: 403, Reason: "csrf", Msg: "页面已过期或请求来源无效,请刷新页面后重试"}

// Bounds of a multipart form's leading _csrf field: the bytes of the body
// read for it (its boundary, headers and value) and of its value.
const (
	maxLeadingField = 16 << 10
	maxCSRFToken    = 256
)

// csrf checks the form token on every state-changing request of a page.
// The sign-in form uses a pre-session token kept in its own cookie. A
// token is never taken from the query string: an address keeps it in the
// history, the logs and the Referer of later requests.
func (a *App) csrf(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Next()
	}
	sess, signedIn := c.Locals("session").(auth.Session)
	pre := c.Cookies(preCSRFCookie)
	if !signedIn && pre == "" {
		// Nothing to match: refused before any of the body is read.
		return errCSRF
	}
	submitted, err := a.submittedCSRF(c)
	if err != nil {
		return err
	}
	if signedIn && auth.CheckCSRF(sess, submitted) || !signedIn && pre == submitted {
		return c.Next()
	}
	return errCSRF
}

// submittedCSRF is the token a request carries: the X-CSRF-Token header,
// else the form's _csrf field. A multipart form carries it as its first
// part, which is read alone: an upload's file then streams on to its
// handler (uploadParts), and no form is parsed whole for its token.
func (a *App) submittedCSRF(c *fiber.Ctx) (string, error) {
	if t := c.Get(csrfHeader); t != "" {
		return t, nil
	}
	switch {
	case strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm):
		return a.leadingCSRF(c)
	case isUpload(c):
		// An upload is multipart; any other body is not read for a token.
		return "", nil
	}
	// The form body only: fiber's FormValue would take the query too.
	return string(c.Context().PostArgs().Peek("_csrf")), nil
}

// leadingCSRF reads a multipart form's first part, when it is the _csrf
// field, reading at most maxLeadingField bytes of the body for it.
func (a *App) leadingCSRF(c *fiber.Ctx) (string, error) {
	var parts *multipart.Reader
	if isUpload(c) {
		u, err := a.uploadParts(c)
		if err != nil {
			return "", err
		}
		u.paced.bound(maxLeadingField)
		defer u.paced.bound(0)
		parts = u.Reader
	} else {
		// Any other form is already read and bounded (limitBody).
		_, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
		if err != nil || params["boundary"] == "" {
			return "", nil
		}
		parts = multipart.NewReader(bytes.NewReader(c.Body()), params["boundary"])
	}
	part, err := parts.NextPart()
	if err == nil && part.FormName() == "_csrf" {
		var v []byte
		if v, err = io.ReadAll(io.LimitReader(part, maxCSRFToken)); err == nil {
			return strings.TrimSpace(string(v)), nil
		}
	}
	// A body cut off or too slow answers as such; any other body without
	// a leading token is refused as one without a token.
	var se statusError
	if errors.As(err, &se) {
		return "", err
	}
	return "", nil
}
