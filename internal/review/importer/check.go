package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/input"
	"finreview/internal/store"
)

// Problem is one thing wrong with one cell of the file.
type Problem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("第 %d 行:%s", p.Row, p.Message)
	}
	return fmt.Sprintf("第 %d 行,“%s”列:%s", p.Row, p.Column, p.Message)
}

// maxProblems is how many problems a report lists; the rest are counted.
const maxProblems = 1000

// batchRows is how many rows are checked against the database, and
// written, together. It keeps every IN list of the checks under MariaDB's
// in_predicate_conversion_threshold (1000), past which the list becomes a
// derived table and the lookups stop using their indexes.
const batchRows = 500

// row is one data row: its number in the sheet and its cells by header.
type row struct {
	n     int
	cells map[string]cell
}

// batch handles one register's rows: parse adds a row (reporting its own
// problems), check compares the rows added since the last reset with the
// database, insert writes the new ones.
type batch interface {
	parse(r row)
	check(ctx context.Context, q *store.Queries) error
	insert(ctx context.Context, q *store.Queries, importID int64, at time.Time) error
	// count is how many of the rows checked are new.
	count() int
	reset()
}

// checker holds what one run knows: the problems so far, the counts, the
// jurisdictions, and the keys seen earlier in the file.
type checker struct {
	loc *time.Location
	// limit is the only jurisdiction rows may belong to (0: any).
	limit         int64
	problems      []Problem
	more          int
	rows          int
	added         int
	existing      int
	jurisdictions map[string]store.Jurisdiction
	seen          map[string]int
}

func (c *checker) problem(r row, header, format string, args ...any) {
	if len(c.problems) >= maxProblems {
		c.more++
		return
	}
	c.problems = append(c.problems, Problem{Row: r.n, Column: header, Message: fmt.Sprintf(format, args...)})
}

// known takes a row the database has already: counted as imported before
// when it is the same thing (same), reported as a problem otherwise.
func (c *checker) known(r row, same bool, header, format string, args ...any) {
	if same {
		c.existing++
		return
	}
	c.problem(r, header, format, args...)
}

// reported counts the problems found so far, those past the limit too.
func (c *checker) reported() int { return len(c.problems) + c.more }

func (c *checker) failed() bool { return len(c.problems) > 0 || c.more > 0 }

// text reads a text cell: required or not, at most max characters.
func (c *checker) text(r row, header string, required bool, max int) string {
	s := textValue(r.cells[header])
	if s == "" {
		if required {
			c.problem(r, header, "必填,不能为空")
		}
		return ""
	}
	// The one rule for typed text: valid UTF-8, no control or
	// bidirectional formatting characters, at most max characters.
	if err := input.Line(header, s, max); err != nil {
		var fe *input.FieldError
		if errors.As(err, &fe) {
			c.problem(r, header, "%s", fe.Msg)
		} else {
			c.problem(r, header, "%v", err)
		}
		return ""
	}
	return s
}

func (c *checker) amount(r row, header string, required bool) (decimal.Decimal, bool) {
	cl, ok := r.cells[header]
	if !ok || strings.TrimSpace(cl.Value) == "" {
		if required {
			c.problem(r, header, "必填,不能为空")
		}
		return decimal.Decimal{}, false
	}
	d, msg := parseAmount(cl)
	if msg != "" {
		c.problem(r, header, "%s", msg)
		return decimal.Decimal{}, false
	}
	return d, true
}

func (c *checker) date(r row, header string) (time.Time, bool) {
	cl, ok := r.cells[header]
	if !ok || strings.TrimSpace(cl.Value) == "" {
		c.problem(r, header, "必填,不能为空")
		return time.Time{}, false
	}
	t, msg := parseDate(cl, c.loc)
	if msg != "" {
		c.problem(r, header, "%s", msg)
		return time.Time{}, false
	}
	return t, true
}

