package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"finreview/internal/docs"
	"finreview/internal/signature"
	"finreview/internal/store"
)

const paperUsage = `用法:
  finreview paper keygen --out 文件     生成 SM2 签名私钥(PEM),供 FINREVIEW_SM2_KEY_FILE 使用
  finreview paper verify --doc-number 文号   核对已出具公文的 SM3 摘要与 SM2 签名
`

// errPaperInvalid makes verify exit non-zero when a paper does not check.
var errPaperInvalid = errors.New("公文核验未通过")

func (c *cli) paper(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return c.misuse(paperUsage)
	}
	switch args[0] {
	case "keygen":
		fs := c.flags("paper keygen")
		out := fs.String("out", "", "私钥文件")
		if err := fs.Parse(args[1:]); err != nil || *out == "" {
			return c.misuse(paperUsage)
		}
		s, err := signature.Generate()
		if err != nil {
			return err
		}
		b, err := s.PEM()
		if err != nil {
			return err
		}
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "已生成 SM2 私钥 %s\n", *out)
		return nil
	case "verify":
		fs := c.flags("paper verify")
		number := fs.String("doc-number", "", "文号")
		if err := fs.Parse(args[1:]); err != nil || *number == "" {
			return c.misuse(paperUsage)
		}
		e, err := c.open(ctx, true)
		if err != nil {
			return err
		}
		defer e.close()
		if e.signer == nil {
			return errors.New("配置错误 FINREVIEW_SM2_KEY_FILE: 核验签名须配置签名密钥")
		}
		check, err := docs.NewService(e.db, e.objects, nil, e.log).VerifyPaper(ctx, *number, e.signer)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("--doc-number: 未找到已出具的公文 %q", *number)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "文号 %s\n记录的 SM3 %s\n文件的 SM3 %s\n", check.DocNumber, check.RecordedSM3, check.ComputedSM3)
		switch {
		case check.RecordedSM3 != check.ComputedSM3:
			fmt.Fprintln(c.stdout, "结果: 文件已被改动")
		case !check.Signed:
			fmt.Fprintln(c.stdout, "结果: 公文未签名")
		case !check.SignatureOK:
			fmt.Fprintln(c.stdout, "结果: SM2 签名无效")
		default:
			fmt.Fprintln(c.stdout, "结果: 摘要一致,SM2 签名有效")
			return nil
		}
		return errPaperInvalid
	}
	return c.misuse(paperUsage)
}
