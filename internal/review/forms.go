package review

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"finreview/internal/auth"
	"finreview/internal/store"
	"finreview/workflow"
)

// Form is the form of one permitted trigger on the review page, laid out
// from the trigger's entry in the table.
type Form struct {
	Trigger workflow.Trigger
	Label   string
	// Confirm asks before an irreversible step; empty otherwise.
	Confirm string
	// Primary forms are open; Danger ones irreversible.
	Primary, Danger bool
	Fields          []Field
	// Missing lists what still blocks the trigger.
	Missing []string
	// Values are what the inputs hold when the form is first shown.
	Values map[string]string
}

// Forms lays out one form per trigger v permits its viewer, with the
// options of the choices read for the review.
func (s *Service) Forms(ctx context.Context, v View) ([]Form, error) {
	o := &formOptions{s: s, r: v.Review}
	var out []Form
	for _, t := range v.Permitted {
		sp := specOf(t)
		if sp == nil {
			continue
		}
		f := Form{Trigger: t, Label: t.Label(), Primary: sp.primary, Danger: t.Irreversible(),
			Missing: v.Missing[t], Values: map[string]string{}}
		if t.Irreversible() {
			f.Confirm = fmt.Sprintf("确定执行“%s”?此操作不可撤销。", t.Label())
		}
		for _, fd := range sp.fields {
			fd.Options = slices.Clone(fd.Options)
			if fd.source != noSource {
				opts, err := o.of(ctx, fd.source)
				if err != nil {
					return nil, err
				}
				fd.Options = append(fd.Options, opts...)
			}
			switch {
			case fd.today:
				f.Values[fd.Name] = s.now().In(shanghai()).Format("2006-01-02")
			case fd.Default != "":
				f.Values[fd.Name] = fd.Default
			}
			f.Fields = append(f.Fields, fd)
		}
		out = append(out, f)
	}
	return out, nil
}

// formOptions reads the options of one review's forms, each source once.
type formOptions struct {
	s    *Service
	r    store.Review
	read map[optionSource][]Option
}

func (o *formOptions) of(ctx context.Context, src optionSource) ([]Option, error) {
	if opts, ok := o.read[src]; ok {
		return opts, nil
	}
	var out []Option
	switch src {
	case activeFirms:
		firms, err := o.s.store.Firms(ctx, store.FirmFilter{JurisdictionID: o.r.JurisdictionID})
		if err != nil {
			return nil, err
		}
		for _, f := range firms {
			if f.Status == "active" {
				out = append(out, Option{strconv.FormatInt(f.OrgID, 10),
					fmt.Sprintf("%s(得分 %s,在办 %d/%d)", f.Name, f.Score.StringFixed(2), f.OpenReviews, f.Capacity)})
			}
		}
	case supervisors:
		users, err := o.s.store.UsersByRole(ctx, string(auth.ReviewCenter), 0)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			// Only colleagues whose jurisdiction covers the review may supervise it.
			if ok, _ := auth.FromUser(u).Scope().Sees(o.r); ok {
				out = append(out, Option{strconv.FormatInt(u.ID, 10), u.DisplayName})
			}
		}
	case experts:
		list, err := o.s.store.Experts(ctx, store.ExpertFilter{ActiveOnly: true})
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			out = append(out, Option{strconv.FormatInt(e.ID, 10), e.Name + "(" + e.Specialty + ")"})
		}
	}
	if o.read == nil {
		o.read = map[optionSource][]Option{}
	}
	o.read[src] = out
	return out, nil
}
