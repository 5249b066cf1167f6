// Package audit writes finreview's append-only, hash-chained audit trail
// and verifies it. Each review has its own chain ("review:<id>") and events
// outside reviews chain per day ("day:YYYY-MM-DD"), so writers on different
// reviews never wait on one global head. A review's chain keeps its head on
// the review's own row, which a transition holds locked already; the other
// streams keep theirs in audit_heads. A daily anchor event in the "anchor"
// stream vouches for the heads and event counts of all streams under an
// HMAC whose key is kept outside the database, so a removed, shortened or
// recomputed chain cannot go unseen (see Anchor and Verify).
package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"finreview/internal/calendar"
	"finreview/internal/cryptosuite"
	"finreview/internal/store"
)

// KeepDays is how long the audit trail and the sign-in history are kept
// at least (等保 2.0 安全审计: six months). Nothing in finreview deletes
// audit events or sign-in records; KeepDays is also the span of sign-ins
// an auditor's export covers.
const KeepDays = 180

// Entry is what a caller records. Its Detail is marshalled to JSON
// (before/after values, reasons, parameters).
type Entry = store.AuditEntry[any]

// ID is how an event names a numbered row (a review, a firm, a paper) in
// its ObjectID: the row's id in decimal.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

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
	ev := store.AuditEvent{Stream: stream, Seq: seq + 1, At: at.Truncate(time.Microsecond), PrevHash: prev,
		AuditEntry: store.AuditEntry[string]{ActorID: e.ActorID, ActorName: e.ActorName, Action: e.Action,
			ReviewID: e.ReviewID, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Detail: detail}}
	ev.Hash = HashWith(q.Suite(), ev)
	if err := q.AppendAuditEvent(ctx, ev); err != nil {
		return store.AuditEvent{}, fmt.Errorf("append audit event: %w", err)
	}
	return ev, nil
}

// Record appends e at at in a transaction of its own: the trail of
// something done outside the database (a sign-in, a download, an export).
func Record(ctx context.Context, s *store.Store, at time.Time, e Entry) error {
	return s.InTx(ctx, func(q *store.Queries) error {
		_, err := Append(ctx, q, at, e)
		return err
	})
}

// Stream names the chain an event belongs to.
func Stream(reviewID int64, at time.Time) string {
	if reviewID != 0 {
		return store.ReviewStream(reviewID)
	}
	return "day:" + at.In(shanghai()).Format("2006-01-02")
}

// Hash is the SHA-256 over the event's fields and the previous hash: the
// chain of an installation with the international suite.
func Hash(e store.AuditEvent) string { return HashWith(cryptosuite.Intl, e) }

