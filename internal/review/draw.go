package review

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/draw"
	"finreview/internal/fee"
	"finreview/internal/review/notice"
	"finreview/internal/store"
	"finreview/workflow"
)

// Draw purposes.
const (
	PurposeDispute = "dispute" // 争议专家复审
	PurposeSample  = "sample"  // 抽查复审
)

// MaxRedraws is how often the experts of one review and purpose may be
// drawn again after the first draw.
const MaxRedraws = 2

// PurposeLabel is the Chinese name of a draw purpose.
func PurposeLabel(purpose string) string {
	switch purpose {
	case PurposeDispute:
		return "争议专家复审"
	case PurposeSample:
		return "抽查复审"
	}
	return purpose
}

// ConflictError is a request the review's situation refuses (409).
type ConflictError struct {
	code string
	msg  string
}

func (e *ConflictError) Error() string { return e.msg }

// Code is the stable English code.
func (e *ConflictError) Code() string { return e.code }

// HTTPStatus answers 409.
func (e *ConflictError) HTTPStatus() int { return 409 }

// DrawnExpert is an expert of a draw.
type DrawnExpert struct {
	ID        int64
	Name      string
	Specialty string
}

// DrawView is a recorded draw as pages and the API show it.
type DrawView struct {
	ID           int64
	ReviewID     int64
	Purpose      string
	PurposeLabel string
	Specialty    string
	Seed         uint64
	RedrawNo     int
	Main         []DrawnExpert
	Reserve      []DrawnExpert
	Excluded     []draw.Exclusion
	// PoolSize is the number of candidates offered to the draw.
	PoolSize    int
	DrawnBy     string
	DrawnAt     time.Time
	RedrawsLeft int
}

