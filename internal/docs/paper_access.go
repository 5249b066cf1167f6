package docs

import (
	"context"
	"fmt"
	"strconv"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
)

// ViewLogged is View for a person reading the paper (its print page):
// like a download, the read is recorded in the paper document's access
// log and in the review's audit trail, with who, when and from where.
// Conclusions are confidential; every paper is logged alike.
func (s *Service) ViewLogged(ctx context.Context, p auth.Principal, reviewID int64, kind, ip string) (PaperView, error) {
	v, err := s.View(ctx, p, reviewID, kind)
	if err != nil {
		return PaperView{}, err
	}
	at := s.now()
	detail := map[string]any{"kind": kind, "ip": ip, "preview": v.Paper == nil}
	objectID := ""
	if v.Paper != nil {
		detail["doc_number"] = v.Paper.DocNumber
		detail["document_id"] = v.Paper.DocumentID
		objectID = strconv.FormatInt(v.Paper.ID, 10)
	}
	err = s.store.InTx(ctx, func(q *store.Queries) error {
		if v.Paper != nil && v.Paper.DocumentID != 0 && p.UserID != 0 {
			if _, err := q.InsertDocumentAccess(ctx, store.DocumentAccess{DocumentID: v.Paper.DocumentID, UserID: p.UserID,
				Action: ActionView, IP: ip, At: at}); err != nil {
				return fmt.Errorf("record paper access: %w", err)
			}
		}
		_, err := audit.Append(ctx, q, at, audit.Entry{ActorID: p.UserID, ActorName: actorName(p), Action: "paper_view",
			ReviewID: reviewID, ObjectType: "paper", ObjectID: objectID, Detail: detail})
		return err
	})
	if err != nil {
		return PaperView{}, err
	}
	return v, nil
}
