package web

import "testing"

// TestWithMsg: the message joins the query the path has, or starts one,
// and stays before the fragment, so the page both shows it and scrolls.
func TestWithMsg(t *testing.T) {
	for _, c := range []struct{ to, msg, want string }{
		{"/experts", "专家已入库", "/experts?msg=%E4%B8%93%E5%AE%B6%E5%B7%B2%E5%85%A5%E5%BA%93"},
		{"/admin/calendar?year=2026", "ok", "/admin/calendar?year=2026&msg=ok"},
		{"/reviews/7#upload", "a b&c", "/reviews/7?msg=a+b%26c#upload"},
		{"/reviews/7/documents?kind=x#list", "ok", "/reviews/7/documents?kind=x&msg=ok#list"},
		{"/", "", "/?msg="},
	} {
		if got := withMsg(c.to, c.msg); got != c.want {
			t.Errorf("withMsg(%q, %q) = %q, want %q", c.to, c.msg, got, c.want)
		}
	}
}
