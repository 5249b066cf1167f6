package web

import (
	"context"
	"strconv"
	"strings"

	"finreview/internal/firm"
)

// nameParams replaces the database ids a transition recorded (experts, the
// chosen firm, the supervisor) with the names people know; an id that no
// longer resolves is shown as 编号 N.
func (a *App) nameParams(ctx context.Context, params []eventParam) []eventParam {
	for i, p := range params {
		if p.Label == paramLabels["experts"] {
			var names []string
			for _, s := range strings.FieldsFunc(p.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '，' }) {
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					names = append(names, s)
					continue
				}
				if e, err := a.expertByID(ctx, id); err == nil {
					names = append(names, e.Name)
				} else {
					names = append(names, "编号 "+s)
				}
			}
			params[i].Value = strings.Join(names, "、")
			continue
		}
		id, err := strconv.ParseInt(p.Value, 10, 64)
		if err != nil {
			continue
		}
		switch p.Label {
		case paramLabels["firm_id"]:
			if o, err := a.auth.Organization(ctx, id); err == nil {
				params[i].Value = o.Name
			}
		case paramLabels["supervisor_id"]:
			if u, err := a.auth.User(ctx, id); err == nil {
				params[i].Value = u.DisplayName
			}
		}
	}
	return params
}

// expertByID is one expert of the library, for naming it.
func (a *App) expertByID(ctx context.Context, id int64) (firm.Expert, error) {
	svc, err := a.firmService()
	if err != nil {
		return firm.Expert{}, err
	}
	return svc.Expert(ctx, id)
}
