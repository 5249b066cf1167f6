package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/fee"
)

// benchFee counts fee computations per second on one core with the 5-band
// example schedule, varying the amounts so nothing is cached.
func benchFee(ctx context.Context) ([]result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	s := fee.Example()
	inputs := make([]fee.Input, 1024)
	for i := range inputs {
		sub := decimal.New(int64(1_000_000+i*7_919_113), -2).Mul(decimal.NewFromInt(int64(1 + i%97)))
		inputs[i] = fee.Input{Kind: fee.Settlement, Outcome: fee.Normal, Submitted: sub, Audited: sub.Mul(decimal.RequireFromString("0.93")).Round(2)}
	}
	deadline := time.Now().Add(2 * time.Second)
	n := 0
	start := time.Now()
	for time.Now().Before(deadline) {
		for i := 0; i < 1024; i++ {
			if _, err := fee.Compute(s, inputs[i]); err != nil {
				return nil, err
			}
		}
		n += 1024
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	perSec := float64(n) / time.Since(start).Seconds()
	return []result{{"fee_ops_per_sec", fmt.Sprintf("%.0f", perSec), "ops/s", ""}}, nil
}
