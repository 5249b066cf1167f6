package importer

import (
	"context"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// optionsSheet holds the lists the template's cells are validated against.
const optionsSheet = "选项"

// Template writes the kind's .xlsx template: the data sheet with its
// headers (text columns formatted as text, so codes and ID numbers keep
// their digits), drop-down lists for the columns with fixed values and the
// jurisdictions, and a sheet explaining each column with an example.
func (s *Service) Template(ctx context.Context, kind Kind, w io.Writer) error {
	sp, ok := specs[kind]
	if !ok {
		return fmt.Errorf("unknown import kind %q", kind)
	}
	js, err := s.store.Jurisdictions(ctx)
	if err != nil {
		return fmt.Errorf("jurisdictions: %w", err)
	}
	var jnames []string
	for _, j := range js {
		jnames = append(jnames, j.Name)
	}
	return writeTemplate(sp, jnames, w)
}

func writeTemplate(sp spec, jurisdictionNames []string, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sp.sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(optionsSheet); err != nil {
		return err
	}
	optCol := 0
	for i, col := range sp.columns {
		name := columnName(i)
		if err := f.SetCellValue(sp.sheet, name+"1", col.header); err != nil {
			return err
		}
		if err := f.SetColWidth(sp.sheet, name, name, 18); err != nil {
			return err
		}
		options := col.options
		if col.header == hJurisdiction || col.header == hServes {
			options = jurisdictionNames
		}
		if isTextColumn(col.header) {
			if err := f.SetColStyle(sp.sheet, name, text); err != nil {
				return err
			}
		}
		if len(options) == 0 || col.header == hServes {
			continue
		}
		oc := columnName(optCol)
		optCol++
		if err := f.SetCellValue(optionsSheet, oc+"1", col.header); err != nil {
			return err
		}
		for k, o := range options {
			if err := f.SetCellValue(optionsSheet, fmt.Sprintf("%s%d", oc, k+2), o); err != nil {
				return err
			}
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s1048576", name, name)
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", optionsSheet, oc, oc, len(options)+1))
		dv.SetError(excelize.DataValidationErrorStyleStop, "输入值无效", "请从下拉列表中选择")
		if err := f.AddDataValidation(sp.sheet, dv); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sp.sheet, "A1", columnName(len(sp.columns)-1)+"1", bold); err != nil {
		return err
	}
	if err := f.SetPanes(sp.sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := f.SetSheetVisible(optionsSheet, false); err != nil {
		return err
	}
	const help = "填写说明"
	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	rows := [][]any{{"列名", "是否必填", "说明", "示例"}}
	for _, col := range sp.columns {
		req := ""
		if col.required {
			req = "必填"
		}
		rows = append(rows, []any{col.header, req, col.note, col.example})
	}
	rows = append(rows, []any{}, []any{"说明:在“" + sp.sheet + "”工作表第 2 行起逐行填写,列的顺序可以调整,表头文字不能改;" +
		"金额以元为单位,最多两位小数;日期如 2024-03-15;请勿使用公式和合并单元格。"})
	for i, r := range rows {
		if err := f.SetSheetRow(help, fmt.Sprintf("A%d", i+1), &r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(help, "A", "D", 28); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// isTextColumn reports whether a column holds codes or numbers that must
// stay text (leading zeros, 18 digits, phone numbers).
func isTextColumn(header string) bool {
	switch header {
	case hCreditCode, hIDNumber, hPhone, hProjectCode, hDocNumber:
		return true
	}
	return false
}
