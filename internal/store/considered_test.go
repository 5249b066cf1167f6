package store

import (
	"testing"

	"github.com/shopspring/decimal"

	"finreview/internal/assign"
)

// The firms the rotation did not stop on are kept with the delegation and
// read back apart from those it considered; older rows without them still
// decode.
func TestConsideredKeepsOthers(t *testing.T) {
	cs := []assign.Consideration{{FirmID: 1, Name: "甲", Score: decimal.RequireFromString("90"), Position: 1, Detail: "符合条件"}}
	others := []assign.Consideration{{FirmID: 2, Name: "乙", Score: decimal.RequireFromString("80"), Position: 2, Skipped: true,
		Reason: assign.SkipNotReached, Detail: "本次未轮到"}}
	s, err := EncodeConsidered(cs, others)
	if err != nil {
		t.Fatal(err)
	}
	gotCs, gotOthers, err := decodeConsidered(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotCs) != 1 || gotCs[0].FirmID != 1 || len(gotOthers) != 1 || gotOthers[0].FirmID != 2 ||
		gotOthers[0].Reason != assign.SkipNotReached || !gotOthers[0].Skipped {
		t.Fatalf("decoded %+v / %+v", gotCs, gotOthers)
	}
	old := `[{"firm_id":"1","name":"甲","score":"90.00","position":1,"skipped":false,"detail":"符合条件"}]`
	gotCs, gotOthers, err = decodeConsidered(old)
	if err != nil || len(gotCs) != 1 || len(gotOthers) != 0 {
		t.Fatalf("old row: %+v / %+v / %v", gotCs, gotOthers, err)
	}
}