// HashWith is the digest of the suite the installation recorded (SM3 for
// 国密, SHA-256 otherwise) over the event's fields and the previous hash.
func HashWith(suite cryptosuite.Suite, e store.AuditEvent) string {
	h := suite.NewHash()
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

// ErrNoKey means the store has no anchor key (FINREVIEW_AUDIT_KEY_FILE).
var ErrNoKey = errors.New("audit anchor key not configured (FINREVIEW_AUDIT_KEY_FILE)")

// Anchor records an event in the "anchor" chain vouching for the heads of
// all other streams; run daily. It lists, in audit_anchor_heads, the head
// hash and event count of every stream that moved since the anchor before,
// and carries an HMAC over them (and over the previous anchor's MAC) keyed
// with the store's audit key, which is kept outside the database: with
// database access alone, a chain recomputed, shortened or deleted after an
// anchor no longer matches it, and an anchor cannot be forged to match.
func Anchor(ctx context.Context, s *store.Store, at time.Time) error {
	key := s.AuditKey()
	if len(key) == 0 {
		return ErrNoKey
	}
	at = at.Truncate(time.Microsecond)
	return s.InTx(ctx, func(q *store.Queries) error {
		seq, prev, err := q.LockAuditHead(ctx, anchorStream)
		if err != nil {
			return err
		}
		heads, err := q.AuditHeads(ctx)
		if err != nil {
			return err
		}
		delete(heads, anchorStream)
		anchored, err := q.AnchoredHeads(ctx)
		if err != nil {
			return err
		}
		prevMAC := ""
		if seq > 0 {
			events, err := q.StreamEvents(ctx, anchorStream)
			if err != nil {
				return err
			}
			if len(events) > 0 {
				prevMAC = anchorDetailOf(events[len(events)-1]).MAC
			}
		}
		var moved []store.AnchorHead
		for name, h := range heads {
			if a, ok := anchored[name]; !ok || a != h {
				moved = append(moved, store.AnchorHead{AnchorSeq: seq + 1, Stream: name, AuditHead: h})
			}
		}
		sortHeads(moved)
		d := anchorDetail{Streams: len(moved), HeadsSHA256: headsDigest(moved), MAC: anchorMAC(q.Suite(), key, seq+1, at, prevMAC, moved)}
		detail, err := json.Marshal(d)
		if err != nil {
			return err
		}
		ev := store.AuditEvent{Stream: anchorStream, Seq: seq + 1, At: at, PrevHash: prev,
			AuditEntry: store.AuditEntry[string]{ActorName: "系统", Action: "anchor", Detail: string(detail)}}
		ev.Hash = HashWith(q.Suite(), ev)
		if err := q.InsertAnchorHeads(ctx, moved); err != nil {
			return err
		}
		return q.AppendAuditEvent(ctx, ev)
	})
}

// anchorStream is the chain of the anchors.
const anchorStream = "anchor"

// anchorDetail is the detail of an anchor event.
type anchorDetail struct {
	Streams     int    `json:"streams"`
	HeadsSHA256 string `json:"heads_sha256"`
	MAC         string `json:"mac"`
}

func anchorDetailOf(e store.AuditEvent) anchorDetail {
	var d anchorDetail
	_ = json.Unmarshal([]byte(e.Detail), &d) // a mangled detail fails its MAC check
	return d
}

func sortHeads(hs []store.AnchorHead) {
	sort.Slice(hs, func(i, j int) bool { return hs[i].Stream < hs[j].Stream })
}

// headsLines writes the heads an anchor vouches for, one line each.
func headsLines(w io.Writer, hs []store.AnchorHead) {
	for _, h := range hs {
		fmt.Fprintf(w, "%s %d %s\n", h.Stream, h.Seq, h.Hash)
	}
}

func headsDigest(hs []store.AnchorHead) string {
	h := sha256.New()
	headsLines(h, hs)
	return hex.EncodeToString(h.Sum(nil))
}

// anchorMAC is the HMAC of an anchor (HMAC-SM3 for 国密, HMAC-SHA256
// otherwise): its place in the anchor chain, its time, the MAC before it
// and the heads it vouches for.
func anchorMAC(suite cryptosuite.Suite, key []byte, seq int64, at time.Time, prevMAC string, hs []store.AnchorHead) string {
	m := hmac.New(suite.NewHash, key)
	fmt.Fprintf(m, "finreview audit anchor v1\n%d\n%s\n%s\n", seq, at.UTC().Format(time.RFC3339Nano), prevMAC)
	headsLines(m, hs)
	return hex.EncodeToString(m.Sum(nil))
}

// Result is the outcome of a verification: Broken is the first problem
// found, Problems all of them (at most maxProblems).
type Result struct {
	OK bool `json:"ok"`
	// Algorithm is the chain's digest: "sm3" or "sha256".
	Algorithm string   `json:"algorithm"`
	Events    int      `json:"events"`
	Broken    string   `json:"broken,omitempty"`
	Problems  []string `json:"problems,omitempty"`
}

const maxProblems = 100

func (r *Result) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r.OK {
		r.OK, r.Broken = false, msg
	}
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, msg)
	}
}

