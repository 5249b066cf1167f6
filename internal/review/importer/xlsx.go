package importer

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// The sheet reader streams a worksheet's XML straight from the .xlsx
// package, one row at a time, so a file of any length is read in bounded
// memory. It reads what excelize's row iterator does not tell: whether a
// cell holds a number or text (an amount typed as a number is read as the
// shortest decimal of that number) and whether it holds a formula, and the
// merged ranges listed after the rows.

// FileError is a file that cannot be imported at all (not an .xlsx, a
// password, a missing sheet or header); Message is Chinese for people.
type FileError struct{ Message string }

func (e *FileError) Error() string { return e.Message }

func fileErr(format string, args ...any) *FileError {
	return &FileError{Message: fmt.Sprintf(format, args...)}
}

// maxSheetBytes bounds a worksheet's XML after decompression (100,000
// review rows take about 30 MiB).
const maxSheetBytes = 1 << 30

// maxSharedStrings bounds the shared-string table, the one part of the
// package held in memory (a zip bomb must not exhaust it).
const maxSharedStrings = 64 << 20

// Excel's own limits: rows and columns of a sheet, characters of a cell.
const (
	maxRows      = 1048576
	maxColumns   = 16384
	maxCellBytes = 32767 * 4
)

// cell is one cell as stored: its text (a number as written in the file),
// whether it is a number, whether it holds a formula.
type cell struct {
	Value   string
	Numeric bool
	Formula bool
}

type sheetReader struct {
	rc     io.ReadCloser
	dec    *xml.Decoder
	sst    []string
	merges []string
	row    int
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// encryptionInfo is "EncryptionInfo" in UTF-16LE, the stream name an
// encrypted (password-protected) workbook's OLE container holds.
var encryptionInfo = []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o\x00")

// openSheet opens the named worksheet of an .xlsx package.
func openSheet(r io.ReaderAt, size int64, sheet string) (*sheetReader, error) {
	head := make([]byte, 8)
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fileErr("文件为空或不是 .xlsx 文件")
	}
	if bytes.Equal(head, oleMagic) {
		if containsStream(io.NewSectionReader(r, 0, size), encryptionInfo) {
			return nil, fileErr("工作簿设有打开密码(已加密),无法读取;请取消密码后重新上传")
		}
		return nil, fileErr("这是旧版 Excel(.xls)文件,请另存为 .xlsx 后重新上传")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fileErr("文件不是 .xlsx 格式(无法按 Excel 工作簿读取)")
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	target, err := sheetTarget(files, sheet)
	if err != nil {
		return nil, err
	}
	s := &sheetReader{}
	if f, ok := files["xl/sharedStrings.xml"]; ok {
		if f.UncompressedSize64 > maxSharedStrings {
			return nil, fileErr("工作簿的共享字符串过大(超过 %d MiB)", maxSharedStrings>>20)
		}
		if s.sst, err = readSharedStrings(f); err != nil {
			return nil, fileErr("工作簿已损坏:共享字符串无法读取")
		}
	}
	f, ok := files[target]
	if !ok {
		return nil, fileErr("工作簿已损坏:找不到工作表“%s”的内容", sheet)
	}
	if f.UncompressedSize64 > maxSheetBytes {
		return nil, fileErr("工作表“%s”过大(解压后超过 %d MiB)", sheet, maxSheetBytes>>20)
	}
	if s.rc, err = f.Open(); err != nil {
		return nil, fileErr("工作簿已损坏:工作表“%s”无法读取", sheet)
	}
	// archive/zip stops at the declared size, so the limit holds for
	// what is decompressed, not only for what the package claims.
	s.dec = xml.NewDecoder(bufio.NewReaderSize(s.rc, 64<<10))
	return s, nil
}

func containsStream(r io.Reader, pattern []byte) bool {
	br := bufio.NewReaderSize(r, 1<<16)
	buf := make([]byte, 0, 1<<17)
	chunk := make([]byte, 1<<16)
	for {
		n, err := br.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if bytes.Contains(buf, pattern) {
			return true
		}
		if len(buf) > len(pattern) {
			buf = append(buf[:0], buf[len(buf)-len(pattern):]...)
		}
		if err != nil {
			return false
		}
	}
}

// sheetTarget finds the package path of the named sheet through the
// workbook and its relationships.
func sheetTarget(files map[string]*zip.File, sheet string) (string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(files, "xl/workbook.xml", &wb); err != nil {
		return "", fileErr("文件不是 .xlsx 格式(缺少工作簿结构)")
	}
	if err := decodePart(files, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", fileErr("文件不是 .xlsx 格式(缺少工作簿关系)")
	}
	var names []string
	for _, sh := range wb.Sheets {
		names = append(names, "“"+sh.Name+"”")
		if strings.TrimSpace(sh.Name) != sheet {
			continue
		}
		for _, rel := range rels.Rels {
			if rel.ID == sh.RID {
				t := rel.Target
				if strings.HasPrefix(t, "/") {
					return strings.TrimPrefix(t, "/"), nil
				}
				return path.Join("xl", t), nil
			}
		}
	}
	return "", fileErr("缺少工作表“%s”(工作簿中的工作表:%s);请使用下载的模板", sheet, strings.Join(names, "、"))
}

func decodePart(files map[string]*zip.File, name string, v any) error {
	f, ok := files[name]
	if !ok {
		return errors.New("missing " + name)
	}
	if f.UncompressedSize64 > 16<<20 {
		return errors.New("part too large: " + name)
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// readSharedStrings reads the shared-string table: each <si>'s text runs
// joined, phonetic guides (<rPh>) left out.
func readSharedStrings(f *zip.File) ([]string, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec := xml.NewDecoder(bufio.NewReader(rc))
	var out []string
	var b strings.Builder
	inT, skip := false, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				b.Reset()
			case "rPh":
				skip++
			case "t":
				inT = skip == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				out = append(out, b.String())
			case "rPh":
				skip--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				b.Write(t)
			}
		}
	}
}

