package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
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
		return c.misuse(userUsage)
	}
	fs := c.flags("user add")
	username := fs.String("username", "", "登录名")
	name := fs.String("name", "", "姓名")
	role := fs.String("role", "", "角色: admin security_admin auditor finance_section review_center intermediary construction_unit contractor competent_dept expert")
	juris := fs.String("jurisdiction", "市本级", "所属区划")
	org := fs.String("org", "", "所属机构名称")
	cityGrant := fs.Bool("city-grant", false, "可查看全市数据")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	return c.withPassword(ctx, func(svc *auth.Service, password string) error {
		return c.userAdd(ctx, svc, auth.NewUser{Username: *username, DisplayName: cmp.Or(*name, *username), Password: password,
			Role: *role, CityGrant: *cityGrant}, *juris, *org)
	})
}

// userAdd creates nu in the jurisdiction and organization named.
func (c *cli) userAdd(ctx context.Context, svc *auth.Service, nu auth.NewUser, juris, org string) error {
	j, err := svc.JurisdictionByName(ctx, juris)
	if err != nil {
		return fmt.Errorf("--jurisdiction: 未找到区划 %q", juris)
	}
	nu.JurisdictionID = j.ID
	if org != "" {
		o, err := svc.OrganizationByName(ctx, org)
		if err != nil {
			return fmt.Errorf("--org: 未找到机构 %q", org)
		}
		nu.OrgID = o.ID
	}
	u, err := svc.CreateUser(ctx, auth.CommandLine(), nu)
	var fe auth.FieldErrors
	if errors.As(err, &fe) {
		return userAddRefusal(fe)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "已创建用户 %s(%s),编号 %d\n", u.Username, auth.Role(u.Role).Label(), u.ID)
	return nil
}

// userAddFlags names the command-line flag of each field of auth.NewUser.
var userAddFlags = map[string]string{"username": "--username", "display_name": "--name", "password": "密码", "role": "--role",
	"jurisdiction_id": "--jurisdiction", "org_id": "--org", "city_grant": "--city-grant"}

// userAddRefusal reports the refused fields, each named by its flag.
func userAddRefusal(fe auth.FieldErrors) error {
	names := make([]string, 0, len(fe))
	for n := range fe {
		names = append(names, n)
	}
	sort.Strings(names)
	lines := make([]string, len(names))
	for i, n := range names {
		lines[i] = userAddFlags[n] + ": " + fe[n]
	}
	return errors.New(strings.Join(lines, "\n"))
}

// userPasswd resets a user's password from standard input under the
// security policy; the user must change it at the next sign-in.
func (c *cli) userPasswd(ctx context.Context, args []string) error {
	fs := c.flags("user passwd")
	username := fs.String("username", "", "登录名")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if strings.TrimSpace(*username) == "" {
		return errors.New("--username: 不能为空")
	}
	return c.withPassword(ctx, func(svc *auth.Service, password string) error {
		err := svc.ResetPassword(ctx, auth.Principal{Name: "命令行"}, *username, password)
		var pe *input.FieldError
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
	})
}

// withPassword reads the password from the first line of standard input
// and runs do with the user service.
func (c *cli) withPassword(ctx context.Context, do func(svc *auth.Service, password string) error) error {
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("密码: 请从标准输入提供密码")
	}
	e, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.close()
	return do(auth.NewService(e.db, time.Now), strings.TrimRight(line, "\r\n"))
}
