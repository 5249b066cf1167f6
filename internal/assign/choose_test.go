package assign

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

// firm builds an active firm qualified for settlement with no limits.
func firm(id int64, score string, admittedDay int) Firm {
	return Firm{
		ID:         id,
		Name:       fmt.Sprintf("机构%d", id),
		Score:      decimal.RequireFromString(score),
		AdmittedAt: day(admittedDay),
		Status:     Active,
		Kinds:      []string{"settlement", "budget"},
	}
}

func ids(firms []Firm) []int64 {
	out := make([]int64, len(firms))
	for i, f := range firms {
		out[i] = f.ID
	}
	return out
}

func consideredIDs(cs []Consideration) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.FirmID
	}
	return out
}

// settlement is a settlement review of unit 500 with contractors 700 and 701.
func settlement() Request {
	return Request{Kind: "settlement", JurisdictionID: 1, UnitID: 500, ContractorIDs: []int64{700, 701}}
}

func TestRank(t *testing.T) {
	tests := []struct {
		name  string
		firms []Firm
		want  []int64
	}{
		{"higher score first", []Firm{firm(1, "80", 1), firm(2, "95.5", 1), firm(3, "88", 1)}, []int64{2, 3, 1}},
		{"equal score goes to earlier admission", []Firm{firm(1, "90", 5), firm(2, "90.00", 2), firm(3, "90.0", 9)}, []int64{2, 1, 3}},
		{"equal score and admission goes to lower id", []Firm{firm(9, "90", 3), firm(4, "90", 3), firm(7, "90", 3)}, []int64{4, 7, 9}},
		{"mixed", []Firm{firm(5, "70", 1), firm(3, "92.50", 4), firm(8, "92.5", 4), firm(1, "92.5", 6)}, []int64{3, 8, 1, 5}},
		{"empty", nil, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ids(tt.firms)
			got := ids(Rank(tt.firms))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Rank = %v, want %v", got, tt.want)
			}
			if after := ids(tt.firms); !reflect.DeepEqual(after, before) {
				t.Fatalf("input reordered: %v, was %v", after, before)
			}
		})
	}
}

func TestChooseRotation(t *testing.T) {
	// Ranked order: 2 (95), 4 (90, day 1), 3 (90, day 2), 1 (80).
	firms := []Firm{firm(1, "80", 1), firm(2, "95", 1), firm(3, "90", 2), firm(4, "90", 1)}
	tests := []struct {
		name string
		cur  Cursor
		want int64
	}{
		{"no cursor starts at the top", Cursor{}, 2},
		{"after the top firm comes the second", cursorAt(firm(2, "95", 1)), 4},
		{"tie order is followed", cursorAt(firm(4, "90", 1)), 3},
		{"after the last firm wraps to the top", cursorAt(firm(1, "80", 1)), 2},
		{"listed firm counts by its current position though its score changed", Cursor{LastFirmID: 4, LastScore: decimal.RequireFromString("10")}, 3},
		{"vanished firm between two ranks", Cursor{LastFirmID: 9, LastScore: decimal.RequireFromString("92"), LastAdmittedAt: day(1)}, 4},
		{"vanished firm tied on score but admitted between", Cursor{LastFirmID: 9, LastScore: decimal.RequireFromString("90"), LastAdmittedAt: day(1).Add(time.Hour)}, 3},
		{"vanished firm with same score and day but higher id", Cursor{LastFirmID: 9, LastScore: decimal.RequireFromString("90"), LastAdmittedAt: day(2)}, 1},
		{"vanished firm above everyone", Cursor{LastFirmID: 9, LastScore: decimal.RequireFromString("99"), LastAdmittedAt: day(1)}, 2},
		{"vanished firm below everyone wraps", Cursor{LastFirmID: 9, LastScore: decimal.RequireFromString("50"), LastAdmittedAt: day(1)}, 2},
		{"vanished firm with no key recorded wraps", Cursor{LastFirmID: 9}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := Choose(firms, tt.cur, settlement())
			if err != nil {
				t.Fatalf("Choose: %v", err)
			}
			if ch.Firm.ID != tt.want {
				t.Fatalf("chose firm %d, want %d", ch.Firm.ID, tt.want)
			}
			if want := cursorAt(ch.Firm); !reflect.DeepEqual(ch.NextCursor, want) {
				t.Fatalf("NextCursor = %+v, want %+v", ch.NextCursor, want)
			}
			if len(ch.Considered) != 1 || ch.Considered[0].Skipped || ch.Considered[0].FirmID != tt.want {
				t.Fatalf("Considered = %+v, want just firm %d", ch.Considered, tt.want)
			}
			if ch.Override {
				t.Fatal("rotation choice marked as override")
			}
		})
	}
}

