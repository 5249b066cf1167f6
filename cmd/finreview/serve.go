package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only when FINREVIEW_PPROF_ADDR is set
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/config"
	"finreview/internal/docs"
	"finreview/internal/pii"
	"finreview/internal/signature"
	"finreview/internal/store"
	"finreview/internal/web"
)

// env holds what every server-side subcommand opens.
type env struct {
	cfg     config.Config
	log     *slog.Logger
	db      *store.Store
	objects *docs.ObjectStore
	// signer signs issued papers (FINREVIEW_SM2_KEY_FILE); nil: unsigned.
	signer *signature.Signer
}

func (e *env) close() {
	if e.db != nil {
		e.db.DB.Close()
	}
}

// open loads the configuration and connects to MariaDB (and MinIO when
// withObjects), answering with how to start a service that is down.
func (c *cli) open(ctx context.Context, withObjects bool) (*env, error) {
	cfg, err := c.loadConfig()
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, log: slog.New(slog.NewJSONHandler(c.stdout, nil))}
	db, err := store.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("无法连接 MariaDB(FINREVIEW_DSN):%v\n请先启动数据库:make services", err)
	}
	e.db = store.New(db)
	// The suite chosen at installation is recorded on the first start and
	// checked on every later one; the audit chain and the sealing of
	// personal information follow it.
	if err := e.db.RecordSuite(ctx, cfg.CryptoSuite); err != nil {
		e.close()
		return nil, err
	}
	if cfg.PIIKeyFile != "" {
		key, err := pii.LoadKeyFile(cfg.PIIKeyFile)
		var sealer *pii.Sealer
		if err == nil {
			sealer, err = pii.NewSuiteSealer(cfg.CryptoSuite, key)
		}
		if err != nil {
			e.close()
			return nil, fmt.Errorf("配置错误 FINREVIEW_PII_KEY_FILE: %w", err)
		}
		e.db.SetSealer(sealer)
	}
	if cfg.SM2KeyFile != "" {
		if e.signer, err = signature.Load(cfg.SM2KeyFile); err != nil {
			e.close()
			return nil, fmt.Errorf("配置错误 FINREVIEW_SM2_KEY_FILE: %w", err)
		}
	}
	if withObjects {
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		e.objects, err = docs.NewObjectStore(octx, docs.ObjectStoreOptions{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey,
			SecretKey: cfg.S3SecretKey, Bucket: cfg.S3Bucket, Secure: cfg.S3Secure})
		if err != nil {
			e.close()
			return nil, fmt.Errorf("无法连接 MinIO(FINREVIEW_S3_ENDPOINT=%s):%v\n请先启动对象存储:make services", cfg.S3Endpoint, err)
		}
	}
	return e, nil
}

// openKeyed opens MariaDB and MinIO and gives the store the audit
// anchors' key, for the commands that write or check anchors (serve,
// backup, backup verify).
func (c *cli) openKeyed(ctx context.Context) (*env, error) {
	e, err := c.open(ctx, true)
	if err != nil {
		return nil, err
	}
	key, err := audit.LoadKey(e.cfg.AuditKeyFile)
	if err != nil {
		e.close()
		return nil, fmt.Errorf("配置错误 FINREVIEW_AUDIT_KEY_FILE: %w", err)
	}
	e.db.SetAuditKey(key)
	return e, nil
}

func (c *cli) serve(ctx context.Context, args []string) error {
	if err := c.noFlags("serve", args); err != nil {
		return err
	}
	e, err := c.openKeyed(ctx)
	if err != nil {
		return err
	}
	defer e.close()
	e.log.Info("starting", slog.Any("config", e.cfg))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	app, err := c.buildApp(ctx, e, reg)
	if err != nil {
		return err
	}

	if addr := c.getenv("FINREVIEW_PPROF_ADDR"); addr != "" {
		// Profiling for operators, on its own (loopback) address only.
		go func() {
			srv := &http.Server{Addr: addr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 5 * time.Second}
			e.log.Info("pprof", slog.String("addr", addr), slog.Any("error", srv.ListenAndServe()))
		}()
	}

	errc := make(chan error, 1)
	go func() {
		if e.cfg.TLS() {
			// fiber's ListenTLS refuses anything older than TLS 1.2.
			errc <- app.Fiber().ListenTLS(e.cfg.Addr, e.cfg.TLSCertFile, e.cfg.TLSKeyFile)
			return
		}
		errc <- app.Fiber().Listen(e.cfg.Addr)
	}()
	e.log.Info("serving", slog.String("addr", e.cfg.Addr), slog.Bool("tls", e.cfg.TLS()))
	select {
	case err := <-errc:
		return fmt.Errorf("listen %s: %w", e.cfg.Addr, err)
	case <-ctx.Done():
	}
	e.log.Info("shutting down")
	if err := app.Fiber().ShutdownWithTimeout(20 * time.Second); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
		e.log.Info("listener closed", slog.String("error", err.Error()))
	}
	return nil
}

// buildApp wires stores, services and the web app.
func (c *cli) buildApp(ctx context.Context, e *env, reg *prometheus.Registry) (*web.App, error) {
	authSvc := auth.NewService(e.db, time.Now)
	svc, err := c.services(ctx, e, reg)
	if err != nil {
		return nil, err
	}
	return web.New(web.Deps{
		Log: e.log, Auth: authSvc, Services: svc, Registry: reg, MaxTransitions: e.cfg.MaxTransitions,
		SecureCookies: e.cfg.SecureCookies(),
		Checks: []web.Check{
			{Name: "database", Fn: func(ctx context.Context) error { return e.db.DB.PingContext(ctx) }},
			{Name: "object_storage", Fn: e.objects.Ping},
		},
	})
}
