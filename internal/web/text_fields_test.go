package web_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestTextFieldsRefuseControlCharacters: names and texts people type
// refuse NUL, other C0 and C1 controls, bidi controls and broken UTF-8
// with a 422 naming the field, in JSON and in forms; one-line names
// refuse line breaks; characters beyond the BMP are kept intact.
func TestTextFieldsRefuseControlCharacters(t *testing.T) {
	e := newPagesEnv(t, false)
	ctx := context.Background()
	var unit int64
	if err := e.s.DB.QueryRowContext(ctx, "SELECT id FROM organizations WHERE name = '临河区民政局'").Scan(&unit); err != nil {
		t.Fatal(err)
	}
	resp, body := e.send(jsonRequest("POST", "/api/v1/tokens", "", map[string]any{"username": "admin", "password": "Demo@2026"}))
	if resp.StatusCode != 201 {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	token := strings.Split(strings.Split(string(body), `"token":"`)[1], `"`)[0]
	n := 0
	projectJSON := func(name string) []byte {
		n++
		return []byte(`{"code":"TXT-` + strconv.Itoa(n) + `","name":"` + name + `","funding_source":"general_budget","category":"capital",` +
			`"approved_estimate":"1000.00","unit_org_id":"` + strconv.FormatInt(unit, 10) + `"}`)
	}
	post := func(raw []byte) (int, string) {
		req := httptest.NewRequest("POST", "/api/v1/projects", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, body := e.send(req)
		return resp.StatusCode, string(body)
	}
	refused := map[string]string{
		"NUL":             `项目\u0000名称`,
		"bell":            `项目\u0007`,
		"DEL":             "项目\x7f",
		"C1 NEL":          `项目\u0085`,
		"RLO":             `项目\u202e名称`,
		"LRI":             `项目\u2066名称`,
		"LRM":             `项目\u200e`,
		"Arabic mark":     `项目\u061c`,
		"line break":      `项目\n名称`,
		"tab":             `项目\t名称`,
		"broken UTF-8":    "项目\xff\xfe",
		"lone surrogate":  `项目\ud800`,
		"over-long UTF-8": "\xc0\xaf",
	}
	for name, v := range refused {
		t.Run("API refuses "+name, func(t *testing.T) {
			status, body := post(projectJSON(v))
			if status != 422 || !strings.Contains(body, `"field":"name"`) {
				t.Fatalf("%d %s", status, body)
			}
		})
	}
	t.Run("API keeps characters beyond the BMP", func(t *testing.T) {
		want := "养老服务中心𠀀𪚥🏗"
		status, body := post(projectJSON(want))
		if status != 201 {
			t.Fatalf("%d %s", status, body)
		}
		var got string
		if err := e.s.DB.QueryRowContext(ctx, "SELECT name FROM projects WHERE code = ?", "TXT-"+strconv.Itoa(n)).Scan(&got); err != nil || got != want {
			t.Fatalf("stored %q (%v), want %q", got, err, want)
		}
	})

	admin := e.as("admin")
	// The first jurisdiction by id: not always 1 (Galera interleaves ids).
	var jur int64
	if err := e.s.DB.QueryRowContext(ctx, "SELECT MIN(id) FROM jurisdictions").Scan(&jur); err != nil {
		t.Fatal(err)
	}
	form := func(name string) url.Values {
		n++
		return url.Values{"kind": {"construction_unit"}, "name": {name}, "jurisdiction_id": {strconv.FormatInt(jur, 10)}, "contact_person": {"张三"}}
	}
	for name, v := range map[string]string{"NUL": "单位\x00", "RLO": "单位\u202e", "C1": "单位\u0085", "line break": "单位\r\n二",
		"broken UTF-8": "单位\xff"} {
		t.Run("form refuses "+name, func(t *testing.T) {
			resp, body := e.post(admin, "/admin/organizations", form(v))
			// Refused before the handler (the page names the field), or by
			// the form's own check of the one-line rule (next to the field).
			named := bytes.Contains(body, []byte("「name」")) || bytes.Contains(body, []byte("不能含有换行"))
			if resp.StatusCode != 422 || !named {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}
	t.Run("form keeps characters beyond the BMP", func(t *testing.T) {
		want := "𠀀𠀁建设单位😀"
		resp, body := e.post(admin, "/admin/organizations", form(want))
		if resp.StatusCode != 303 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		var got string
		if err := e.s.DB.QueryRowContext(ctx, "SELECT name FROM organizations WHERE name = ?", want).Scan(&got); err != nil || got != want {
			t.Fatalf("stored %q (%v), want %q", got, err, want)
		}
	})
	t.Run("a query parameter with a bidi control is refused", func(t *testing.T) {
		resp, body := e.get(admin, "/projects?q="+url.QueryEscape("a\u202eb"))
		if resp.StatusCode != 422 || !bytes.Contains(body, []byte("「q」")) {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}