func TestChooseSkipReasons(t *testing.T) {
	tests := []struct {
		name   string
		unfit  func(f *Firm)
		req    func(r *Request)
		reason SkipReason
		label  string
	}{
		{"suspended", func(f *Firm) { f.Status = Suspended }, nil, SkipSuspended, "已暂停"},
		{"unknown status counts as suspended", func(f *Firm) { f.Status = "frozen" }, nil, SkipSuspended, "已暂停"},
		{"removed", func(f *Firm) { f.Status = Removed }, nil, SkipRemoved, "已清退"},
		{"at capacity", func(f *Firm) { f.Capacity, f.OpenReviews = 3, 3 }, nil, SkipAtCapacity, "在办项目已满"},
		{"over capacity", func(f *Firm) { f.Capacity, f.OpenReviews = 2, 5 }, nil, SkipAtCapacity, "在办项目已满"},
		{"relation to the construction unit", func(f *Firm) { f.ConflictUnits = []int64{1, 500} }, nil, SkipConflictUnit, "与建设单位存在关联关系"},
		{"relation to a contractor", func(f *Firm) { f.ConflictContractors = []int64{701} }, nil, SkipConflictContractor, "与施工单位存在关联关系"},
		{"excluded by appeal", nil, func(r *Request) { r.ExcludedFirmIDs = []int64{1} }, SkipExcluded, "因复议或取消委托被排除"},
		{"did another stage", nil, func(r *Request) { r.IndependenceFirmIDs = []int64{1} }, SkipIndependence, "承担过本项目其他阶段(独立性要求)"},
		{"not qualified for the kind", func(f *Firm) { f.Kinds = []string{"budget"} }, nil, SkipUnqualified, "不具备该类评审资质"},
		{"removed wins over other reasons", func(f *Firm) { f.Status = Removed; f.Kinds = nil; f.Capacity, f.OpenReviews = 1, 1 }, nil, SkipRemoved, "已清退"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top, next := firm(1, "95", 1), firm(2, "90", 1)
			req := settlement()
			if tt.unfit != nil {
				tt.unfit(&top)
			}
			if tt.req != nil {
				tt.req(&req)
			}
			ch, err := Choose([]Firm{next, top}, Cursor{}, req)
			if err != nil {
				t.Fatalf("Choose: %v", err)
			}
			if ch.Firm.ID != 2 {
				t.Fatalf("chose firm %d, want 2", ch.Firm.ID)
			}
			if got := consideredIDs(ch.Considered); !reflect.DeepEqual(got, []int64{1, 2}) {
				t.Fatalf("considered %v, want [1 2]", got)
			}
			skipped := ch.Considered[0]
			if !skipped.Skipped || skipped.Reason != tt.reason || skipped.Position != 1 || skipped.Detail == "" {
				t.Fatalf("skipped = %+v, want reason %s at position 1 with detail", skipped, tt.reason)
			}
			if got := skipped.Reason.Label(); got != tt.label {
				t.Fatalf("label %q, want %q", got, tt.label)
			}
			chosen := ch.Considered[1]
			if chosen.Skipped || chosen.Reason != "" || chosen.Position != 2 || !chosen.Score.Equal(decimal.NewFromInt(90)) {
				t.Fatalf("chosen = %+v", chosen)
			}
			if ch.NextCursor.LastFirmID != 2 {
				t.Fatalf("cursor moved to %d, want 2", ch.NextCursor.LastFirmID)
			}
		})
	}
}

