package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// userCLI runs finreview user against a fresh database with the password
// given on standard input.
type userCLI struct {
	t   *testing.T
	s   *store.Store
	env map[string]string
}

func newUserCLI(t *testing.T) *userCLI {
	s := testenv.DB(t)
	testenv.Demo(t, s)
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return &userCLI{t: t, s: s, env: map[string]string{"FINREVIEW_DSN": testenv.DSN(t, name),
		"FINREVIEW_AUDIT_KEY_FILE": testenv.AuditKeyFile(t)}}
}

func (u *userCLI) add(password string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	c := &cli{getenv: func(k string) string { return u.env[k] }, stdin: strings.NewReader(password + "\n"), stdout: &out, stderr: &errOut}
	err := c.user(context.Background(), append([]string{"add"}, args...))
	return out.String(), err
}

// TestUserAddRefusesControlCharactersInTheName: the command line applies
// the same text rule as the pages.
func TestUserAddRefusesControlCharactersInTheName(t *testing.T) {
	u := newUserCLI(t)
	for _, name := range []string{"张\x00三", "张\u202e三", "张\u0085三", "张\n三", "张\xff三", strings.Repeat("长", 65)} {
		_, err := u.add("Xy#2026abcdef", "--username", "zhangsan", "--name", name, "--role", "finance_section", "--jurisdiction", "市本级")
		if err == nil || !strings.HasPrefix(err.Error(), "--name: ") {
			t.Errorf("name %q: %v, want an error naming --name", name, err)
		}
	}
}

// TestUserAddKeepsThePageRules: the command line creates users through the
// same service as the administrator's page: it refuses what the page
// refuses (the password policy, the username pattern, a role without the
// organization it acts for) and records the same audit event.
func TestUserAddKeepsThePageRules(t *testing.T) {
	u := newUserCLI(t)
	refusals := []struct {
		name, password string
		args           []string
		want           string
	}{
		{"short password", "abc", []string{"--username", "wangli", "--role", "finance_section"}, "密码: 密码至少 8 位"},
		{"two character classes", "abcdefghij1", []string{"--username", "wangli", "--role", "finance_section"}, "至少三类"},
		{"password with the user name", "Wangli#2026", []string{"--username", "wangli", "--role", "finance_section"}, "密码不能包含用户名"},
		{"upper-case user name", "Secret2026", []string{"--username", "WangLi", "--role", "finance_section"}, "--username: 用户名为 3–32 位"},
		{"user name of two letters", "Secret2026", []string{"--username", "wl", "--role", "finance_section"}, "--username: "},
		{"firm staff without a firm", "Secret2026", []string{"--username", "wangli", "--role", "intermediary"}, "--org: 该角色须选择所属单位"},
		{"city grant to a unit role", "Secret2026", []string{"--username", "wangli", "--role", "expert", "--city-grant"}, "--city-grant: "},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := u.add(tc.password, append(tc.args, "--name", "王丽", "--jurisdiction", "市本级")...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	ctx := context.Background()
	if _, err := u.s.UserByUsername(ctx, "wangli"); err == nil {
		t.Fatal("a refused user was created")
	}
	out, err := u.add("Secret2026", "--username", "wangli", "--name", "王丽", "--role", "finance_section", "--jurisdiction", "市本级")
	if err != nil {
		t.Fatalf("user add: %v", err)
	}
	if !strings.Contains(out, "已创建用户 wangli") {
		t.Errorf("stdout = %q", out)
	}
	created, err := u.s.UserByUsername(ctx, "wangli")
	if err != nil || !created.MustChangePassword || !created.Active {
		t.Fatalf("created user %+v, %v", created, err)
	}
	events, _, err := u.s.AuditEvents(ctx, store.Scope{All: true}, store.AuditEventsFilter{Action: "create_user", Limit: 1})
	if err != nil || len(events) != 1 || events[0].ObjectID != "wangli" || events[0].ActorName != "命令行" ||
		!strings.Contains(events[0].Detail, `"role":"finance_section"`) {
		t.Fatalf("latest create_user event = %+v, %v", events, err)
	}
	if _, err := u.add("Secret2026", "--username", "wangli", "--name", "王丽", "--role", "finance_section"); err == nil ||
		!strings.Contains(err.Error(), "--username: 用户名已存在") {
		t.Errorf("duplicate: %v", err)
	}
	// The installation's first administrators are created here: the
	// separated roles the system administrator's page refuses.
	if _, err := u.add("Secret2026", "--username", "anquan2", "--name", "安全员", "--role", "security_admin"); err != nil {
		t.Errorf("security_admin from the command line: %v", err)
	}
}
