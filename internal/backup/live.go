package backup

import (
	"context"
	"fmt"
	"sort"

	"finreview/internal/store"
)

// checkLive compares the live database's audit chains with a backup of
// it: every link the backup holds as a stream's head, and every anchor,
// must still be in the live chains with the same hash. A chain rewritten
// after the backup (or after a restore from it), even with its hashes
// recomputed so that it verifies on its own, fails here. A live database
// of another lineage (its first anchor differs) is not compared; checkLive
// then reports false.
func checkLive(ctx context.Context, s *store.Store, m *Manifest) (bool, error) {
	if len(m.Anchors) == 0 {
		return false, nil
	}
	links := []store.StreamSeq{{Stream: "anchor", Seq: 1}}
	first, err := s.AuditLinks(ctx, links)
	if err != nil {
		return false, err
	}
	if first[links[0]] != m.Anchors[0] {
		return false, nil
	}
	links = links[:0]
	want := map[store.StreamSeq]string{}
	for i, h := range m.Anchors {
		k := store.StreamSeq{Stream: "anchor", Seq: int64(i + 1)}
		links, want[k] = append(links, k), h
	}
	for st, seq := range m.AuditSeqs {
		k := store.StreamSeq{Stream: st, Seq: seq}
		links, want[k] = append(links, k), m.AuditHeads[st]
	}
	have, err := s.AuditLinks(ctx, links)
	if err != nil {
		return true, err
	}
	var problems []string
	for _, k := range links {
		switch h, ok := have[k]; {
		case !ok:
			problems = append(problems, fmt.Sprintf("审计链 %s 第 %d 条在当前数据库中已不存在", k.Stream, k.Seq))
		case h != want[k]:
			problems = append(problems, fmt.Sprintf("审计链 %s 第 %d 条在备份之后被改写(备份时 %s,现为 %s)", k.Stream, k.Seq, short(want[k]), short(h)))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return true, &MismatchError{Problems: problems}
	}
	return true, nil
}