func TestChooseSkipsWrapAround(t *testing.T) {
	// Ranked 1, 2, 3, 4; last delegated 3; 4 suspended, 1 at capacity → 2.
	f1, f2, f3, f4 := firm(1, "95", 1), firm(2, "90", 1), firm(3, "85", 1), firm(4, "80", 1)
	f4.Status = Suspended
	f1.Capacity, f1.OpenReviews = 1, 1
	ch, err := Choose([]Firm{f1, f2, f3, f4}, cursorAt(f3), settlement())
	if err != nil {
		t.Fatalf("Choose: %v", err)
	}
	if got := consideredIDs(ch.Considered); !reflect.DeepEqual(got, []int64{4, 1, 2}) {
		t.Fatalf("considered %v, want [4 1 2]", got)
	}
	if ch.Firm.ID != 2 || ch.NextCursor.LastFirmID != 2 {
		t.Fatalf("chose %d cursor %d, want 2 and 2", ch.Firm.ID, ch.NextCursor.LastFirmID)
	}
	if r := []SkipReason{ch.Considered[0].Reason, ch.Considered[1].Reason}; r[0] != SkipSuspended || r[1] != SkipAtCapacity {
		t.Fatalf("reasons %v", r)
	}
}

func TestChooseNoEligibleFirm(t *testing.T) {
	a, b, c := firm(1, "95", 1), firm(2, "90", 1), firm(3, "85", 1)
	a.Status = Suspended
	b.Capacity, b.OpenReviews = 2, 2
	c.Status = Suspended
	tests := []struct {
		name    string
		firms   []Firm
		want    []int64
		message string
	}{
		{"every firm unfit", []Firm{a, b, c}, []int64{3, 1, 2}, "没有符合条件的中介机构:共考察 3 家,已暂停 2 家、在办项目已满 1 家"},
		{"empty library", nil, []int64{}, "没有符合条件的中介机构:中介机构库为空"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := cursorAt(b)
			ch, err := Choose(tt.firms, cur, settlement())
			if !errors.Is(err, ErrNoEligibleFirm) {
				t.Fatalf("err = %v, want ErrNoEligibleFirm", err)
			}
			var nf *NoFirmError
			if !errors.As(err, &nf) {
				t.Fatalf("err %T is not *NoFirmError", err)
			}
			if got := consideredIDs(nf.Considered); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("considered %v, want %v", got, tt.want)
			}
			for _, c := range nf.Considered {
				if !c.Skipped || c.Reason == "" {
					t.Fatalf("consideration %+v not skipped with a reason", c)
				}
			}
			if err.Error() != tt.message {
				t.Fatalf("message %q, want %q", err.Error(), tt.message)
			}
			if nf.Code() != "no_eligible_firm" {
				t.Fatalf("code %q", nf.Code())
			}
			if !reflect.DeepEqual(ch, Choice{}) {
				t.Fatalf("choice not zero: %+v", ch)
			}
		})
	}
}

func TestChooseRequiresKind(t *testing.T) {
	_, err := Choose([]Firm{firm(1, "90", 1)}, Cursor{}, Request{})
	if !errors.Is(err, ErrKindRequired) {
		t.Fatalf("err = %v, want ErrKindRequired", err)
	}
}

