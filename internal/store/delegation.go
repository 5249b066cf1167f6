package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/assign"
)

// Delegation statuses.
const (
	DelegationActive    = "active"
	DelegationDeclined  = "declined"
	DelegationCancelled = "cancelled"
)

// Delegation is one delegation of a review to a firm (委托), with why that
// firm: the firms considered, kept with the row as JSON.
type Delegation struct {
	ID           int64
	ReviewID     int64
	FirmID       int64
	FirmName     string
	SupervisorID int64
	At           time.Time
	ActorID      int64
	Override     bool
	Reason       string
	// Considered lists the firms looked at in rotation order, the chosen one
	// last (for an override, the chosen firm alone).
	Considered []assign.Consideration
	// Others are the library's remaining firms, each with why it was not
	// chosen (empty for delegations recorded before they were kept).
	Others    []assign.Consideration
	Status    string    // active | declined | cancelled
	EndedAt   time.Time // zero while active
	EndReason string
}

const delegationColumns = `g.id, g.review_id, g.firm_id, o.name, COALESCE(g.supervisor_id,0), g.at, COALESCE(g.actor_id,0),
	g.override, g.reason, g.considered, g.status, g.ended_at, COALESCE(g.end_reason,'')`

const delegationFrom = ` FROM delegations g JOIN organizations o ON o.id = g.firm_id`

func scanDelegation(s scanner) (Delegation, error) {
	var d Delegation
	var considered string
	var ended sql.NullTime
	if err := s.Scan(&d.ID, &d.ReviewID, &d.FirmID, &d.FirmName, &d.SupervisorID, &d.At, &d.ActorID,
		&d.Override, &d.Reason, &considered, &d.Status, &ended, &d.EndReason); err != nil {
		return d, err
	}
	d.EndedAt = ended.Time
	var err error
	if d.Considered, d.Others, err = decodeConsidered(considered); err != nil {
		return d, fmt.Errorf("delegation %d: %w", d.ID, err)
	}
	return d, nil
}

