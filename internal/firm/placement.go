package firm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
)

// Placements returns the placement of every expert that has an employer
// organization, a firm or a declared relation, by expert id.
func (s *Service) Placements(ctx context.Context) (map[int64]Placement, error) {
	return s.store.ExpertPlacements(ctx)
}

// SetExpertPlacement records the expert's employer organization and firm
// (0 = none); the firm must be an organization of kind firm. Audited as
// "expert_placement".
func (s *Service) SetExpertPlacement(ctx context.Context, p auth.Principal, expertID, employerOrgID, firmID int64) error {
	if err := mayManage(p); err != nil {
		return err
	}
	if expertID <= 0 {
		return fieldErr("expert_id", "请选择专家")
	}
	now := s.now()
	return s.store.InTx(ctx, func(q *store.Queries) error {
		e, err := expertOf(ctx, q, expertID)
		if err != nil {
			return err
		}
		detail := map[string]any{"expert": e.Name, "employer_org_id": idText(employerOrgID), "firm_id": idText(firmID)}
		if employerOrgID != 0 {
			o, err := orgOf(ctx, q, employerOrgID, "employer_org_id", "")
			if err != nil {
				return err
			}
			detail["employer"] = o.Name
		}
		if firmID != 0 {
			o, err := orgOf(ctx, q, firmID, "firm_id", store.OrgFirm)
			if err != nil {
				return err
			}
			detail["firm"] = o.Name
		}
		if err := q.SetExpertPlacement(ctx, expertID, employerOrgID, firmID); err != nil {
			return fmt.Errorf("set expert placement: %w", err)
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "expert_placement",
			ObjectType: "expert", ObjectID: audit.ID(expertID), Detail: detail})
		return err
	})
}

// DeclareExpertRelation records that the expert declared a relation with an
// organization (e.g. 曾任职、亲属任职); declaring it again replaces the
// wording. Audited as "expert_relation".
func (s *Service) DeclareExpertRelation(ctx context.Context, p auth.Principal, expertID, orgID int64, relation string) error {
	if err := mayManage(p); err != nil {
		return err
	}
	relation = strings.TrimSpace(relation)
	var expertErr, relationErr, orgErr error
	if expertID <= 0 {
		expertErr = fieldErr("expert_id", "请选择专家")
	}
	switch {
	case relation == "":
		relationErr = fieldErr("relation", "请说明关联关系")
	case utf8.RuneCountInString(relation) > 255:
		relationErr = fieldErr("relation", "关联关系说明最多 255 个字符")
	}
	if orgID == 0 {
		orgErr = fieldErr("org_id", "请选择关联单位")
	}
	if err := errors.Join(expertErr, relationErr, orgErr); err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(q *store.Queries) error {
		e, err := expertOf(ctx, q, expertID)
		if err != nil {
			return err
		}
		o, err := orgOf(ctx, q, orgID, "org_id", "")
		if err != nil {
			return err
		}
		if err := q.DeclareExpertRelation(ctx, expertID, orgID, relation, now); err != nil {
			return fmt.Errorf("declare expert relation: %w", err)
		}
		_, err = audit.Append(ctx, q, now, audit.Entry{ActorID: p.UserID, ActorName: p.NameOr("系统"), Action: "expert_relation",
			ObjectType: "expert", ObjectID: audit.ID(expertID),
			Detail: map[string]any{"expert": e.Name, "org_id": idText(orgID), "org": o.Name, "relation": relation}})
		return err
	})
}

// expertOf reads an expert of the library; a missing one is refused as
// the field expert_id.
func expertOf(ctx context.Context, q *store.Queries, id int64) (store.Expert, error) {
	e, err := q.ExpertByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return e, fieldErr("expert_id", "专家不存在")
	}
	if err != nil {
		return e, fmt.Errorf("expert: %w", err)
	}
	return e, nil
}

// orgOf reads an organization named by a form field, of the given kind
// when kind is not empty.
func orgOf(ctx context.Context, q *store.Queries, id int64, field, kind string) (store.Organization, error) {
	o, err := q.Organization(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && kind != "" && o.Kind != kind) {
		return o, fieldErr(field, "单位不存在或类型不符")
	}
	if err != nil {
		return o, fmt.Errorf("organization: %w", err)
	}
	return o, nil
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
