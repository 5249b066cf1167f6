package web

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/input"
)

// A service refuses a request's bad fields all at once: one typed field
// error (anything with a Field method: input.FieldError, which every
// service uses, or auth.FieldErrors), or several joined (errors.Join, or
// any error with Unwrap() []error). fieldErrors reads them back for the
// forms, which show each message next to its field, and for the API,
// whose 422 lists them all.

// fieldMsg is one refused field with its Chinese message; Field is empty
// for a refusal of the request as a whole.
type fieldMsg struct{ Field, Msg string }

// fieldErrors lists the refused fields err carries, in the order the
// service found them; ok is false unless every error in err is a field's.
// A field error wrapped with context (fmt.Errorf("%s: %w", …)) keeps its
// context in the message unless it has a Message of its own.
func fieldErrors(err error) (out []fieldMsg, ok bool) {
	if err == nil {
		return nil, false
	}
	return fieldErrorsOf(err, err)
}

func fieldErrorsOf(err, shown error) ([]fieldMsg, bool) {
	if j, isJoin := err.(interface{ Unwrap() []error }); isJoin {
		var out []fieldMsg
		for _, e := range j.Unwrap() {
			fs, ok := fieldErrorsOf(e, e)
			if !ok {
				return nil, false
			}
			out = append(out, fs...)
		}
		return out, len(out) > 0
	}
	if fe, isField := err.(fieldError); isField {
		return []fieldMsg{{fe.Field(), errText(shown)}}, true
	}
	if inner := errors.Unwrap(err); inner != nil {
		return fieldErrorsOf(inner, shown)
	}
	return nil, false
}

// fieldErr is a refusal of one form field decided by the web layer
// itself (a number or a date that does not parse).
func fieldErr(field, msg string) error { return &input.FieldError{Name: field, Msg: msg} }

// formState carries a form's entered values and its errors by field, so a
// page re-rendered after a validation error keeps what was typed.
type formState struct {
	Values  map[string]string
	Errors  map[string]string
	Message string
}

func newForm() *formState {
	return &formState{Values: map[string]string{}, Errors: map[string]string{}}
}

// fail records an error under a field.
func (f *formState) fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

func (f *formState) ok() bool { return len(f.Errors) == 0 && f.Message == "" }

// err is the form's field errors as one refusal (nil when there are none),
// for a request that answers with an error rather than the form again: the
// fields in the order of their names.
func (f *formState) err() error {
	var errs []error
	for _, field := range slices.Sorted(maps.Keys(f.Errors)) {
		errs = append(errs, fieldErr(field, f.Errors[field]))
	}
	return errors.Join(errs...)
}

// readForm is a form holding the named fields as posted, trimmed.
func readForm(c *fiber.Ctx, names ...string) *formState {
	f := newForm()
	f.read(c, names...)
	return f
}

// read copies the named form fields, trimmed, into Values.
func (f *formState) read(c *fiber.Ctx, names ...string) {
	for _, n := range names {
		f.Values[n] = strings.TrimSpace(c.FormValue(n))
	}
}

// line applies the one text rule (input.Line) to a field read into the
// form, of at most max characters.
func (f *formState) line(name string, max int) {
	if err := input.Line(name, f.Values[name], max); err != nil {
		f.fail(name, errText(err))
	}
}

// refuse puts every refused field of err next to its field (a refusal
// of the whole request becomes the form's message) and reports whether
// err was such a refusal; any other error is left to the caller.
func (f *formState) refuse(err error) bool {
	fs, ok := fieldErrors(err)
	for _, fm := range fs {
		if fm.Field == "" {
			f.Message = fm.Msg
		} else {
			f.fail(fm.Field, fm.Msg)
		}
	}
	return ok
}

// refusalFor is the message a refused err shows in one row's form: the
// field's own message, else the refusal of the whole request; false when
// err is no refusal.
func refusalFor(err error, field string) (string, bool) {
	form := newForm()
	if !form.refuse(err) {
		return "", false
	}
	if msg := form.Errors[field]; msg != "" {
		return msg, true
	}
	return form.Message, true
}

func (f *formState) int64(name string) int64 {
	n, _ := strconv.ParseInt(f.Values[name], 10, 64)
	return n
}

// period reads the form's dates "from" and "to" (YYYY-MM-DD, Beijing time)
// into a half-open range: from the start of the first day to the end of
// the last. A bad date is reported next to its field and left unbounded,
// as is a last day before the first.
func (f *formState) period() (from, to time.Time) {
	for _, name := range []string{"from", "to"} {
		if f.Values[name] == "" {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", f.Values[name], shanghai)
		if err != nil {
			f.fail(name, "日期格式应为 YYYY-MM-DD")
			continue
		}
		// The database's times run to 9999-12-31, and the end of that day
		// is in the year 10000.
		if d.Year() < 1900 || d.Year() > 9998 {
			f.fail(name, "日期应在 1900 年至 9998 年之间")
			continue
		}
		if name == "from" {
			from = d
		} else {
			to = d.AddDate(0, 0, 1) // the whole last day
		}
	}
	if !to.IsZero() && from.After(to) {
		f.fail("to", "结束日期不能早于开始日期")
		to = time.Time{}
	}
	return from, to
}
