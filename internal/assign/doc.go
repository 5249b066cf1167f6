// Package assign picks the intermediary firm (中介机构) for a review delegation
// and assesses firms each period. This file set is the pure core: it imports
// only the standard library and decimal, and does no I/O.
//
// # Ranking (高分优先)
//
// Rank orders the firm library of one jurisdiction by current assessment
// score, highest first. Equal scores go to the firm admitted to the library
// earlier (入库时间早者优先), then to the lower ID, so the order is total and
// deterministic.
//
// # Rotation (依次顺序进行)
//
// A Cursor is kept per jurisdiction and review kind by the caller. It
// remembers the last firm delegated and that firm's rank key (score,
// admission time, ID). The next delegation goes to the first fit firm after
// that firm in ranked order, wrapping round to the top, so high scorers come
// first and every firm gets its turn. An empty cursor starts at the top.
//
// If the last firm is no longer in the list (removed or filtered out), the
// walk starts at the first firm whose rank key sorts after the remembered key,
// that is where the vanished firm would have stood; past the end it wraps to
// the top. If the last firm is still listed, its current position counts,
// even when its score changed since.
//
// # Skips
//
// Every firm looked at is recorded as a Consideration, in rotation order with
// the chosen firm last. An unfit firm is skipped with the first reason that
// applies, checked in this order: removed (已清退), suspended (已暂停),
// unqualified for the kind (不具备该类评审资质), excluded by an appeal or a
// cancelled delegation, independence (it did another stage of the project),
// declared relation to the construction unit, declared relation to a
// contractor, and at capacity (Capacity > 0 and OpenReviews ≥ Capacity). A
// status other than active, removed or suspended counts as suspended. When
// every firm is skipped, Choose returns *NoFirmError and the cursor does not
// move.
//
// # Manual override (人工指定)
//
// Override requires a reason and refuses a firm that Choose would skip for
// any reason except capacity: staff may knowingly load a busy firm, but never
// a suspended, removed, excluded, conflicted or unqualified one. An override
// does not advance the cursor: the rotation is a fairness order, and a manual
// pick outside it should not cost the firm that was due next its turn.
//
// # Assessment (考核, 优胜劣汰)
//
// Assess scores a firm's period on a 0–100 scale per criterion:
//
//   - timeliness (及时性) = 100 × met ÷ (met + missed + declines): every
//     declined delegation counts as a missed deadline; no deadlines at all in
//     the period gives 100.
//   - accuracy (准确性) = 100 − 10 × sample re-review errors − 5 × expert
//     re-reviews lost − 10 × appeals lost, never below 0.
//   - truthfulness (真实性) and report quality (报告质量) are entered by staff.
//
// Each criterion score is rounded to 2 places (half away from zero); the total
// is the weighted sum of those rounded scores, rounded to 2 places, so it can
// be re-added from what is shown. Weights must sum to exactly 1.
//
// Flag names the firms to consider for suspension: the bottom N by total
// and every firm below a threshold score, each with its evidence in Chinese.
package assign
