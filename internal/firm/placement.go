package firm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/store"
)

// Placement is where an expert works and which organizations the expert
// declared a relation with; the expert draw excludes an expert from the
// reviews of those organizations (回避).
type Placement struct {
	ExpertID      int64
	EmployerOrgID int64
	EmployerName  string
	FirmID        int64
	FirmName      string
	Relations     []ExpertRelation
}

// ExpertRelation is one declared relation of an expert.
type ExpertRelation struct {
	OrgID      int64
	OrgName    string
	Relation   string
	DeclaredAt time.Time
}

// Placements returns the placement of every expert that has an employer
// organization, a firm or a declared relation, by expert id.
func (s *Service) Placements(ctx context.Context) (map[int64]Placement, error) {
	out := map[int64]Placement{}
	rows, err := s.store.DB.QueryContext(ctx, `SELECT e.id, COALESCE(e.employer_org_id,0), COALESCE(eo.name,''), COALESCE(e.firm_id,0), COALESCE(fo.name,'')
		FROM experts e LEFT JOIN organizations eo ON eo.id = e.employer_org_id LEFT JOIN organizations fo ON fo.id = e.firm_id
		WHERE e.employer_org_id IS NOT NULL OR e.firm_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("expert placements: %w", err)
	}
	for rows.Next() {
		var p Placement
		if err := rows.Scan(&p.ExpertID, &p.EmployerOrgID, &p.EmployerName, &p.FirmID, &p.FirmName); err != nil {
			rows.Close()
			return nil, fmt.Errorf("expert placements: %w", err)
		}
		out[p.ExpertID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("expert placements: %w", err)
	}
	rel, err := s.store.DB.QueryContext(ctx, `SELECT r.expert_id, r.related_org_id, o.name, r.relation, r.declared_at
		FROM expert_relations r JOIN organizations o ON o.id = r.related_org_id ORDER BY r.expert_id, r.declared_at, r.related_org_id`)
	if err != nil {
		return nil, fmt.Errorf("expert relations: %w", err)
	}
	defer rel.Close()
	for rel.Next() {
		var id int64
		var r ExpertRelation
		if err := rel.Scan(&id, &r.OrgID, &r.OrgName, &r.Relation, &r.DeclaredAt); err != nil {
			return nil, fmt.Errorf("expert relations: %w", err)
		}
		p := out[id]
		p.ExpertID = id
		p.Relations = append(p.Relations, r)
		out[id] = p
	}
	return out, rel.Err()
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
			ObjectType: "expert", ObjectID: strconv.FormatInt(expertID, 10), Detail: detail})
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
			ObjectType: "expert", ObjectID: strconv.FormatInt(expertID, 10),
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
