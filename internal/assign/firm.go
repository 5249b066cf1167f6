package assign

import (
	"cmp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Status is a firm's standing in the firm library.
type Status string

// Firm statuses.
const (
	Active    Status = "active"
	Suspended Status = "suspended"
	Removed   Status = "removed"
)

// statusLabels are the Chinese labels of the statuses.
var statusLabels = map[Status]string{Active: "正常", Suspended: "已暂停", Removed: "已清退"}

// Label returns the Chinese label of the status.
func (s Status) Label() string { return cmp.Or(statusLabels[s], string(s)) }

// Firm is an intermediary firm (中介机构) of a jurisdiction's firm library.
type Firm struct {
	ID         int64
	Name       string
	Score      decimal.Decimal // current assessment score
	AdmittedAt time.Time       // admission to the library; earlier wins ties
	Status     Status
	Kinds      []string // review kinds the firm is qualified for, e.g. "settlement"
	Capacity   int      // most open reviews at once; 0 = unlimited
	// OpenReviews counts the firm's delegated reviews not yet concluded.
	OpenReviews int
	// ConflictUnits and ConflictContractors are the declared relations
	// (关联关系) to construction units and contractors.
	ConflictUnits       []int64
	ConflictContractors []int64
}

// Request describes the review to delegate. The caller picks the firm library
// and cursor of JurisdictionID and Kind; the core uses Kind for qualification.
type Request struct {
	Kind           string
	JurisdictionID int64
	UnitID         int64
	ContractorIDs  []int64
	// ExcludedFirmIDs are firms excluded by an appeal (复议) or a cancelled
	// delegation (取消委托) of this review.
	ExcludedFirmIDs []int64
	// IndependenceFirmIDs are firms that did another stage of the project
	// where that stage requires independence.
	IndependenceFirmIDs []int64
}

// Cursor is the rotation position of one jurisdiction and review kind: the
// last firm delegated and its rank key at that time, so that its place can be
// found after it leaves the list. The zero Cursor starts at the top.
type Cursor struct {
	LastFirmID     int64
	LastScore      decimal.Decimal
	LastAdmittedAt time.Time
}

// IsZero reports whether no firm has been delegated yet.
func (c Cursor) IsZero() bool { return c.LastFirmID == 0 }

// cursorAt returns the cursor that points at f.
func cursorAt(f Firm) Cursor {
	return Cursor{LastFirmID: f.ID, LastScore: f.Score, LastAdmittedAt: f.AdmittedAt}
}

// compareKey orders rank keys: higher score first, then earlier admission,
// then lower ID. It returns a negative number when a ranks before b.
func compareKey(aScore decimal.Decimal, aAdmitted time.Time, aID int64,
	bScore decimal.Decimal, bAdmitted time.Time, bID int64) int {
	if c := bScore.Cmp(aScore); c != 0 {
		return c
	}
	if c := aAdmitted.Compare(bAdmitted); c != 0 {
		return c
	}
	return cmp.Compare(aID, bID)
}

func compareFirms(a, b Firm) int {
	return compareKey(a.Score, a.AdmittedAt, a.ID, b.Score, b.AdmittedAt, b.ID)
}

// Rank returns a copy of firms ordered by score descending, ties broken by
// earlier admission, then lower ID. The input is not modified.
func Rank(firms []Firm) []Firm {
	ranked := slices.Clone(firms)
	slices.SortStableFunc(ranked, compareFirms)
	return ranked
}

// startIndex is the position in ranked where the walk after cur begins.
func startIndex(ranked []Firm, cur Cursor) int {
	if len(ranked) == 0 || cur.IsZero() {
		return 0
	}
	if i := slices.IndexFunc(ranked, func(f Firm) bool { return f.ID == cur.LastFirmID }); i >= 0 {
		return (i + 1) % len(ranked)
	}
	// The last firm vanished: start where it would have been followed.
	i := slices.IndexFunc(ranked, func(f Firm) bool {
		return compareKey(cur.LastScore, cur.LastAdmittedAt, cur.LastFirmID, f.Score, f.AdmittedAt, f.ID) < 0
	})
	if i < 0 {
		return 0
	}
	return i
}