// choice reads a value that must be one of options (label → code); def
// when the cell is empty and not required.
func (c *checker) choice(r row, header string, options map[string]string, required bool, def string) string {
	s := c.text(r, header, required, 64)
	if s == "" {
		return def
	}
	if code, ok := options[s]; ok {
		return code
	}
	c.problem(r, header, "“%s”不是可选值(可选:%s)", s, strings.Join(keys(options), "、"))
	return ""
}

func (c *checker) jurisdiction(r row, header string) int64 {
	s := c.text(r, header, true, 64)
	if s == "" {
		return 0
	}
	j, ok := c.jurisdictions[s]
	if !ok {
		c.problem(r, header, "未知的区划“%s”", s)
		return 0
	}
	if !c.inScope(r, header, j.ID) {
		return 0
	}
	return j.ID
}

// inScope reports whether a row of jurisdiction j may be imported by the
// actor; a problem otherwise.
func (c *checker) inScope(r row, header string, j int64) bool {
	if c.limit == 0 || j == c.limit {
		return true
	}
	c.problem(r, header, "只能导入本区划的数据")
	return false
}

func (c *checker) jurisdictionList(r row, header string) []int64 {
	var out []int64
	for _, s := range splitList(textValue(r.cells[header])) {
		j, ok := c.jurisdictions[s]
		if !ok {
			c.problem(r, header, "未知的区划“%s”", s)
			continue
		}
		if c.inScope(r, header, j.ID) {
			out = append(out, j.ID)
		}
	}
	return out
}

// creditCode reads a 统一社会信用代码 and checks its check character.
func (c *checker) creditCode(r row, header string, required bool) string {
	s := strings.ToUpper(c.text(r, header, required, 32))
	if s != "" && !ValidCreditCode(s) {
		c.problem(r, header, "统一社会信用代码“%s”无效(应为 18 位,校验位不符合 GB 32100-2015)", s)
		return ""
	}
	return s
}

// idNumber reads a 公民身份号码 and checks its check character.
func (c *checker) idNumber(r row, header string) string {
	s := strings.ToUpper(c.text(r, header, false, 32))
	if s != "" && !ValidIDNumber(s) {
		if r.cells[header].Numeric {
			c.problem(r, header, "身份证号无效:该单元格为数字,18 位号码会失真,请将该列设为文本后重新填写")
		} else {
			c.problem(r, header, "身份证号无效(应为 18 位,出生日期或校验位不符合 GB 11643-1999)")
		}
		return ""
	}
	return s
}

func (c *checker) phone(r row, header string) string {
	s := c.text(r, header, false, 32)
	for _, ch := range s {
		if !(ch >= '0' && ch <= '9' || ch == '-' || ch == ' ' || ch == '+' || ch == '(' || ch == ')' || ch == '转') {
			c.problem(r, header, "电话号码只能含数字和“-”")
			return ""
		}
	}
	return s
}

// once reports whether a value of a kind of key appears for the first time in the file; a
// repeat is a problem naming the earlier row.
func (c *checker) once(r row, header, kind, value string) bool {
	if value == "" {
		return true
	}
	key := kind + ":" + value
	if first, ok := c.seen[key]; ok {
		c.problem(r, header, "与第 %d 行重复", first)
		return false
	}
	c.seen[key] = r.n
	return true
}

// normalizeHeader drops spaces and required-field marks from a header.
func normalizeHeader(s string) string {
	s = strings.Join(strings.Fields(s), "")
	for _, mark := range []string{"*", "＊", "(必填)", "（必填）"} {
		s = strings.ReplaceAll(s, mark, "")
	}
	return s
}