// next returns the next row that has cells, its 1-based number and its
// cells by 0-based column; io.EOF after the last row, once the merged
// ranges after the rows have been read.
func (s *sheetReader) next() (int, []cell, error) {
	for {
		tok, err := s.dec.Token()
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		if err != nil {
			return 0, nil, fileErr("工作表内容已损坏,无法读取")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				n := s.row + 1
				if v := attr(t, "r"); v != "" {
					if n, err = strconv.Atoi(v); err != nil || n <= s.row {
						return 0, nil, fileErr("工作表内容已损坏:行号 %q 无效", v)
					}
				}
				if n > maxRows {
					return 0, nil, fileErr("工作表超过 %d 行", maxRows)
				}
				s.row = n
				cells, err := s.readRow()
				if err != nil {
					return 0, nil, err
				}
				if len(cells) > 0 {
					return n, cells, nil
				}
			case "mergeCell":
				s.merges = append(s.merges, attr(t, "ref"))
			}
		}
	}
}

// readRow reads the cells of the current <row> up to its end.
func (s *sheetReader) readRow() ([]cell, error) {
	var cells []cell
	col := -1
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return nil, fileErr("工作表第 %d 行已损坏,无法读取", s.row)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			if ref := attr(t, "r"); ref != "" {
				c, _, ok := splitRef(ref)
				if !ok || c >= maxColumns {
					return nil, fileErr("工作表第 %d 行已损坏:单元格 %q 无效", s.row, ref)
				}
				col = c
			} else if col++; col >= maxColumns {
				return nil, fileErr("工作表第 %d 行超过 %d 列", s.row, maxColumns)
			}
			c, err := s.readCell(attr(t, "t"))
			if err != nil {
				return nil, err
			}
			if c.Value == "" && !c.Formula {
				continue
			}
			for len(cells) <= col {
				cells = append(cells, cell{})
			}
			cells[col] = c
		case xml.EndElement:
			if t.Name.Local == "row" {
				return cells, nil
			}
		}
	}
}

// readCell reads a <c> element's content given its type attribute.
func (s *sheetReader) readCell(typ string) (cell, error) {
	var c cell
	var v, inline strings.Builder
	in := ""
	depth := 1
	for depth > 0 {
		tok, err := s.dec.Token()
		if err != nil {
			return c, fileErr("工作表第 %d 行已损坏,无法读取", s.row)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			in = t.Name.Local
			if in == "f" {
				c.Formula = true
			}
		case xml.EndElement:
			depth--
			in = ""
		case xml.CharData:
			switch in {
			case "v":
				v.Write(t)
			case "t":
				inline.Write(t)
			}
			if v.Len()+inline.Len() > maxCellBytes {
				return c, fileErr("工作表第 %d 行有单元格超过 32767 个字符", s.row)
			}
		}
	}
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v.String()))
		if err != nil || i < 0 || i >= len(s.sst) {
			return c, fileErr("工作表第 %d 行已损坏:共享字符串编号无效", s.row)
		}
		c.Value = s.sst[i]
	case "inlineStr":
		c.Value = inline.String()
	case "", "n":
		c.Value, c.Numeric = strings.TrimSpace(v.String()), true
	case "b":
		c.Value = map[string]string{"1": "TRUE", "0": "FALSE"}[v.String()]
	default: // str (a formula's text), e (an error value), d (ISO date)
		c.Value = v.String()
	}
	return c, nil
}

// mergedIn returns the first merged range that covers any cell of row.
func (s *sheetReader) mergedIn(row int) string {
	for _, m := range s.merges {
		from, to, ok := strings.Cut(m, ":")
		if !ok {
			continue
		}
		_, r1, ok1 := splitRef(from)
		_, r2, ok2 := splitRef(to)
		if ok1 && ok2 && r1 <= row && row <= r2 {
			return m
		}
	}
	return ""
}

func (s *sheetReader) close() {
	if s.rc != nil {
		s.rc.Close()
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// splitRef turns "AB12" into column 27 (0-based) and row 12.
func splitRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	if i == 0 || i > 3 {
		return 0, 0, false
	}
	row, err := strconv.Atoi(ref[i:])
	if err != nil || row < 1 {
		return 0, 0, false
	}
	return col - 1, row, true
}

// columnName turns a 0-based column into its letters (0 → A, 27 → AB).
func columnName(col int) string {
	name := ""
	for col++; col > 0; col = (col - 1) / 26 {
		name = string(rune('A'+(col-1)%26)) + name
	}
	return name
}
