// Package audit writes finreview's append-only, hash-chained audit trail
// and verifies it. Each review has its own chain ("review:<id>") and events
// outside reviews chain per day ("day:YYYY-MM-DD"), so writers on different
// reviews never wait on one global head. A review's chain keeps its head on
// the review's own row, which a transition holds locked already; the other
// streams keep theirs in audit_heads. A daily anchor event in the "anchor"
// stream hashes the heads of all streams, so a removed or rewritten tail
// cannot go unseen.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/store"
)

// Entry is what a caller records.
type Entry struct {
	ActorID    int64
	ActorName  string
	Action     string
	ReviewID   int64
	ObjectType string
	ObjectID   string
	// Detail is marshalled to JSON (before/after values, reasons, parameters).
	Detail any
}

// Append records e inside the caller's transaction q.
func Append(ctx context.Context, q *store.Queries, at time.Time, e Entry) (store.AuditEvent, error) {
	stream := Stream(e.ReviewID, at)
	seq, prev, err := q.LockAuditHead(ctx, stream)
	if err != nil {
		return store.AuditEvent{}, fmt.Errorf("audit head %s: %w", stream, err)
	}
	detail := "{}"
	if e.Detail != nil {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return store.AuditEvent{}, fmt.Errorf("audit detail: %w", err)
		}
		detail = string(b)
	}
	ev := store.AuditEvent{
		Stream: stream, Seq: seq + 1, At: at.Truncate(time.Microsecond), ActorID: e.ActorID, ActorName: e.ActorName,
		Action: e.Action, ReviewID: e.ReviewID, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		Detail: detail, PrevHash: prev,
	}
	ev.Hash = Hash(ev)
	if err := q.AppendAuditEvent(ctx, ev); err != nil {
		return store.AuditEvent{}, fmt.Errorf("append audit event: %w", err)
	}
	return ev, nil
}

// Stream names the chain an event belongs to.
func Stream(reviewID int64, at time.Time) string {
	if reviewID != 0 {
		return store.ReviewStream(reviewID)
	}
	return "day:" + at.In(shanghai()).Format("2006-01-02")
}

// Hash is the SHA-256 over the event's fields and the previous hash.
func Hash(e store.AuditEvent) string {
	h := sha256.New()
	for _, f := range []string{
		e.PrevHash, e.Stream, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(e.ActorID, 10), e.ActorName, e.Action, strconv.FormatInt(e.ReviewID, 10),
		e.ObjectType, e.ObjectID, e.Detail,
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Anchor records an event in the "anchor" chain hashing the heads of all
// other streams; run daily.
func Anchor(ctx context.Context, s *store.Store, at time.Time) error {
	return s.InTx(ctx, func(q *store.Queries) error {
		heads, err := q.AuditHeads(ctx)
		if err != nil {
			return err
		}
		delete(heads, "anchor")
		names := make([]string, 0, len(heads))
		for n := range heads {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			b.WriteString(n + "=" + heads[n] + "\n")
		}
		sum := sha256.Sum256([]byte(b.String()))
		seq, prev, err := q.LockAuditHead(ctx, "anchor")
		if err != nil {
			return err
		}
		ev := store.AuditEvent{Stream: "anchor", Seq: seq + 1, At: at.Truncate(time.Microsecond), ActorName: "系统",
			Action: "anchor", Detail: fmt.Sprintf(`{"streams":%d,"heads_sha256":"%s"}`, len(names), hex.EncodeToString(sum[:])),
			PrevHash: prev}
		ev.Hash = Hash(ev)
		return q.AppendAuditEvent(ctx, ev)
	})
}

// Result is the outcome of a verification.
type Result struct {
	OK     bool   `json:"ok"`
	Events int    `json:"events"`
	Broken string `json:"broken,omitempty"`
}

// Verify recomputes every chain and compares the last link with its head.
func Verify(ctx context.Context, s *store.Store) (Result, error) {
	heads, err := s.AuditHeads(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{OK: true}
	var stream, prev string
	var seq int64
	visited := map[string]bool{}
	check := func() {
		if stream != "" && res.OK && heads[stream] != prev {
			res.OK, res.Broken = false, fmt.Sprintf("%s: 链尾与记录的链头不一致", stream)
		}
	}
	err = s.EachAuditEvent(ctx, func(e store.AuditEvent) error {
		res.Events++
		if e.Stream != stream {
			check()
			stream, prev, seq = e.Stream, "", 0
			visited[stream] = true
		}
		if !res.OK {
			return nil
		}
		if e.Seq != seq+1 || e.PrevHash != prev || Hash(e) != e.Hash {
			res.OK, res.Broken = false, fmt.Sprintf("%s 第 %d 条: 哈希链断裂", e.Stream, e.Seq)
			return nil
		}
		prev, seq = e.Hash, e.Seq
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	check()
	if res.OK {
		for st, h := range heads {
			if h != "" && !visited[st] {
				res.OK, res.Broken = false, st+": 链头存在但事件缺失"
			}
		}
	}
	return res, nil
}

// shanghai is the zone of every date finreview reckons.
func shanghai() *time.Location { return calendar.Location() }
