package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finreview/internal/config"
	"finreview/internal/review/notice"
)

func (c *cli) loadConfig() (config.Config, error) {
	if c.lookupEnv != nil {
		return config.LoadEnv(c.lookupEnv)
	}
	return config.Load(c.getenv)
}

// startNotices builds the outside channels that are configured, starts the
// dispatcher that sends through them (it stops with ctx), and registers
// the outbox figures on /metrics.
func startNotices(ctx context.Context, e *env, reg *prometheus.Registry) (*notice.Service, error) {
	n := e.cfg.Notices
	o := notice.Options{Store: e.db, Log: e.log, Now: time.Now, Instance: e.cfg.InstanceName,
		BaseURL: n.PublicURL, Signature: n.SMSSignature}
	if n.SMTPAddr != "" {
		s, err := notice.NewSMTP(notice.SMTPOptions{Addr: n.SMTPAddr, User: n.SMTPUser, Password: n.SMTPPassword,
			From: n.SMTPFrom, TLS: n.SMTPTLS})
		if err != nil {
			return nil, &config.Error{Var: "FINREVIEW_SMTP_ADDR", Msg: err.Error()}
		}
		o.Email = s
	}
	if n.SMSURL != "" {
		o.SMS = notice.NewGateway(notice.GatewayOptions{URL: n.SMSURL, Key: n.SMSKey})
		o.Templates = map[notice.Kind]string{}
		for k, code := range n.SMSTemplates {
			if !known(notice.Kind(k)) {
				return nil, &config.Error{Var: "FINREVIEW_SMS_TEMPLATES", Msg: "未知的通知类型 " + k}
			}
			o.Templates[notice.Kind(k)] = code
		}
	}
	q, err := notice.ParseQuiet(n.SMSQuiet)
	if err != nil {
		return nil, &config.Error{Var: "FINREVIEW_SMS_QUIET", Msg: err.Error()}
	}
	o.Quiet = &q
	d := notice.NewDispatcher(o)
	go d.Run(ctx)
	if reg != nil {
		reg.MustRegister(notice.NewCollector(e.db))
	}
	return notice.NewService(e.db, d, time.Now), nil
}

func known(k notice.Kind) bool {
	for _, x := range notice.Kinds() {
		if x == k {
			return true
		}
	}
	return false
}