// run reads the kind's sheet row by row: each row is parsed and checked, a
// batch at a time against the database, and, when write is set and no
// problem has been found so far, the batch's new rows are inserted.
func run(ctx context.Context, q *store.Queries, a Actor, kind Kind, file io.ReaderAt, size int64, loc *time.Location,
	write bool, importID int64, at time.Time, progress func(int)) (*checker, error) {
	sp, ok := specs[kind]
	if !ok {
		return nil, fmt.Errorf("unknown import kind %q", kind)
	}
	js, err := q.Jurisdictions(ctx)
	if err != nil {
		return nil, fmt.Errorf("jurisdictions: %w", err)
	}
	c := &checker{loc: loc, limit: a.Jurisdiction, jurisdictions: map[string]store.Jurisdiction{}, seen: map[string]int{}}
	for _, j := range js {
		c.jurisdictions[j.Name] = j
	}
	sh, err := openSheet(file, size, sp.sheet)
	if err != nil {
		return nil, err
	}
	defer sh.close()
	headerRow, cells, err := sh.next()
	if err == io.EOF {
		return nil, fileErr("工作表“%s”是空的:第一行应为表头", sp.sheet)
	}
	if err != nil {
		return nil, err
	}
	cols, err := headerColumns(sp, headerRow, cells)
	if err != nil {
		return nil, err
	}
	b := sp.batch(c)
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		if err := b.check(ctx, q); err != nil {
			return err
		}
		if !write {
			c.added += b.count()
		} else if !c.failed() {
			if err := b.insert(ctx, q, importID, at); err != nil {
				return err
			}
		}
		b.reset()
		pending = 0
		if progress != nil {
			progress(c.rows)
		}
		return nil
	}
	for {
		n, cells, err := sh.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		r := row{n: n, cells: make(map[string]cell, len(cols))}
		empty := true
		for i, cl := range cells {
			h, ok := cols[i]
			if !ok {
				continue
			}
			if cl.Formula {
				// Reported once here; its cached value is checked as usual.
				c.problem(r, h, "单元格是公式,请改为数值(复制后“选择性粘贴—数值”)")
			}
			if strings.TrimSpace(cl.Value) != "" || cl.Formula {
				empty = false
			}
			r.cells[h] = cl
		}
		if empty {
			continue
		}
		c.rows++
		b.parse(r)
		if pending++; pending >= batchRows {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if m := sh.mergedIn(headerRow); m != "" {
		return nil, fileErr("表头含有合并单元格 %s,请取消合并,每列一个表头", m)
	}
	if c.rows == 0 {
		return nil, fileErr("工作表“%s”没有数据行", sp.sheet)
	}
	return c, nil
}

// headerColumns maps the sheet's columns to the kind's headers, in any
// order; a missing required header, a repeated one or a formula is a
// file error.
func headerColumns(sp spec, headerRow int, cells []cell) (map[int]string, error) {
	known := map[string]bool{}
	for _, col := range sp.columns {
		known[col.header] = true
	}
	cols := map[int]string{}
	at := map[string]int{}
	for i, cl := range cells {
		if cl.Formula {
			return nil, fileErr("表头单元格 %s%d 是公式,表头应为文字", columnName(i), headerRow)
		}
		h := normalizeHeader(cl.Value)
		if !known[h] {
			continue // other columns (备注 and the like) are left alone
		}
		if prev, ok := at[h]; ok {
			return nil, fileErr("表头“%s”出现了两次(%s 列和 %s 列)", h, columnName(prev), columnName(i))
		}
		at[h] = i
		cols[i] = h
	}
	var missing []string
	for _, col := range sp.columns {
		if _, ok := at[col.header]; !ok && col.required {
			missing = append(missing, "“"+col.header+"”")
		}
	}
	if len(missing) > 0 {
		return nil, fileErr("第 %d 行(表头)缺少列 %s;请使用下载的模板", headerRow, strings.Join(missing, "、"))
	}
	return cols, nil
}

// atoi reads a whole number of at most max, 0 for an empty cell.
func (c *checker) count(r row, header string, max int) int {
	s := textValue(r.cells[header])
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max {
		c.problem(r, header, "应为 0 至 %d 的整数", max)
		return 0
	}
	return n
}
