package web

import (
	"html/template"
	"strings"

	"finreview/internal/auth"
	"finreview/internal/trust"
)

// orgSelect names a select of organizations: their kind, and the
// jurisdiction the select is limited to (0: every one).
type orgSelect struct {
	kind         string
	jurisdiction int64
}

// writtenOptions are a select's options over an organization list,
// written once for every request offering the same list: html marks no
// option, and at tells where the mark of each option goes, by code.
type writtenOptions struct {
	// from and n are the list written (its first item, its length): auth
	// hands out the same shared slice while it trusts the list, and a new
	// one once it read the list again.
	from *auth.OrgChoice
	n    int
	html string
	at   map[string]int
}

// maxWrittenSelects bounds the written selects kept: the firms', the
// city's units' and each jurisdiction's units'.
const maxWrittenSelects = 64

func newWrittenSelects() *trust.Map[orgSelect, *writtenOptions] {
	return trust.New[orgSelect, *writtenOptions](auth.OrgTrust, maxWrittenSelects, nil)
}

// chosenOptions are written options with the option one request chose.
type chosenOptions struct {
	w      *writtenOptions
	chosen string
}

// HTML is the options' elements, the chosen one marked: the written
// elements as they are, or copied once with the mark put in.
func (c *chosenOptions) HTML() template.HTML {
	at, ok := c.w.at[c.chosen]
	if !ok {
		return template.HTML(c.w.html)
	}
	return template.HTML(c.w.html[:at] + " selected" + c.w.html[at:])
}

// orgOptions is the select of the organizations of list in sel's
// jurisdiction (every one when 0), chosen marked; nil when there are
// none. The elements are written once per list: a province's unit select
// holds some 1,400 options, and writing them cost a list page more than
// its rows. list is read, never modified.
func (a *App) orgOptions(sel orgSelect, list []auth.OrgChoice, chosen string) *chosenOptions {
	if len(list) == 0 {
		return nil
	}
	now := a.now()
	w, seen, ok := a.written.Get(sel, now)
	if !ok || w.from != &list[0] || w.n != len(list) {
		w = writeOrgOptions(list, sel.jurisdiction)
		a.written.Put(sel, w, seen, now)
	}
	if len(w.at) == 0 {
		return nil
	}
	return &chosenOptions{w: w, chosen: chosen}
}

// writeOrgOptions writes the options of the organizations of list in
// jurisdiction (every one when 0), in the list's order.
func writeOrgOptions(list []auth.OrgChoice, jurisdiction int64) *writtenOptions {
	w := &writtenOptions{from: &list[0], n: len(list), at: map[string]int{}}
	var b strings.Builder
	for _, o := range list {
		if jurisdiction != 0 && o.JurisdictionID != jurisdiction {
			continue
		}
		code := idText(o.ID)
		w.at[code] = writeOption(&b, code, o.Name, false)
	}
	w.html = b.String()
	return w
}
