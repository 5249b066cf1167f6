// Package web is finreview's HTTP edge: the fiber app, server-rendered
// pages, the JSON API under /api/v1, sessions, CSRF and the error handler.
// Handlers stay thin: they parse input, call a service and render.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/trust"
	"finreview/templates"
)

var shanghai = calendar.Location()

// Check is a readiness probe of one dependency.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Deps is what the web app needs; cmd/finreview builds it.
type Deps struct {
	Log      *slog.Logger
	Auth     *auth.Service
	Services Services
	Checks   []Check
	Registry *prometheus.Registry
	Now      func() time.Time
	// SecureCookies marks cookies Secure (behind TLS).
	SecureCookies bool
	// MaxTransitions is how many transitions run at once; the others wait
	// their turn in order (0: DefaultMaxTransitions).
	MaxTransitions int
	// MaxExports is how many large Excel exports are written at once; the
	// others wait their turn (0: DefaultMaxExports).
	MaxExports int
}

// App is the web application.
type App struct {
	log      *slog.Logger
	auth     *auth.Service
	svc      Services
	views    *views
	checks   []Check
	now      func() time.Time
	secure   bool
	fiber    *fiber.App
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	admit    admission
	exports  admission
	waiting  prometheus.Gauge
	table    routeTable
	bodies   *budget
	metrics  fiber.Handler
	// written are the review list's unit and firm selects, written once
	// per list and scope (orgOptions).
	written *trust.Map[orgSelect, *writtenOptions]

	cspViolations prometheus.Counter
}

// New builds the fiber app with every route.
func New(d Deps) (*App, error) {
	v, err := parseViews(templates.FS)
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	a := &App{log: d.Log, auth: d.Auth, svc: d.Services, views: v, checks: d.Checks, now: d.Now, secure: d.SecureCookies,
		bodies: &budget{limit: bodyBudget}, written: newWrittenSelects()}
	a.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "finreview_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"method", "route", "status"})
	a.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "finreview_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	if d.MaxTransitions <= 0 {
		d.MaxTransitions = DefaultMaxTransitions()
	}
	a.admit, a.waiting = make(admission, d.MaxTransitions), newWaitingGauge()
	if d.MaxExports <= 0 {
		d.MaxExports = DefaultMaxExports()
	}
	a.exports = make(admission, d.MaxExports)
	a.cspViolations = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "finreview_csp_violations_total", Help: "Content-Security-Policy violations browsers reported.",
	})
	d.Registry.MustRegister(a.requests, a.latency, a.waiting, a.cspViolations)

	a.fiber = fiber.New(fiber.Config{
		AppName:      "finreview",
		ErrorHandler: a.errorHandler,
		// Bodies are streamed and bounded by limitBody; fasthttp's own
		// limit does not hold for streamed bodies.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    MaxUploadBytes,
		// ReadTimeout covers a request's headers: limitBody and
		// uploadReader move the deadline while its body is read.
		ReadTimeout:           headerReadTimeout,
		WriteTimeout:          30 * time.Minute,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
	})
	a.fiber.Use(a.recover, a.requestLog, a.securityHeaders, a.knownRoute, a.limitBody)
	a.fiber.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(templates.FS), PathPrefix: "static", MaxAge: 3600}))
	a.metrics = adaptor.HTTPHandler(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}))
	a.routes()
	a.table = newRouteTable(a.fiber.GetRoutes(true))
	return a, nil
}

// Fiber exposes the underlying app (for Listen and tests).
func (a *App) Fiber() *fiber.App { return a.fiber }

func (a *App) readyz(c *fiber.Ctx) error {
	out := map[string]string{}
	ok := true
	for _, ch := range a.checks {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		err := ch.Fn(ctx)
		cancel()
		if err != nil {
			ok = false
			out[ch.Name] = "不可用: " + err.Error()
		} else {
			out[ch.Name] = "ok"
		}
	}
	if !ok {
		return c.Status(503).JSON(out)
	}
	return c.JSON(out)
}

func (a *App) recover(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("panic", slog.Any("panic", r), slog.String("request_id", requestID(c)), slog.String("path", c.Path()))
			err = errors.New("panic")
		}
	}()
	return c.Next()
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals("request_id").(string); ok {
		return id
	}
	return ""
}

func (a *App) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	id := newRequestID()
	c.Locals("request_id", id)
	c.Set("X-Request-Id", id)
	err := c.Next()
	if err != nil {
		if herr := a.errorHandler(c, err); herr != nil {
			a.log.Error("error handler", slog.String("error", herr.Error()))
		}
	}
	status := c.Response().StatusCode()
	// Labels are constants or route patterns, never request bytes:
	// fasthttp reuses those buffers for the next request.
	method, route := methodLabel(c.Method()), routeOf(c)
	if route == "" {
		route = "unmatched"
	}
	a.requests.WithLabelValues(method, route, http.StatusText(status)).Inc()
	a.latency.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	actor := ""
	if p, ok := c.Locals("principal").(auth.Principal); ok {
		actor = p.Username
	}
	if !strings.HasPrefix(c.Path(), "/static/") && c.Path() != "/healthz" && c.Path() != "/metrics" {
		a.log.Info("request", slog.String("request_id", id), slog.String("actor", actor), slog.String("method", c.Method()),
			slog.String("path", c.Path()), slog.Int("status", status), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	}
	return nil
}

// badRequest is a malformed request (400).
func badRequest(msg string) error {
	return &auth.RefusedError{Status: 400, Reason: "bad_request", Msg: msg}
}
