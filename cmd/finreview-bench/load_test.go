package main

import (
	"math/rand"
	"testing"
	"time"
)

// TestFirstWaitKeepsTheRateSteady: 20,000 virtual users started as a
// step starts them (firstWait, then think between actions) arrive at the
// steady rate, users ÷ thinkMean, in every second of the step's first
// 30 s, within 10 %: a step is measured at the load it names from its
// start, not at a burst above it.
func TestFirstWaitKeepsTheRateSteady(t *testing.T) {
	const users, seconds = 20000, 30
	rnd := rand.New(rand.NewSource(1))
	var perSecond [seconds]int
	for range users {
		at := firstWait(rnd)
		for at < seconds*time.Second {
			perSecond[at/time.Second]++
			at += think(rnd)
		}
	}
	steady := float64(users) / thinkMean.Seconds()
	for s, n := range perSecond {
		if r := float64(n) / steady; r < 0.9 || r > 1.1 {
			t.Errorf("second %d: %d arrivals, %.2f times the steady %.0f", s, n, r, steady)
		}
	}
}
