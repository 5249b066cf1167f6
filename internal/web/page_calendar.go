package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"finreview/internal/auth"
	"finreview/internal/calendar"
	"finreview/internal/deadline"
	"finreview/internal/input"
)

// maxCalendarCSV bounds an uploaded holiday file.
const maxCalendarCSV = 1 << 20

type calendarCoverage struct {
	Year                                 int
	BuiltIn, Database                    int
	Holidays, Makeups, Workdays          int
	Covered, Current, Selected, Override bool
}

type calendarCell struct {
	Day   int // 0: padding before the first day
	Class string
	Title string
}

type calendarMonth struct {
	Name  string
	Weeks [][]calendarCell
}

type calendarMove struct {
	ReviewID              int64
	Project, Kind         string
	OldDue, NewDue, Flags string
	Moved                 bool
}

type calendarChange struct {
	Date, Weekday, Before, After string
	WorkdayChanged               bool
}

type calendarPreview struct {
	FileName string
	CSV      string
	Years    string
	Rows     int
	Removed  []string
	Changes  []calendarChange
	Moves    []calendarMove
}

// calendarView is what calendar.html shows besides the layout fields.
type calendarView struct {
	Year         int
	PrevYear     int
	NextYear     int
	Coverage     []calendarCoverage
	Months       []calendarMonth
	DBDays       []deadline.CalendarDay
	Form         *formState
	Preview      *calendarPreview
	ImportErrors []string
	Version      string
}

func (a *App) calendarPage(c *fiber.Ctx) error {
	if _, err := require(c, auth.ManageCalendar); err != nil {
		return err
	}
	return a.renderCalendar(c, 200, calendarView{Form: newForm()})
}

func (a *App) renderCalendar(c *fiber.Ctx, status int, v calendarView) error {
	ctx := c.UserContext()
	now := a.now()
	if v.Year == 0 {
		y, err := yearParam(c, calendar.DateOf(now).Y)
		if err != nil {
			return err
		}
		v.Year = y
	}
	v.PrevYear, v.NextYear = v.Year-1, v.Year+1
	rows, err := a.svc.Calendar.CalendarDays(ctx)
	if err != nil {
		return err
	}
	dbDays := make([]calendar.Day, len(rows))
	for i, r := range rows {
		dbDays[i] = r.Day()
		if r.Date.Y == v.Year {
			v.DBDays = append(v.DBDays, r)
		}
	}
	cal := calendar.New(calendar.BuiltIn(), dbDays)
	v.Version = cal.Version()
	v.Coverage = calendarCoverageRows(cal, dbDays, calendar.DateOf(now).Y, v.Year)
	v.Months = calendarMonths(cal, v.Year)
	if v.Form == nil {
		v.Form = newForm()
	}
	title := "工作日历"
	return a.views.render(c, status, "calendar", a.page(c, title, map[string]any{
		"V": v, "Breadcrumb": []crumb{{Label: "系统管理"}, {Label: title}},
	}))
}

