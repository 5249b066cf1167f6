package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	pageHref = regexp.MustCompile(`href="([^"#]+)"`)
	pageID   = regexp.MustCompile(`[0-9]+`)
)

// TestPagesLinkOnlyToWhatTheViewerMayOpen follows, for each demo role, the
// links of the pages it reaches from the home page, two clicks deep, over
// the demo city with its reviews: every link a page shows must open for
// the user it is shown to. A link to a page that refuses its viewer (403)
// or has nothing to show (404) is a dead end in the user's work. Pages of
// one shape (/reviews/N) are followed for three ids each.
func TestPagesLinkOnlyToWhatTheViewerMayOpen(t *testing.T) {
	e := newPagesEnv(t, true)
	for _, user := range []string{"admin", "caizheng", "pingshen", "jianshe", "shigong", "zhuguan", "zhuanjia", "zhongjie1"} {
		t.Run(user, func(t *testing.T) {
			s := e.as(user)
			type link struct{ path, from string }
			queue, depth := []link{{"/", ""}}, 0
			seen, shapes := map[string]bool{"/": true}, map[string]int{}
			opened := 0
			for len(queue) > 0 && depth <= 2 {
				var next []link
				for _, l := range queue {
					resp, body := e.get(s, l.path)
					opened++
					if resp.StatusCode >= 400 {
						t.Errorf("%s links to %s, which answers %s %d", l.from, l.path, user, resp.StatusCode)
						continue
					}
					if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
						continue
					}
					for _, m := range pageHref.FindAllSubmatch(body, -1) {
						u, err := url.Parse(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
						if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") || skipLink(u.Path) {
							continue
						}
						target := u.Path
						if u.RawQuery != "" {
							target += "?" + u.RawQuery
						}
						shape := pageID.ReplaceAllString(u.Path, "N")
						if seen[target] || shapes[shape] >= 3 {
							continue
						}
						seen[target] = true
						shapes[shape]++
						next = append(next, link{target, l.path})
					}
				}
				queue = next
				depth++
			}
			if opened < 5 {
				t.Fatalf("only %d pages reached: the crawl did not get past the home page", opened)
			}
		})
	}
}

// skipLink leaves out what is not a page: sign-out, assets and downloads.
func skipLink(p string) bool {
	for _, s := range []string{"/logout", "/static/"} {
		if strings.HasPrefix(p, s) {
			return true
		}
	}
	for _, s := range []string{".pdf", ".xlsx", ".csv", "/download", "/content"} {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return false
}