// Verify recomputes every chain and compares it with its stored head and
// with what the anchors vouch for: a link that does not hash, a chain whose
// end is not its stored head (hash or count), a chain shorter than an
// anchor says or whose link at the anchored count is not the anchored one
// (recomputed), a stream an anchor lists that is gone, and an anchor whose
// MAC does not check with the store's audit key.
func Verify(ctx context.Context, s *store.Store) (Result, error) {
	res := Result{OK: true, Algorithm: s.Suite().HashName()}
	suite := s.Suite()
	heads, err := s.AuditHeads(ctx)
	if err != nil {
		return Result{}, err
	}
	anchored, err := verifyAnchors(ctx, s, &res)
	if err != nil {
		return Result{}, err
	}
	var stream, prev string
	var seq int64
	broken := false
	visited := map[string]bool{}
	end := func() {
		if stream == "" {
			return
		}
		if h := heads[stream]; !broken && (h.Hash != prev || h.Seq != seq) {
			res.fail("%s: 链尾(第 %d 条)与记录的链头(第 %d 条)不一致", stream, seq, h.Seq)
		}
		if a, ok := anchored[stream]; ok && seq < a.Seq {
			res.fail("%s: 只有 %d 条事件,锚定时已有 %d 条(链尾被截断)", stream, seq, a.Seq)
		}
	}
	err = s.EachAuditEvent(ctx, func(e store.AuditEvent) error {
		res.Events++
		if e.Stream != stream {
			end()
			stream, prev, seq, broken = e.Stream, "", 0, false
			visited[stream] = true
		}
		if broken {
			return nil
		}
		if e.Seq != seq+1 || e.PrevHash != prev || HashWith(suite, e) != e.Hash {
			res.fail("%s 第 %d 条: 哈希链断裂", e.Stream, e.Seq)
			broken = true
			return nil
		}
		if a, ok := anchored[e.Stream]; ok && a.Seq == e.Seq && a.Hash != e.Hash {
			res.fail("%s 第 %d 条: 与锚定的链头不一致(链被重算)", e.Stream, e.Seq)
		}
		prev, seq = e.Hash, e.Seq
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	end()
	for _, st := range sortedKeys(heads) {
		if heads[st].Seq > 0 && !visited[st] {
			res.fail("%s: 链头存在但事件缺失", st)
		}
	}
	for _, st := range sortedKeys(anchored) {
		if !visited[st] {
			res.fail("%s: 锚定记录的事件流已不存在(%d 条事件缺失)", st, anchored[st].Seq)
		}
	}
	return res, nil
}

// verifyAnchors checks every anchor's MAC and returns, per stream, the head
// the latest anchor vouched for.
func verifyAnchors(ctx context.Context, s *store.Store, res *Result) (map[string]store.AuditHead, error) {
	anchors, err := s.StreamEvents(ctx, anchorStream)
	if err != nil {
		return nil, err
	}
	byAnchor := map[int64][]store.AnchorHead{}
	anchored := map[string]store.AuditHead{}
	err = s.EachAnchorHead(ctx, func(h store.AnchorHead) error {
		byAnchor[h.AnchorSeq] = append(byAnchor[h.AnchorSeq], h)
		anchored[h.Stream] = h.AuditHead // ordered by anchor: the latest wins
		return nil
	})
	if err != nil {
		return nil, err
	}
	key := s.AuditKey()
	if len(anchors) > 0 && len(key) == 0 {
		res.fail("未配置审计密钥(FINREVIEW_AUDIT_KEY_FILE),无法核验 %d 个锚定", len(anchors))
		return anchored, nil
	}
	prevMAC := ""
	for _, a := range anchors {
		d := anchorDetailOf(a)
		hs := byAnchor[a.Seq]
		sortHeads(hs)
		if !hmac.Equal([]byte(d.MAC), []byte(anchorMAC(s.Suite(), key, a.Seq, a.At, prevMAC, hs))) {
			res.fail("锚定第 %d 条(%s): 校验码不符,锚定被伪造或篡改", a.Seq, a.At.In(shanghai()).Format("2006-01-02 15:04"))
		}
		delete(byAnchor, a.Seq)
		prevMAC = d.MAC
	}
	for _, seq := range sortedKeys(byAnchor) {
		res.fail("锚定第 %d 条: 锚定事件缺失", seq)
	}
	return anchored, nil
}

func sortedKeys[K int64 | string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// LoadKey reads the anchor key from path, creating the file with a fresh
// random key (mode 0600) when it does not exist yet. Several instances
// must share one file; a key of fewer than 32 bytes is refused.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKey(path); err != nil {
			return nil, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	key := bytes.TrimSpace(b)
	if len(key) < 32 {
		return nil, fmt.Errorf("audit key file %s: %d bytes, want at least 32", path, len(key))
	}
	return key, nil
}

// createKey writes a fresh random key to path unless the file exists
// (another instance may create it first).
func createKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	// Written aside and linked into place whole: no instance ever reads a
	// half-written key, and a key already there is kept.
	f, err := os.CreateTemp(filepath.Dir(path), ".audit-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(hex.EncodeToString(raw) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(f.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// shanghai is the zone of every date finreview reckons.
func shanghai() *time.Location { return calendar.Location() }