// newSeed is a fresh random seed from the operating system.
func newSeed() (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("draw seed: %w", err)
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// drawStates lists where a draw of a purpose may be made.
func drawAllowed(purpose string, st workflow.State) bool {
	switch purpose {
	case PurposeDispute:
		return st == workflow.Disputed || st == workflow.ExpertReview
	case PurposeSample:
		return st == workflow.Concluded || st == workflow.Processed || st == workflow.Archived
	}
	return false
}

// Draw draws experts for a review's dispute or sample re-review (review
// center only): by specialty, avoiding the unit's, the contractors' and the
// firm's people, declared relations, the experts of the last draws and of
// this review's earlier draws; with a fresh random seed recorded beside the
// offered pool so that VerifyDraw can recompute it. The drawn experts get
// the review (review_experts), which lets their users see it. At most
// MaxRedraws re-draws per review and purpose.
func (s *Service) Draw(ctx context.Context, p auth.Principal, reviewID int64, purpose, specialty string, main, reserve int) (DrawView, error) {
	if p.Role != auth.ReviewCenter {
		return DrawView{}, auth.ErrForbidden
	}
	purpose, specialty = strings.TrimSpace(purpose), strings.TrimSpace(specialty)
	var errs []error
	if purpose != PurposeDispute && purpose != PurposeSample {
		errs = append(errs, fieldErr("purpose", "抽取用途须为 dispute(争议专家复审)或 sample(抽查复审)"))
	}
	if specialty == "" || utf8.RuneCountInString(specialty) > 64 {
		errs = append(errs, fieldErr("specialty", "请选择专业"))
	}
	if main < 1 || main > 15 {
		errs = append(errs, fieldErr("main", "主选专家人数须为 1 至 15"))
	}
	if reserve < 0 || reserve > 15 {
		errs = append(errs, fieldErr("reserve", "备选专家人数须为 0 至 15"))
	}
	if err := errors.Join(errs...); err != nil {
		return DrawView{}, err
	}
	seed, err := newSeed()
	if err != nil {
		return DrawView{}, err
	}
	var id int64
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		r, err := q.LockReview(ctx, reviewID)
		if err != nil {
			return err
		}
		if _, err := q.Review(ctx, p.Scope(), reviewID); err != nil {
			return err
		}
		if !drawAllowed(purpose, r.State) {
			return &ConflictError{code: "draw_not_allowed",
				msg: fmt.Sprintf("评审当前状态“%s”不能抽取%s专家", r.State.Label(), PurposeLabel(purpose))}
		}
		earlier, err := q.ExpertDraws(ctx, r.ID)
		if err != nil {
			return err
		}
		var exclude []int64
		n := 0
		for _, d := range earlier {
			if d.Purpose == purpose {
				n++
				exclude = append(exclude, d.MainIDs...)
				exclude = append(exclude, d.ReserveIDs...)
			}
		}
		if n > MaxRedraws {
			return &ConflictError{code: "redraw_limit",
				msg: fmt.Sprintf("%s专家已重新抽取 %d 次,已达上限(每个评审最多重新抽取 %d 次)", PurposeLabel(purpose), n-1, MaxRedraws)}
		}
		recent, err := q.RecentDrawnExpertIDs(ctx, r.ID, s.recentDrawWindow)
		if err != nil {
			return err
		}
		exclude = append(exclude, recent...)
		slices.Sort(exclude)
		exclude = slices.Compact(exclude)
		contractors, err := q.ProjectContractors(ctx, r.ProjectID)
		if err != nil {
			return err
		}
		pool, err := q.DrawCandidates(ctx, specialty, s.now().AddDate(-1, 0, 0))
		if err != nil {
			return err
		}
		req := draw.Request{Specialty: specialty, Main: main, Reserve: reserve, UnitID: r.UnitOrgID, FirmID: r.FirmID,
			ContractorIDs: contractors, ExcludeIDs: exclude, MaxRecent: s.maxRecentDraws}
		res, err := draw.Draw(pool, req, seed)
		if err != nil {
			return err
		}
		excluded := res.Excluded
		poolJSON, err := json.Marshal(pool)
		if err != nil {
			return err
		}
		reqJSON, err := json.Marshal(req)
		if err != nil {
			return err
		}
		exJSON, err := json.Marshal(excluded)
		if err != nil {
			return err
		}
		now := s.now()
		id, err = q.InsertExpertDraw(ctx, store.ExpertDraw{ReviewID: r.ID, Purpose: purpose, Specialty: specialty, Seed: seed,
			MainCount: main, ReserveCount: reserve, MainIDs: draw.IDs(res.Main), ReserveIDs: draw.IDs(res.Reserve),
			Excluded: string(exJSON), Pool: string(poolJSON), Request: string(reqJSON), RedrawNo: n, DrawnBy: p.UserID, DrawnAt: now})
		if errors.Is(err, store.ErrDuplicate) {
			return store.ErrStale
		}
		if err != nil {
			return fmt.Errorf("record draw: %w", err)
		}
		for _, c := range res.Main {
			if err := q.AddDrawnExpert(ctx, r.ID, c.ID, purpose, false, now); err != nil {
				return err
			}
		}
		for _, c := range res.Reserve {
			if err := q.AddDrawnExpert(ctx, r.ID, c.ID, purpose, true, now); err != nil {
				return err
			}
		}
		// The main experts with an account hear they were drawn.
		users, err := q.ExpertUserIDs(ctx, draw.IDs(res.Main))
		if err != nil {
			return err
		}
		if err := q.NotifyUsers(ctx, users, store.Notification{ReviewID: r.ID, Kind: string(notice.ExpertDrawn),
			Title:     fmt.Sprintf("%s:您被抽取为%s专家", r.ProjectName, PurposeLabel(purpose)),
			Body:      fmt.Sprintf("您已被随机抽取为项目「%s」的%s专家(%s),请登录系统查看评审资料。", r.ProjectName, PurposeLabel(purpose), specialty),
			CreatedAt: now}); err != nil {
			return fmt.Errorf("notify drawn experts: %w", err)
		}
		action := "expert_draw"
		if n > 0 {
			action = "expert_redraw"
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: action, ReviewID: r.ID,
			ObjectType: "expert_draw", ObjectID: audit.ID(id),
			Detail: map[string]any{"purpose": purpose, "specialty": specialty, "seed": strconv.FormatUint(seed, 10),
				"redraw_no": n, "main": draw.IDs(res.Main), "reserve": draw.IDs(res.Reserve), "excluded": excluded,
				"pool": len(pool)}})
		return err
	})
	if err != nil {
		return DrawView{}, err
	}
	return s.drawView(ctx, &s.store.Queries, id)
}

func (s *Service) drawView(ctx context.Context, q *store.Queries, id int64) (DrawView, error) {
	d, err := q.ExpertDrawByID(ctx, id)
	if err != nil {
		return DrawView{}, err
	}
	return drawViewOf(d)
}

func drawViewOf(d store.ExpertDraw) (DrawView, error) {
	var pool []draw.Candidate
	if err := json.Unmarshal([]byte(d.Pool), &pool); err != nil {
		return DrawView{}, fmt.Errorf("draw %d pool: %w", d.ID, err)
	}
	var ex []draw.Exclusion
	if err := json.Unmarshal([]byte(d.Excluded), &ex); err != nil {
		return DrawView{}, fmt.Errorf("draw %d exclusions: %w", d.ID, err)
	}
	byID := map[int64]draw.Candidate{}
	for _, p := range pool {
		byID[p.ID] = p
	}
	experts := func(ids []int64) []DrawnExpert {
		out := make([]DrawnExpert, 0, len(ids))
		for _, id := range ids {
			p := byID[id]
			out = append(out, DrawnExpert{ID: id, Name: p.Name, Specialty: p.Specialty})
		}
		return out
	}
	v := DrawView{ID: d.ID, ReviewID: d.ReviewID, Purpose: d.Purpose, PurposeLabel: PurposeLabel(d.Purpose), Specialty: d.Specialty,
		Seed: d.Seed, RedrawNo: d.RedrawNo, Main: experts(d.MainIDs), Reserve: experts(d.ReserveIDs),
		Excluded: ex, PoolSize: len(pool), DrawnBy: d.DrawnByName, DrawnAt: d.DrawnAt,
		RedrawsLeft: max(0, MaxRedraws-d.RedrawNo)}
	return v, nil
}