// calendarCoverageRows lists the years with data, the current and next
// year and the selected one, with the rows each has.
func calendarCoverageRows(cal *calendar.Calendar, dbDays []calendar.Day, current, selected int) []calendarCoverage {
	builtIn := map[int]int{}
	for _, d := range calendar.BuiltIn() {
		builtIn[d.Date.Y]++
	}
	db := map[int]int{}
	for _, d := range dbDays {
		db[d.Date.Y]++
	}
	years := map[int]bool{current: true, current + 1: true, selected: true}
	for _, y := range cal.Years() {
		years[y] = true
	}
	var out []calendarCoverage
	for y := range years {
		row := calendarCoverage{Year: y, BuiltIn: builtIn[y], Database: db[y], Covered: cal.HasYear(y),
			Current: y == current, Selected: y == selected, Override: builtIn[y] > 0 && db[y] > 0}
		for d := calendar.NewDate(y, time.January, 1); d.Y == y; d = d.AddDays(1) {
			if cal.IsWorkday(d) {
				row.Workdays++
			}
			if day, ok := cal.Lookup(d); ok {
				if day.Kind == calendar.Holiday {
					row.Holidays++
				} else {
					row.Makeups++
				}
			}
		}
		out = append(out, row)
	}
	for i := 1; i < len(out); i++ { // few rows: insertion sort by year
		for j := i; j > 0 && out[j].Year < out[j-1].Year; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// calendarMonths lays out a year as twelve month grids, weeks from Monday.
func calendarMonths(cal *calendar.Calendar, year int) []calendarMonth {
	months := make([]calendarMonth, 0, 12)
	for m := time.January; m <= time.December; m++ {
		cm := calendarMonth{Name: fmt.Sprintf("%d月", int(m))}
		first := calendar.NewDate(year, m, 1)
		pad := (int(first.Weekday()) + 6) % 7 // Monday = 0
		week := make([]calendarCell, pad)
		for d := first; d.M == m; d = d.AddDays(1) {
			cell := calendarCell{Day: d.D}
			st := deadline.StatusOf(cal, d)
			switch {
			case st.Listed && st.Kind == calendar.Holiday:
				cell.Class, cell.Title = "cal-holiday", d.String()+" "+st.Label()
			case st.Listed:
				cell.Class, cell.Title = "cal-makeup", d.String()+" "+st.Label()
			case !st.Workday:
				cell.Class, cell.Title = "cal-rest", d.String()+" 休息日"
			default:
				cell.Title = d.String() + " 工作日"
			}
			week = append(week, cell)
			if len(week) == 7 {
				cm.Weeks = append(cm.Weeks, week)
				week = nil
			}
		}
		if len(week) > 0 {
			cm.Weeks = append(cm.Weeks, week)
		}
		months = append(months, cm)
	}
	return months
}

func (a *App) calendarSetDay(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageCalendar)
	if err != nil {
		return err
	}
	form := readForm(c, "date", "kind", "name")
	date, derr := calendar.ParseDate(form.Values["date"])
	day := calendar.Day{Date: date, Kind: calendar.DayKind(form.Values["kind"]), Name: form.Values["name"]}
	var edit deadline.CalendarEdit
	if derr != nil {
		form.fail("date", "日期应为 YYYY-MM-DD 格式的真实日期")
		// Nothing is saved; the day's other fields are still checked.
		err = deadline.ValidateDay(day)
	} else {
		edit, err = a.svc.Calendar.SetDay(c.UserContext(), p, day)
	}
	if err != nil && !form.refuse(err) {
		return err
	}
	if !form.ok() {
		return a.renderCalendar(c, 422, calendarView{Year: date.Y, Form: form})
	}
	msg := fmt.Sprintf("已保存 %s %s", date, deadline.StatusOf(edit.Calendar, date).Label())
	return c.Redirect(calendarRedirect(date.Y, msg+movesNote(edit.Moves)), fiber.StatusSeeOther)
}

func (a *App) calendarDeleteDay(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageCalendar)
	if err != nil {
		return err
	}
	date, err := calendar.ParseDate(strings.TrimSpace(c.FormValue("date")))
	if err != nil {
		return badRequest("日期应为 YYYY-MM-DD")
	}
	edit, err := a.svc.Calendar.DeleteDay(c.UserContext(), p, date)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("已删除 %s 的数据库记录,现为%s", date, deadline.StatusOf(edit.Calendar, date).Label())
	return c.Redirect(calendarRedirect(date.Y, msg+movesNote(edit.Moves)), fiber.StatusSeeOther)
}

// calendarCSV reads the holiday file from the upload (file) or, on
// confirmation, from the form field csv.
func calendarCSV(c *fiber.Ctx) (name, body string, err error) {
	if fh, ferr := c.FormFile("file"); ferr == nil {
		if fh.Size > maxCalendarCSV {
			return fh.Filename, "", errors.New("文件过大(上限 1 MB)")
		}
		f, err := fh.Open()
		if err != nil {
			return fh.Filename, "", fmt.Errorf("读取上传文件失败: %w", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxCalendarCSV+1))
		if err != nil {
			return fh.Filename, "", fmt.Errorf("读取上传文件失败: %w", err)
		}
		return fh.Filename, string(b), nil
	}
	body = c.FormValue("csv")
	if strings.TrimSpace(body) == "" {
		return "", "", errors.New("请选择节假日 CSV 文件")
	}
	if len(body) > maxCalendarCSV {
		return "", "", errors.New("文件过大(上限 1 MB)")
	}
	return c.FormValue("file_name"), body, nil
}

// calendarFile is an uploaded holiday file.
type calendarFile struct {
	name, body string
	rows       int
}

// importProblems are what the calendar page lists of a refused import.
type importProblems []string

func (p importProblems) Error() string { return strings.Join(p, "; ") }

// calendarImportStep reads the uploaded holiday file and takes its days a
// step (plan or apply). A file that cannot be read or parsed, and days the
// service refuses, are importProblems.
func calendarImportStep(c *fiber.Ctx, step func(context.Context, []calendar.Day) (deadline.CalendarEdit, error)) (calendarFile, deadline.CalendarEdit, error) {
	name, body, err := calendarCSV(c)
	if err != nil {
		return calendarFile{}, deadline.CalendarEdit{}, importProblems{err.Error()}
	}
	days, problems := parseCalendarCSV(body)
	if len(problems) > 0 {
		return calendarFile{}, deadline.CalendarEdit{}, importProblems(problems)
	}
	edit, err := step(c.UserContext(), days)
	var fe *input.FieldError
	if errors.As(err, &fe) {
		err = importProblems{fe.Msg}
	}
	return calendarFile{name, body, len(days)}, edit, err
}