// InsertDelegation records a delegation and returns its id.
func (q *Queries) InsertDelegation(ctx context.Context, d Delegation) (int64, error) {
	status := d.Status
	if status == "" {
		status = DelegationActive
	}
	considered, err := EncodeConsidered(d.Considered, d.Others)
	if err != nil {
		return 0, err
	}
	return q.insert(ctx,
		`INSERT INTO delegations (review_id, firm_id, supervisor_id, at, actor_id, override, reason, considered, status)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ReviewID, d.FirmID, nullInt(d.SupervisorID), d.At, nullInt(d.ActorID), d.Override, d.Reason, considered, status)
}

// ActiveDelegation returns the review's active delegation; ErrNotFound if none.
func (q *Queries) ActiveDelegation(ctx context.Context, reviewID int64) (Delegation, error) {
	return queryRow(ctx, q.db, scanDelegation,
		"SELECT "+delegationColumns+delegationFrom+" WHERE g.review_id = ? AND g.status = 'active' ORDER BY g.id DESC LIMIT 1", reviewID)
}

// Delegations lists a review's delegations, oldest first.
func (q *Queries) Delegations(ctx context.Context, reviewID int64) ([]Delegation, error) {
	return q.delegations(ctx, " WHERE g.review_id = ? ORDER BY g.id", reviewID)
}

// FirmDelegations lists a firm's latest delegations of reviews the scope
// sees, newest first.
func (q *Queries) FirmDelegations(ctx context.Context, sc Scope, firmID int64, limit int) ([]Delegation, error) {
	w, args := sc.reviewIDsIn("g.review_id")
	return q.delegations(ctx, " WHERE g.firm_id = ? AND "+w+" ORDER BY g.id DESC LIMIT ?", append(append([]any{firmID}, args...), limit)...)
}

func (q *Queries) delegations(ctx context.Context, where string, args ...any) ([]Delegation, error) {
	return queryAll(ctx, q.db, scanDelegation, "SELECT "+delegationColumns+delegationFrom+where, args...)
}

// EndDelegation sets an active delegation's final status; ErrNotFound when
// it is not active (any more).
func (q *Queries) EndDelegation(ctx context.Context, id int64, status, reason string, at time.Time) error {
	res, err := q.db.ExecContext(ctx,
		"UPDATE delegations SET status = ?, ended_at = ?, end_reason = ? WHERE id = ? AND status = 'active'",
		status, at, reason, id)
	return changed(res, err, ErrNotFound)
}

// InsertExclusion excludes a firm from a review for good (declined,
// cancelled after an appeal); excluding it twice keeps the first record.
func (q *Queries) InsertExclusion(ctx context.Context, reviewID, firmID int64, reason string, at time.Time) error {
	_, err := q.db.ExecContext(ctx,
		"INSERT IGNORE INTO review_exclusions (review_id, firm_id, reason, at) VALUES (?, ?, ?, ?)", reviewID, firmID, reason, at)
	return translate(err)
}

// ExcludedFirms lists the firms excluded from a review.
func (q *Queries) ExcludedFirms(ctx context.Context, reviewID int64) ([]int64, error) {
	return q.ids(ctx, "SELECT firm_id FROM review_exclusions WHERE review_id = ? ORDER BY firm_id", reviewID)
}

// StageFirms lists the firms that took, and did not decline or lose by
// appeal, a delegation of another review of the same project whose kind is
// one of kinds (independence between stages).
func (q *Queries) StageFirms(ctx context.Context, projectID, reviewID int64, kinds []string) ([]int64, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{projectID, reviewID}
	for _, k := range kinds {
		args = append(args, k)
	}
	return q.ids(ctx, `SELECT DISTINCT g.firm_id FROM delegations g JOIN reviews r ON r.id = g.review_id
		WHERE r.project_id = ? AND r.id <> ? AND g.status = 'active' AND r.kind IN (`+placeholders(len(kinds))+`)
		ORDER BY g.firm_id`, args...)
}

// RotationCursor is the rotation position of one jurisdiction and review kind.
type RotationCursor struct {
	JurisdictionID int64
	Kind           string
	LastFirmID     int64
	LastScore      decimal.Decimal
	LastAdmittedAt time.Time
	UpdatedAt      time.Time
}

const cursorSelect = `SELECT jurisdiction_id, kind, COALESCE(last_firm_id,0), COALESCE(last_score,0), last_admitted_at, updated_at
	FROM rotation_cursors WHERE jurisdiction_id = ? AND kind = ?`

func scanCursor(s scanner) (RotationCursor, error) {
	var c RotationCursor
	var admitted sql.NullTime
	err := s.Scan(&c.JurisdictionID, &c.Kind, &c.LastFirmID, &c.LastScore, &admitted, &c.UpdatedAt)
	c.LastAdmittedAt = admitted.Time
	return c, err
}

// LockRotationCursor creates the cursor row of jurisdiction and kind if
// missing and locks it until the transaction ends, so that delegations of
// the same jurisdiction and kind take their turns one after another.
//
// The row is made with INSERT … ON DUPLICATE KEY UPDATE rather than INSERT
// IGNORE: on an existing row INSERT IGNORE takes a shared lock, and two
// transactions that both hold it deadlock when each then asks for the
// exclusive lock of SELECT … FOR UPDATE. ON DUPLICATE KEY UPDATE takes the
// exclusive lock at once, so concurrent callers simply queue.
func (q *Queries) LockRotationCursor(ctx context.Context, jurisdictionID int64, kind string, now time.Time) (RotationCursor, error) {
	if _, err := q.db.ExecContext(ctx,
		`INSERT INTO rotation_cursors (jurisdiction_id, kind, updated_at) VALUES (?, ?, ?)
		 ON DUPLICATE KEY UPDATE jurisdiction_id = jurisdiction_id`, jurisdictionID, kind, now); err != nil {
		return RotationCursor{}, translate(err)
	}
	return queryRow(ctx, q.db, scanCursor, cursorSelect+" FOR UPDATE", jurisdictionID, kind)
}

// RotationCursorOf reads a cursor without locking; a missing row is the
// zero cursor (start at the top).
func (q *Queries) RotationCursorOf(ctx context.Context, jurisdictionID int64, kind string) (RotationCursor, error) {
	c, err := queryRow(ctx, q.db, scanCursor, cursorSelect, jurisdictionID, kind)
	if errors.Is(err, ErrNotFound) {
		return RotationCursor{JurisdictionID: jurisdictionID, Kind: kind}, nil
	}
	return c, err
}

// SaveRotationCursor moves the cursor to the firm just delegated.
func (q *Queries) SaveRotationCursor(ctx context.Context, c RotationCursor) error {
	var admitted any
	if !c.LastAdmittedAt.IsZero() {
		admitted = c.LastAdmittedAt
	}
	_, err := q.db.ExecContext(ctx,
		`UPDATE rotation_cursors SET last_firm_id = ?, last_score = ?, last_admitted_at = ?, updated_at = ?
		 WHERE jurisdiction_id = ? AND kind = ?`,
		nullInt(c.LastFirmID), c.LastScore.Round(2), admitted, c.UpdatedAt, c.JurisdictionID, c.Kind)
	return translate(err)
}

// considerationJSON is how a consideration is kept with the delegation.
type considerationJSON struct {
	FirmID      string `json:"firm_id"`
	Name        string `json:"name"`
	Score       string `json:"score"`
	Position    int    `json:"position"`
	Skipped     bool   `json:"skipped"`
	Reason      string `json:"reason,omitempty"`
	ReasonLabel string `json:"reason_label,omitempty"`
	Detail      string `json:"detail"`
	// Other marks a firm the walk did not stop on (Delegation.Others).
	Other bool `json:"other,omitempty"`
}

// EncodeConsidered keeps the firms considered, then the others marked as
// such, in one JSON array.
func EncodeConsidered(cs, others []assign.Consideration) (string, error) {
	out := make([]considerationJSON, 0, len(cs)+len(others))
	for i, c := range append(append([]assign.Consideration{}, cs...), others...) {
		j := considerationJSON{FirmID: strconv.FormatInt(c.FirmID, 10), Name: c.Name, Score: c.Score.StringFixed(2),
			Position: c.Position, Skipped: c.Skipped, Reason: string(c.Reason), Detail: c.Detail, Other: i >= len(cs)}
		if c.Skipped {
			j.ReasonLabel = c.Reason.Label()
		}
		out = append(out, j)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode considered firms: %w", err)
	}
	return string(b), nil
}

// decodeConsidered splits the stored array into the firms considered and
// the others.
func decodeConsidered(s string) (considered, others []assign.Consideration, err error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil, nil
	}
	var in []considerationJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, nil, fmt.Errorf("decode considered firms: %w", err)
	}
	for _, c := range in {
		id, err := strconv.ParseInt(c.FirmID, 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("decode considered firm id %q: %w", c.FirmID, err)
		}
		score, err := decimal.NewFromString(c.Score)
		if err != nil {
			return nil, nil, fmt.Errorf("decode considered score %q: %w", c.Score, err)
		}
		one := assign.Consideration{FirmID: id, Name: c.Name, Score: score, Position: c.Position, Skipped: c.Skipped,
			Reason: assign.SkipReason(c.Reason), Detail: c.Detail}
		if c.Other {
			others = append(others, one)
		} else {
			considered = append(considered, one)
		}
	}
	return considered, others, nil
}