// DrawByID returns a draw of a review p may see.
func (s *Service) DrawByID(ctx context.Context, p auth.Principal, drawID int64) (DrawView, error) {
	d, err := s.store.ExpertDrawByID(ctx, drawID)
	if err != nil {
		return DrawView{}, err
	}
	if _, err := s.store.Review(ctx, p.Scope(), d.ReviewID); err != nil {
		return DrawView{}, err
	}
	return drawViewOf(d)
}

// Draws lists the draws of a review p may see, oldest first; the redraws
// left are counted per purpose from the latest draw.
func (s *Service) Draws(ctx context.Context, p auth.Principal, reviewID int64) ([]DrawView, error) {
	if _, err := s.store.Review(ctx, p.Scope(), reviewID); err != nil {
		return nil, err
	}
	rows, err := s.store.ExpertDraws(ctx, reviewID)
	if err != nil {
		return nil, err
	}
	out := make([]DrawView, 0, len(rows))
	for _, d := range rows {
		v, err := drawViewOf(d)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// VerifyDraw recomputes a recorded draw from its recorded seed, pool and
// request and reports whether it gives the same main and reserve experts.
func (s *Service) VerifyDraw(ctx context.Context, p auth.Principal, drawID int64) (bool, error) {
	d, err := s.store.ExpertDrawByID(ctx, drawID)
	if err != nil {
		return false, err
	}
	if _, err := s.store.Review(ctx, p.Scope(), d.ReviewID); err != nil {
		return false, err
	}
	var pool []draw.Candidate
	if err := json.Unmarshal([]byte(d.Pool), &pool); err != nil {
		return false, fmt.Errorf("draw %d pool: %w", d.ID, err)
	}
	var req draw.Request
	if err := json.Unmarshal([]byte(d.Request), &req); err != nil {
		return false, fmt.Errorf("draw %d request: %w", d.ID, err)
	}
	res, err := draw.Draw(pool, req, d.Seed)
	if err != nil {
		return false, nil
	}
	return slices.Equal(draw.IDs(res.Main), d.MainIDs) && slices.Equal(draw.IDs(res.Reserve), d.ReserveIDs), nil
}

// drawnExperts returns the main experts of the review's latest draw of
// purpose; none when nothing was drawn.
func (x *tx) drawnExperts(ctx context.Context, purpose string) ([]int64, error) {
	rows, err := x.q.ExpertDraws(ctx, x.r.ID)
	if err != nil {
		return nil, err
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Purpose == purpose {
			return rows[i].MainIDs, nil
		}
	}
	return nil, nil
}

// ScoreExpert records the review center's score (0–100) of an expert drawn
// for the review, once the re-review is over (dispute resolved or sample
// re-review recorded). One score per expert and review.
func (s *Service) ScoreExpert(ctx context.Context, p auth.Principal, reviewID, expertID int64, score, comment string) (store.ExpertScore, error) {
	if p.Role != auth.ReviewCenter {
		return store.ExpertScore{}, auth.ErrForbidden
	}
	var scoreErr, commentErr error
	v, err := fee.ParseAmount(strings.TrimSpace(score))
	if err != nil || v.IsNegative() || v.GreaterThan(decimal.NewFromInt(100)) {
		scoreErr = fieldErr("score", "评分须为 0 至 100 之间的数(最多两位小数)")
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 2000 {
		commentErr = fieldErr("comment", "评价最多 2000 字")
	}
	if err := errors.Join(scoreErr, commentErr); err != nil {
		return store.ExpertScore{}, err
	}
	sc := store.ExpertScore{ReviewID: reviewID, ExpertID: expertID, Score: v, Comment: comment, ScoredBy: p.UserID, At: s.now()}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		if _, err := q.Review(ctx, p.Scope(), reviewID); err != nil {
			return err
		}
		experts, err := q.ReviewExperts(ctx, reviewID)
		if err != nil {
			return err
		}
		found := false
		for _, e := range experts {
			if e.ExpertID == expertID {
				found, sc.ExpertName = true, e.Name
			}
		}
		if !found {
			return fieldErr("expert_id", "该专家未参与本评审的复审")
		}
		done, err := q.ReReviewDone(ctx, reviewID)
		if err != nil {
			return err
		}
		if !done {
			return &ConflictError{code: "rereview_open", msg: "专家复审尚未完成,完成后方可评分"}
		}
		if err := q.InsertExpertScore(ctx, sc); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return &ConflictError{code: "already_scored", msg: "已对该专家在本评审中的表现评分"}
			}
			return err
		}
		_, err = audit.Append(ctx, q, sc.At, audit.Entry{ActorID: p.UserID, ActorName: p.Name, Action: "score_expert",
			ReviewID: reviewID, ObjectType: "expert", ObjectID: audit.ID(expertID),
			Detail: map[string]any{"score": v.StringFixed(2), "comment": comment}})
		return err
	})
	if err != nil {
		return store.ExpertScore{}, err
	}
	return sc, nil
}
