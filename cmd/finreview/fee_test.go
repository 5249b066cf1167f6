package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runFee(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &cli{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	err = c.fee(context.Background(), args)
	return out.String(), errOut.String(), err
}

func TestFeeWorkedExampleJSON(t *testing.T) {
	out, _, err := runFee(t, "--kind", "settlement", "--outcome", "normal", "--submitted", "12345678.90", "--audited", "11000000.00", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	want := map[string]string{
		"basic_fee": "17345.68", "reduction_fee": "33641.97", "total_fee": "50987.65",
		"contractor_share": "18209.87", "finance_share": "32777.78", "payable_now": "50987.65", "payable_later": "0.00",
	}
	if len(got) != len(want) {
		t.Errorf("fields = %v, want exactly %v", got, want)
	}
	for k, v := range want {
		if s, ok := got[k].(string); !ok || s != v {
			t.Errorf("%s = %#v, want %q", k, got[k], v)
		}
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("output is not one line: %q", out)
	}
}

func TestFeeJSONCases(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		field string
		want  string
	}{
		{"outcome defaults to normal", []string{"--kind", "budget", "--submitted", "10000000", "--audited", "10000000"}, "payable_now", "15000.00"},
		{"unilateral pays 80 percent now", []string{"--kind", "settlement", "--outcome", "unilateral", "--submitted", "12345678.90", "--audited", "11000000"}, "payable_later", "10197.53"},
		{"returned without audited amount", []string{"--kind", "settlement", "--outcome", "returned", "--submitted", "12345678.90"}, "total_fee", "0.00"},
		{"tracking is free", []string{"--kind", "tracking", "--submitted", "12345678.90", "--audited", "1"}, "total_fee", "0.00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runFee(t, append(tc.args, "--json")...)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got[tc.field] != tc.want {
				t.Errorf("%s = %q, want %q", tc.field, got[tc.field], tc.want)
			}
		})
	}
}

func TestFeeScheduleFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	schedule := `{"name":"单段费率表","version":2,"effective_from":"2024-01-01","discount":"1","reduction_rate":"0.1",
		"penalty_threshold":"0.05","unilateral_first_ratio":"0.8","bands":[{"up_to":null,"rate":"0.01"}]}`
	if err := os.WriteFile(good, []byte(schedule), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(schedule, `"discount":"1"`, `"discount":"2"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("schedule from a file", func(t *testing.T) {
		out, _, err := runFee(t, "--kind", "estimate", "--submitted", "1000", "--audited", "900", "--schedule", good, "--json")
		if err != nil {
			t.Fatal(err)
		}
		// basic 1000 × 0.01 = 10; reduction 100 × 0.1 = 10
		if !strings.Contains(out, `"total_fee":"20.00"`) {
			t.Errorf("output = %s", out)
		}
	})
	t.Run("invalid schedule names the field", func(t *testing.T) {
		_, _, err := runFee(t, "--kind", "estimate", "--submitted", "1000", "--audited", "900", "--schedule", bad)
		if err == nil || !strings.Contains(err.Error(), "--schedule") || !strings.Contains(err.Error(), "discount") {
			t.Errorf("error = %v, want one naming --schedule and discount", err)
		}
	})
	t.Run("missing schedule file", func(t *testing.T) {
		_, _, err := runFee(t, "--kind", "estimate", "--submitted", "1", "--audited", "1", "--schedule", filepath.Join(dir, "none.json"))
		if err == nil || !strings.Contains(err.Error(), "--schedule") {
			t.Errorf("error = %v", err)
		}
	})
}

func TestFeeBadInputNamesTheField(t *testing.T) {
	base := map[string]string{"--kind": "settlement", "--submitted": "100", "--audited": "90"}
	tests := []struct {
		name  string
		flag  string
		value string
		msg   string
	}{
		{"negative submitted", "--submitted", "-5", "金额格式不正确"},
		{"three decimals", "--submitted", "1.005", "金额格式不正确"},
		{"exponent", "--audited", "1e3", "金额格式不正确"},
		{"bare point", "--audited", ".5", "金额格式不正确"},
		{"plus sign", "--submitted", "+5", "金额格式不正确"},
		{"empty submitted", "--submitted", "", "必须指定"},
		{"empty audited", "--audited", "", "必须指定"},
		{"too large", "--submitted", "1000000000000000000", "金额过大"},
		{"unknown kind", "--kind", "review", "未知的评审类型"},
		{"missing kind", "--kind", "", "必须指定"},
		{"unknown outcome", "--outcome", "done", "未知的评审结果"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			flags := map[string]string{}
			for k, v := range base {
				flags[k] = v
			}
			flags[tc.flag] = tc.value
			var args []string
			for k, v := range flags {
				args = append(args, k+"="+v)
			}
			out, _, err := runFee(t, args...)
			if err == nil {
				t.Fatalf("accepted, printed %q", out)
			}
			if !strings.HasPrefix(err.Error(), tc.flag+": ") || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error = %q, want it to start with %s: and mention %s", err, tc.flag, tc.msg)
			}
			if out != "" {
				t.Errorf("printed %q on bad input", out)
			}
		})
	}
	t.Run("unknown flag is a usage error", func(t *testing.T) {
		_, stderr, err := runFee(t, "--colour", "red")
		if err == nil || err.Error() != errUsage.Error() {
			t.Errorf("error = %v, want errUsage", err)
		}
		if !strings.Contains(stderr, "colour") {
			t.Errorf("stderr = %q", stderr)
		}
	})
}

func TestFeeStatementText(t *testing.T) {
	out, _, err := runFee(t, "--kind", "settlement", "--submitted", "12345678.90", "--audited", "11000000.00")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"示例费率表", "工程结算", "10,000,000.00", "2,345,678.90", "4,691.3578", "34,691.3578",
		"17,345.68", "33,641.97", "50,987.65", "728,394.955", "18,209.87", "32,777.78"} {
		if !strings.Contains(out, want) {
			t.Errorf("statement lacks %q:\n%s", want, out)
		}
	}
}