// refusedCalendarImport lists the problems of a refused import on the
// calendar page (422); any other error is the error page's.
func (a *App) refusedCalendarImport(c *fiber.Ctx, err error) error {
	var problems importProblems
	if !errors.As(err, &problems) {
		return err
	}
	return a.renderCalendar(c, 422, calendarView{ImportErrors: problems})
}

// parseCalendarCSV validates a file, returning each problem as a line.
func parseCalendarCSV(body string) ([]calendar.Day, []string) {
	days, err := calendar.ParseCSV(strings.NewReader(body))
	if err == nil {
		return days, nil
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var out []string
		for _, e := range joined.Unwrap() {
			out = append(out, e.Error())
		}
		return nil, out
	}
	return nil, []string{err.Error()}
}

func (a *App) calendarImportPreview(c *fiber.Ctx) error {
	if _, err := require(c, auth.ManageCalendar); err != nil {
		return err
	}
	f, edit, err := calendarImportStep(c, a.svc.Calendar.PlanImport)
	if err != nil {
		return a.refusedCalendarImport(c, err)
	}
	pv := &calendarPreview{FileName: f.name, CSV: f.body, Rows: f.rows}
	years := make([]string, len(edit.Years))
	for i, y := range edit.Years {
		years[i] = strconv.Itoa(y)
	}
	pv.Years = strings.Join(years, "、")
	for _, d := range edit.Removed {
		pv.Removed = append(pv.Removed, d.String())
	}
	for _, ch := range edit.Changes {
		pv.Changes = append(pv.Changes, calendarChange{Date: ch.Date.String(), Weekday: weekdayLabel(ch.Date.Weekday()),
			Before: ch.Before.Label(), After: ch.After.Label(), WorkdayChanged: ch.WorkdayChanged()})
	}
	pv.Moves = a.calendarMoves(c, edit.Moves)
	year := 0
	if len(edit.Years) > 0 {
		year = edit.Years[0]
	}
	return a.renderCalendar(c, 200, calendarView{Year: year, Preview: pv})
}

func (a *App) calendarImport(c *fiber.Ctx) error {
	p, err := require(c, auth.ManageCalendar)
	if err != nil {
		return err
	}
	_, edit, err := calendarImportStep(c, func(ctx context.Context, days []calendar.Day) (deadline.CalendarEdit, error) {
		return a.svc.Calendar.ApplyImport(ctx, p, days)
	})
	if err != nil {
		return a.refusedCalendarImport(c, err)
	}
	msg := fmt.Sprintf("已导入 %s 年节假日数据 %d 行,%d 天的安排有变化", yearList(edit.Years), len(edit.Rows), len(edit.Changes))
	return c.Redirect(calendarRedirect(edit.Years[0], msg+movesNote(edit.Moves)), fiber.StatusSeeOther)
}

// calendarMoves describes moved deadlines with their projects.
func (a *App) calendarMoves(c *fiber.Ctx, moves []deadline.Move) []calendarMove {
	out := make([]calendarMove, 0, len(moves))
	for _, m := range moves {
		row := calendarMove{ReviewID: m.ReviewID, Kind: m.Kind.Label(), OldDue: calendar.DateOf(m.OldDue).String(),
			NewDue: calendar.DateOf(m.NewDue).String(), Moved: m.Moved()}
		if r, err := a.svc.Reviews.Review(c.UserContext(), auth.SystemPrincipal(), m.ReviewID); err == nil {
			row.Project = r.ProjectCode + " " + r.ProjectName
		}
		switch {
		case m.OldFlagged.Valid && !m.NewFlagged.Valid:
			row.Flags = fmt.Sprintf("%d 年数据已补录,取消标记", m.OldFlagged.Int64)
		case m.NewFlagged.Valid:
			row.Flags = fmt.Sprintf("%d 年仍无数据", m.NewFlagged.Int64)
		}
		out = append(out, row)
	}
	return out
}

// movesNote summarises re-computed deadlines for the flash message.
func movesNote(moves []deadline.Move) string {
	if len(moves) == 0 {
		return ";没有未到期的期限受影响。"
	}
	parts := make([]string, 0, 5)
	for i, m := range moves {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("等共 %d 个", len(moves)))
			break
		}
		parts = append(parts, m.String())
	}
	return fmt.Sprintf(";%d 个未到期期限已重新计算:%s。", len(moves), strings.Join(parts, ";"))
}

func calendarRedirect(year int, msg string) string {
	return withMsg("/admin/calendar?year="+strconv.Itoa(year), msg)
}

func yearList(years []int) string {
	parts := make([]string, len(years))
	for i, y := range years {
		parts[i] = strconv.Itoa(y)
	}
	return strings.Join(parts, "、")
}

func weekdayLabel(wd time.Weekday) string {
	return [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}[wd]
}