func TestPeek(t *testing.T) {
	firms := []Firm{firm(1, "80", 1), firm(2, "95", 1), firm(3, "90", 1)}
	tests := []struct {
		name   string
		firms  []Firm
		cur    Cursor
		want   int64
		wantOK bool
	}{
		{"top when nothing delegated", firms, Cursor{}, 2, true},
		{"next after the cursor", firms, cursorAt(firms[1]), 3, true},
		{"none eligible", []Firm{{ID: 1, Status: Removed}}, Cursor{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := Peek(tt.firms, tt.cur, settlement())
			if ok != tt.wantOK || f.ID != tt.want {
				t.Fatalf("Peek = %d, %v; want %d, %v", f.ID, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestOverride(t *testing.T) {
	base := func() []Firm {
		return []Firm{firm(1, "95", 1), firm(2, "90", 1), firm(3, "85", 1)}
	}
	cur := cursorAt(firm(1, "95", 1))
	tests := []struct {
		name    string
		firmID  int64
		unfit   func(f *Firm)
		req     func(r *Request)
		reason  string
		wantErr error
		skip    SkipReason
	}{
		{"fit firm out of turn", 3, nil, nil, "项目涉及专业设备,需该机构专长", nil, ""},
		{"busy firm may be chosen knowingly", 3, func(f *Firm) { f.Capacity, f.OpenReviews = 1, 4 }, nil, "紧急项目", nil, ""},
		{"reason required", 3, nil, nil, "", ErrReasonRequired, ""},
		{"blank reason refused", 3, nil, nil, "  \t", ErrReasonRequired, ""},
		{"unknown firm", 42, nil, nil, "理由", ErrFirmNotFound, ""},
		{"suspended firm refused", 3, func(f *Firm) { f.Status = Suspended }, nil, "理由", ErrFirmUnfit, SkipSuspended},
		{"removed firm refused", 3, func(f *Firm) { f.Status = Removed }, nil, "理由", ErrFirmUnfit, SkipRemoved},
		{"unqualified firm refused", 3, func(f *Firm) { f.Kinds = []string{"estimate"} }, nil, "理由", ErrFirmUnfit, SkipUnqualified},
		{"unit relation refused", 3, func(f *Firm) { f.ConflictUnits = []int64{500} }, nil, "理由", ErrFirmUnfit, SkipConflictUnit},
		{"contractor relation refused", 3, func(f *Firm) { f.ConflictContractors = []int64{700} }, nil, "理由", ErrFirmUnfit, SkipConflictContractor},
		{"excluded firm refused", 3, nil, func(r *Request) { r.ExcludedFirmIDs = []int64{3} }, "理由", ErrFirmUnfit, SkipExcluded},
		{"independence refused", 3, nil, func(r *Request) { r.IndependenceFirmIDs = []int64{3} }, "理由", ErrFirmUnfit, SkipIndependence},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			firms := base()
			if tt.unfit != nil {
				tt.unfit(&firms[2])
			}
			req := settlement()
			if tt.req != nil {
				tt.req(&req)
			}
			ch, err := Override(firms, cur, tt.firmID, req, tt.reason)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !reflect.DeepEqual(ch, Choice{}) {
					t.Fatalf("choice not zero on error: %+v", ch)
				}
				if tt.skip != "" {
					var ue *UnfitFirmError
					if !errors.As(err, &ue) || ue.Consideration.Reason != tt.skip {
						t.Fatalf("err %v does not name reason %s", err, tt.skip)
					}
					if !strings.Contains(err.Error(), tt.skip.Label()) {
						t.Fatalf("message %q lacks %q", err.Error(), tt.skip.Label())
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Override: %v", err)
			}
			if ch.Firm.ID != tt.firmID || !ch.Override || ch.OverrideReason != tt.reason {
				t.Fatalf("choice = firm %d override %v reason %q", ch.Firm.ID, ch.Override, ch.OverrideReason)
			}
			if !reflect.DeepEqual(ch.NextCursor, cur) {
				t.Fatalf("cursor moved to %+v, want %+v", ch.NextCursor, cur)
			}
			if len(ch.Considered) != 1 || ch.Considered[0].FirmID != tt.firmID || ch.Considered[0].Skipped || ch.Considered[0].Position != 3 {
				t.Fatalf("considered = %+v", ch.Considered)
			}
			// Rotation is unaffected: the firm due next is still the second.
			if next, _ := Peek(firms, ch.NextCursor, req); next.ID != 2 {
				t.Fatalf("after override next firm is %d, want 2", next.ID)
			}
		})
	}
}

func TestRotationGivesEveryFirmItsTurn(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	scores := []string{"95", "90", "90", "88.5", "80", "80"}
	for n := 1; n <= 8; n++ {
		for k := 1; k <= 4; k++ {
			t.Run(fmt.Sprintf("%d firms %d rounds", n, k), func(t *testing.T) {
				firms := make([]Firm, n)
				for i := range firms {
					firms[i] = firm(int64(100-i*7), scores[rng.IntN(len(scores))], 1+rng.IntN(3))
				}
				ranked := ids(Rank(firms))
				counts := map[int64]int{}
				var cur Cursor
				for i := range n * k {
					ch, err := Choose(firms, cur, settlement())
					if err != nil {
						t.Fatalf("call %d: %v", i, err)
					}
					if want := ranked[i%n]; ch.Firm.ID != want {
						t.Fatalf("call %d chose %d, want %d (ranked %v)", i, ch.Firm.ID, want, ranked)
					}
					counts[ch.Firm.ID]++
					cur = ch.NextCursor
				}
				for _, id := range ranked {
					if counts[id] != k {
						t.Fatalf("firm %d got %d delegations, want %d (%v)", id, counts[id], k, counts)
					}
				}
			})
		}
	}
}

func TestChooseDoesNotMutateInputs(t *testing.T) {
	build := func() ([]Firm, Cursor, Request) {
		a, b, c := firm(3, "80", 1), firm(1, "95", 2), firm(2, "95", 1)
		b.Status = Suspended
		c.ConflictUnits = []int64{9}
		c.Capacity, c.OpenReviews = 5, 1
		return []Firm{a, b, c}, Cursor{LastFirmID: 3, LastScore: decimal.NewFromInt(80), LastAdmittedAt: day(1)},
			Request{Kind: "settlement", UnitID: 9, ContractorIDs: []int64{4}, ExcludedFirmIDs: []int64{7}}
	}
	tests := []struct {
		name string
		call func(f []Firm, c Cursor, r Request)
	}{
		{"choose", func(f []Firm, c Cursor, r Request) { _, _ = Choose(f, c, r) }},
		{"peek", func(f []Firm, c Cursor, r Request) { _, _ = Peek(f, c, r) }},
		{"override", func(f []Firm, c Cursor, r Request) { _, _ = Override(f, c, 3, r, "理由") }},
		{"rank", func(f []Firm, _ Cursor, _ Request) { _ = Rank(f) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			firms, cur, req := build()
			tt.call(firms, cur, req)
			wantFirms, wantCur, wantReq := build()
			if !reflect.DeepEqual(firms, wantFirms) || !reflect.DeepEqual(cur, wantCur) || !reflect.DeepEqual(req, wantReq) {
				t.Fatalf("inputs changed:\n%+v\n%+v\n%+v", firms, cur, req)
			}
		})
	}
}

func TestSkipReasonLabels(t *testing.T) {
	all := []SkipReason{SkipRemoved, SkipSuspended, SkipUnqualified, SkipExcluded, SkipIndependence,
		SkipConflictUnit, SkipConflictContractor, SkipAtCapacity, SkipNotReached, SkipOverridden}
	seen := map[string]bool{}
	for _, r := range all {
		t.Run(string(r), func(t *testing.T) {
			l := r.Label()
			if l == string(r) || l == "" || seen[l] {
				t.Fatalf("label %q for %s is missing or repeated", l, r)
			}
			seen[l] = true
		})
	}
}

func TestStatusLabels(t *testing.T) {
	for _, tc := range []struct {
		s    Status
		want string
	}{{Active, "正常"}, {Suspended, "已暂停"}, {Removed, "已清退"}, {"unknown", "unknown"}} {
		if got := tc.s.Label(); got != tc.want {
			t.Errorf("%s: label %q, want %q", tc.s, got, tc.want)
		}
	}
	if SkipSuspended.Label() != Suspended.Label() || SkipRemoved.Label() != Removed.Label() {
		t.Errorf("a firm skipped for its status is not labelled as the status")
	}
}
