package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"finreview/internal/auth"
	"finreview/internal/input"
	"finreview/internal/store"
)

const userUsage = `用法:
  finreview user add --username U --name 姓名 --role R --jurisdiction 区划 [--org 机构名称] [--city-grant]
  finreview user passwd --username U
  (密码从标准输入读取;新用户和被重置密码的用户在下次登录时须修改密码)
`

func (c *cli) user(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "passwd" {
		return c.userPasswd(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(c.stderr, userUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	username := fs.String("username", "", "登录名")
	name := fs.String("name", "", "姓名")
	role := fs.String("role", "", "角色: admin security_admin auditor finance_section review_center intermediary construction_unit contractor competent_dept expert")
	juris := fs.String("jurisdiction", "市本级", "所属区划")
	org := fs.String("org", "", "所属机构名称")
	cityGrant := fs.Bool("city-grant", false, "可查看全市数据")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if strings.TrimSpace(*username) == "" {
		return errors.New("--username: 不能为空")
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	if *name == "" {
		*name = *username
	}
	if err := input.Line("name", *name, 64); err != nil {
		var fe *input.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("--name: %s", fe.Message())
		}
		return err
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("密码: 请从标准输入提供密码")
	}
	hash, err := auth.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		return fmt.Errorf("密码: %w", err)
	}
	e, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.close()
	j, err := e.db.JurisdictionByName(ctx, *juris)
	if err != nil {
		return fmt.Errorf("--jurisdiction: 未找到区划 %q", *juris)
	}
	u := store.User{Username: *username, DisplayName: *name, PasswordHash: hash, Role: string(r),
		JurisdictionID: j.ID, CityGrant: *cityGrant, Active: true, MustChangePassword: true}
	if *org != "" {
		o, err := e.db.OrganizationByName(ctx, *org)
		if err != nil {
			return fmt.Errorf("--org: 未找到机构 %q", *org)
		}
		u.OrgID = o.ID
	}
	id, err := e.db.InsertUser(ctx, u)
	if errors.Is(err, store.ErrDuplicate) {
		return fmt.Errorf("--username: 用户名 %q 已存在", *username)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "已创建用户 %s(%s),编号 %d\n", *username, r.Label(), id)
	return nil
}

// userPasswd resets a user's password from standard input under the
// security policy; the user must change it at the next sign-in.
func (c *cli) userPasswd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("user passwd", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	username := fs.String("username", "", "登录名")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if strings.TrimSpace(*username) == "" {
		return errors.New("--username: 不能为空")
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("密码: 请从标准输入提供密码")
	}
	e, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.close()
	svc := auth.NewService(e.db, time.Now)
	err = svc.ResetPassword(ctx, auth.Principal{Name: "命令行"}, *username, strings.TrimRight(line, "\r\n"))
	var pe *auth.PolicyError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("--username: 未找到用户 %q", *username)
	case errors.As(err, &pe):
		return fmt.Errorf("密码: %s", pe.Message())
	case err != nil:
		return err
	}
	fmt.Fprintf(c.stdout, "已重置用户 %s 的密码,下次登录时须修改\n", *username)
	return nil
}
