package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"finreview/internal/review/importer"
)

const importUsage = `用法:
  finreview import KIND --file 文件.xlsx [--dry-run]   导入(--dry-run 只检查,不写入)
  finreview import template KIND --out 文件.xlsx         下载导入模板
KIND:organizations(单位)、firms(中介机构)、experts(专家)、projects(项目)、reviews(历史评审)
`

// importCmd runs `import KIND --file F [--dry-run]` and
// `import template KIND --out F`. Rows with problems: one line each on
// stderr (row, column header, reason), non-zero exit, nothing written.
func (c *cli) importCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "template" {
		return c.importTemplate(ctx, args[1:])
	}
	fs := c.flags("import")
	file := fs.String("file", "", "要导入的 .xlsx 文件")
	dry := fs.Bool("dry-run", false, "只检查,不写入")
	kind, err := c.importArgs(fs, args, file)
	if err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("打开文件:%w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("读取文件:%w", err)
	}
	e, err := c.open(ctx, !*dry)
	if err != nil {
		return err
	}
	defer e.close()
	svc := importer.New(importer.Options{Store: e.db, Objects: e.objects, Log: e.log})
	progress := c.progress(kind)
	var rep importer.Report
	if *dry {
		rep, err = svc.Check(ctx, importer.Actor{Name: "命令行检查"}, kind, f, st.Size(), progress)
	} else {
		user := c.getenv("USER")
		if user == "" {
			user = "未知"
		}
		rep, err = svc.Import(ctx, importer.Actor{Name: "命令行导入(" + user + ")"}, kind, st.Name(), f, st.Size(), progress)
	}
	if progress != nil {
		fmt.Fprintln(c.stderr)
	}
	var fe *importer.FileError
	switch {
	case errors.As(err, &fe):
		fmt.Fprintln(c.stderr, fe.Message)
		return fmt.Errorf("文件无法导入,未写入任何数据")
	case err != nil && !errors.Is(err, importer.ErrInvalid):
		return err
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(c.stderr, p.String())
		}
		if rep.MoreProblems > 0 {
			fmt.Fprintf(c.stderr, "另有 %d 个问题未列出\n", rep.MoreProblems)
		}
		return fmt.Errorf("%d 行数据中有问题,未写入任何数据;请修改文件后重新导入", rep.Rows)
	}
	switch {
	case *dry:
		fmt.Fprintf(c.stdout, "检查通过:共 %d 行,将新增 %d 行,已存在 %d 行(未写入)\n", rep.Rows, rep.New, rep.Existing)
	case rep.ImportID == 0:
		fmt.Fprintf(c.stdout, "共 %d 行,均已存在,未作改动\n", rep.Rows)
	default:
		fmt.Fprintf(c.stdout, "导入完成:第 %d 次导入,共 %d 行,新增 %d 行,已存在 %d 行;文件 SHA-256 %s\n",
			rep.ImportID, rep.Rows, rep.New, rep.Existing, rep.SHA256)
	}
	return nil
}

// importArgs reads `KIND --flag…` with fs, whose file flag (--file or
// --out) is required; errUsage, with the usage on stderr, otherwise.
func (c *cli) importArgs(fs *flag.FlagSet, args []string, file *string) (importer.Kind, error) {
	if len(args) == 0 {
		return "", c.misuse(importUsage)
	}
	kind, err := importer.ParseKind(args[0])
	if err != nil {
		fmt.Fprintf(c.stderr, "%v\n%s", err, importUsage)
		return "", errUsage
	}
	if err := fs.Parse(args[1:]); err != nil || *file == "" || fs.NArg() > 0 {
		return "", c.misuse(importUsage)
	}
	return kind, nil
}

// progress returns a progress line printer when stderr is a terminal
// (scripts read stderr for the rows' problems only).
func (c *cli) progress(kind importer.Kind) func(int) {
	f, ok := c.stderr.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(rows int) {
		fmt.Fprintf(f, "\r%s:已检查 %d 行", kind.Label(), rows)
	}
}

func (c *cli) importTemplate(ctx context.Context, args []string) error {
	fs := c.flags("import template")
	out := fs.String("out", "", "模板写入的 .xlsx 文件")
	kind, err := c.importArgs(fs, args, out)
	if err != nil {
		return err
	}
	e, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.close()
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("创建文件:%w", err)
	}
	svc := importer.New(importer.Options{Store: e.db, Log: e.log})
	if err := svc.Template(ctx, kind, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "已写入%s导入模板:%s\n", kind.Label(), *out)
	return nil
}
