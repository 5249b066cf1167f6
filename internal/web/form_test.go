package web

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"finreview/internal/auth"
	"finreview/internal/input"
)

// TestFieldErrorsReadsEveryRefusedField: the one reader of field errors
// finds every refused field however a service reports them, and refuses
// to call a refusal anything that holds another error.
func TestFieldErrorsReadsEveryRefusedField(t *testing.T) {
	a := &input.FieldError{Name: "name", Msg: "请填写名称"}
	b := &input.FieldError{Name: "amount", Msg: "金额格式不正确"}
	for _, tc := range []struct {
		name string
		err  error
		want []fieldMsg
		ok   bool
	}{
		{"none", nil, nil, false},
		{"one", a, []fieldMsg{{"name", "请填写名称"}}, true},
		{"joined, in order", errors.Join(b, a), []fieldMsg{{"amount", "金额格式不正确"}, {"name", "请填写名称"}}, true},
		{"nested and wrapped", errors.Join(fmt.Errorf("某机构:%w", b), errors.Join(a)),
			[]fieldMsg{{"amount", "金额格式不正确"}, {"name", "请填写名称"}}, true},
		{"wrapped without a message of its own", fmt.Errorf("某机构:%w", bare{"amount", "金额格式不正确"}),
			[]fieldMsg{{"amount", "某机构:金额格式不正确"}}, true},
		{"a map of fields", auth.FieldErrors{"username": "用户名已存在", "role": "请选择角色"},
			[]fieldMsg{{"role", "请选择角色"}, {"username", "用户名已存在"}}, true},
		{"a refusal of the whole request", &input.FieldError{Msg: "与已有记录重复"}, []fieldMsg{{"", "与已有记录重复"}}, true},
		{"a field and a fault", errors.Join(a, errors.New("connection refused")), nil, false},
		{"a fault", errors.New("connection refused"), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := fieldErrors(tc.err)
			if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("fieldErrors = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	t.Run("the form keeps the first message of each field", func(t *testing.T) {
		f := newForm()
		if !f.refuse(errors.Join(a, &input.FieldError{Name: "name", Msg: "名称过长"}, b)) {
			t.Fatal("not a refusal")
		}
		if f.Errors["name"] != "请填写名称" || f.Errors["amount"] != "金额格式不正确" || len(f.Errors) != 2 {
			t.Fatalf("errors %v", f.Errors)
		}
	})
	t.Run("the API names the first field and lists all", func(t *testing.T) {
		status, body := classify(errors.Join(b, a))
		if status != 422 || body.Field != "amount" || body.Error != "金额格式不正确" ||
			!reflect.DeepEqual(body.Fields, map[string]string{"amount": "金额格式不正确", "name": "请填写名称"}) {
			t.Fatalf("%d %+v", status, body)
		}
	})
}

// bare is a field error with no Message of its own: wrapped, the
// context of its wrapper is shown with it.
type bare struct{ field, msg string }

func (e bare) Error() string { return e.msg }
func (e bare) Field() string { return e.field }
