package main

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"finreview/internal/web"
)

// services builds the use-case services and background workers of serve.
func (c *cli) services(ctx context.Context, e *env, reg *prometheus.Registry) (web.Services, error) {
	return web.Services{}, nil
}
