package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/review"
	"finreview/workflow"
)

// Typed errors of other packages are recognised by the methods they offer,
// so the web layer maps each kind of error to HTTP exactly once, here.
type (
	fieldError  interface{ Field() string }
	codedError  interface{ Code() string }
	statusError interface{ HTTPStatus() int }
	permitted   interface{ PermittedTriggers() []workflow.Trigger }
)

// apiError is the JSON body of every error answer. Field names the first
// refused field of a 422 and Fields every refused field with its message.
// Permitted is set on
// every 409 of a transition, an empty list included: what this caller may
// fire now.
type apiError struct {
	Error     string              `json:"error"`
	Code      string              `json:"code"`
	Field     string              `json:"field,omitempty"`
	Fields    map[string]string   `json:"fields,omitempty"`
	Permitted *[]workflow.Trigger `json:"permitted_triggers,omitempty"`
	Missing   []string            `json:"missing,omitempty"`
}

// classify turns an error into a status and body.
func classify(err error) (int, apiError) {
	var fe *fiber.Error
	var te *workflow.TransitionError
	ie, refused := review.AsInputError(err)
	var fld fieldError
	var st statusError
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		return 401, apiError{Error: "未登录或登录已过期", Code: "unauthenticated"}
	case errors.Is(err, auth.ErrBadCredentials):
		return 401, apiError{Error: "用户名或密码错误", Code: "bad_credentials"}
	case errors.Is(err, auth.ErrThrottled):
		return 429, apiError{Error: auth.ThrottleMessage(err), Code: "throttled"}
	case errors.Is(err, auth.ErrForbidden):
		return 403, apiError{Error: "无权执行此操作", Code: "forbidden"}
	case errors.As(err, &te):
		return 409, apiError{Error: te.Error(), Code: te.Code(), Permitted: triggerList(te.Permitted), Missing: te.Missing}
	case errors.Is(err, review.ErrStale):
		return 409, apiError{Error: "该评审已被他人更新,请刷新后重试", Code: "stale_version", Permitted: triggerList(permittedOf(err))}
	case review.IsUnavailable(err):
		return 503, apiError{Error: "数据库暂不可用,请稍后重试", Code: "unavailable"}
	case errors.Is(err, review.ErrNotFound):
		return 404, apiError{Error: "记录不存在或无权查看", Code: "not_found"}
	case errors.As(err, &fld) && fld != fieldError(ie):
		msg, fields := refusedFields(err)
		return 422, apiError{Error: msg, Code: "invalid", Field: fld.Field(), Fields: fields}
	case refused && ie.Err == review.ErrDuplicate:
		return 409, apiError{Error: ie.Message(), Code: ie.Code()}
	case refused:
		_, fields := refusedFields(err)
		return 422, apiError{Error: ie.Message(), Code: ie.Code(), Field: ie.Field(), Fields: fields}
	case errors.As(err, &st):
		return st.HTTPStatus(), apiError{Error: errText(err), Code: codeOf(err, "error")}
	case errors.As(err, &fe):
		msg := fe.Message
		switch fe.Code {
		case 404:
			msg = "页面不存在"
		case 413:
			msg = "请求内容过大"
		case 405:
			msg = "不支持的请求方法"
		}
		return fe.Code, apiError{Error: msg, Code: statusCode(fe.Code)}
	}
	return 500, apiError{Error: "服务器内部错误,请稍后重试", Code: "internal"}
}

// clientStatus is err's own status when it is the client's to fix (below
// 500), for a page that shows the refusal itself; 0 for any other error.
func clientStatus(err error) int {
	var st statusError
	if errors.As(err, &st) && st.HTTPStatus() < 500 {
		return st.HTTPStatus()
	}
	return 0
}

// refusedFields is the message of err's first refused field and every
// refused field with its message (nil when none is named).
func refusedFields(err error) (string, map[string]string) {
	fs, _ := fieldErrors(err)
	msg := errText(err)
	if len(fs) > 0 {
		msg = fs[0].Msg
	}
	var out map[string]string
	for _, f := range fs {
		if f.Field == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		if _, seen := out[f.Field]; !seen {
			out[f.Field] = f.Msg
		}
	}
	return msg, out
}

// triggerList is ts for an answer that always lists them, empty or not.
func triggerList(ts []workflow.Trigger) *[]workflow.Trigger {
	if ts == nil {
		ts = []workflow.Trigger{}
	}
	return &ts
}

func permittedOf(err error) []workflow.Trigger {
	var p permitted
	if errors.As(err, &p) {
		return p.PermittedTriggers()
	}
	return []workflow.Trigger{}
}

func codeOf(err error, def string) string {
	var c codedError
	if errors.As(err, &c) {
		return c.Code()
	}
	return def
}

// errText is the Chinese message of a typed error: a message method when
// it has one, else its Error.
func errText(err error) string {
	var m interface{ Message() string }
	if errors.As(err, &m) {
		return m.Message()
	}
	return err.Error()
}

// statusCode is the stable English code of a plain HTTP error.
func statusCode(code int) string {
	switch code {
	case 400:
		return "bad_request"
	case 404:
		return "not_found"
	case 405:
		return "method_not_allowed"
	case 413:
		return "too_large"
	case 415:
		return "unsupported_media_type"
	case 503:
		return "unavailable"
	}
	return "error"
}

// errorHandler is fiber's single error handler: JSON for /api, a page
// otherwise; 500s are logged with the request id, never shown.
func (a *App) errorHandler(c *fiber.Ctx, err error) error {
	status, body := classify(err)
	if status == 403 && errors.Is(err, auth.ErrForbidden) {
		a.auditRefusal(c)
	}
	switch {
	case status == 503:
		a.log.Warn("request refused, service unavailable", slog.String("request_id", requestID(c)), slog.String("path", c.Path()),
			slog.String("error", err.Error()))
	case status >= 500:
		a.log.Error("request failed", slog.String("request_id", requestID(c)), slog.String("path", c.Path()),
			slog.String("error", err.Error()))
	}
	if wantsJSON(c) {
		c.Status(status)
		b, _ := json.Marshal(body)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(b)
	}
	if status == 401 {
		return c.Redirect("/login?next=" + c.OriginalURL())
	}
	titles := map[int]string{403: "无权访问", 404: "页面不存在", 409: "操作无法执行", 422: "输入有误", 429: "请求过于频繁", 503: "服务暂不可用"}
	title := titles[status]
	if title == "" {
		title = "出错了"
	}
	return a.views.render(c, status, "error", a.page(c, title, map[string]any{"Message": body.Error}))
}

// auditRefusal records a signed-in user's refused request (a permission
// refusal is a security event); a failure to record it is logged, the
// refusal stands.
func (a *App) auditRefusal(c *fiber.Ctx) {
	u, ok := c.Locals("user").(auth.User)
	if !ok {
		return
	}
	if err := a.auth.Record(c.UserContext(), u, "access_denied", map[string]string{"method": c.Method(), "path": c.Path(), "role": u.Role}); err != nil {
		a.log.Error("audit refusal", slog.String("request_id", requestID(c)), slog.String("error", err.Error()))
	}
}

func wantsJSON(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), "/api/")
}
