package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"finreview/internal/docs"
)

// TestUploadCSRFStaysOutOfTheAddress: an upload's CSRF token travels in
// the X-CSRF-Token header (the page's script) or as the form's first
// field (a form posted without scripts); it is never taken from the
// address, and a token after another field does not count. The leading
// field is read alone: a refused upload answers before its body, and an
// accepted one streams its file.
func TestUploadCSRFStaysOutOfTheAddress(t *testing.T) {
	e := newDocEnv(t, nil)
	rid := e.review("LH-2026-006", "zhongjie1")
	cookie := e.pageLogin("jianshe")
	page := func() []byte {
		req := httptest.NewRequest("GET", fmt.Sprintf("/reviews/%d/documents", rid), nil)
		req.AddCookie(cookie)
		_, b := e.do(req)
		return b
	}()
	m := docCSRF.FindSubmatch(page)
	if m == nil {
		t.Fatal("no csrf field")
	}
	token := string(m[1])
	uploadURL := fmt.Sprintf("/reviews/%d/upload", rid)
	committed := func() int {
		return e.count("SELECT COUNT(*) FROM documents WHERE review_id = ? AND status = 'committed'", rid)
	}

	t.Run("the page's upload form has the token as its first field, not in its address", func(t *testing.T) {
		if bytes.Contains(page, []byte("_csrf=")) {
			t.Fatal("the page puts the token in an address")
		}
		if !regexp.MustCompile(`<form method="post" action="/reviews/\d+/upload" enctype="multipart/form-data"[^>]*>\s*<input type="hidden" name="_csrf"`).Match(page) {
			t.Fatal("the upload form's first field is not the token")
		}
	})

	send := func(path string, fields [][2]string, header string) (*http.Response, []byte) {
		body, ct := multipartBody(fields, "送审资料.pdf", pdfContent("csrf"))
		req := httptest.NewRequest("POST", path, body)
		req.Header.Set("Content-Type", ct)
		if header != "" {
			req.Header.Set("X-CSRF-Token", header)
			req.Header.Set("Accept", "application/json")
		}
		req.AddCookie(cookie)
		return e.do(req)
	}
	for _, tc := range []struct {
		name   string
		path   string
		fields [][2]string
		header string
		want   int
	}{
		{"the leading field passes", uploadURL, [][2]string{{"_csrf", token}, {"category", docs.Submission}}, "", 303},
		{"the header passes", uploadURL, [][2]string{{"category", docs.Submission}}, token, 201},
		{"no token is refused", uploadURL, [][2]string{{"category", docs.Submission}}, "", 403},
		{"a wrong leading token is refused", uploadURL, [][2]string{{"_csrf", "00" + token[2:]}, {"category", docs.Submission}}, "", 403},
		{"a wrong header is refused", uploadURL, [][2]string{{"_csrf", token}, {"category", docs.Submission}}, "00" + token[2:], 403},
		{"a token after another field is refused", uploadURL, [][2]string{{"category", docs.Submission}, {"_csrf", token}}, "", 403},
		{"a token in the address is refused", uploadURL + "?_csrf=" + token, [][2]string{{"category", docs.Submission}}, "", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := committed()
			resp, b := send(tc.path, tc.fields, tc.header)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.want, b)
			}
			if loc := resp.Header.Get("Location"); bytes.Contains([]byte(loc), []byte("_csrf")) {
				t.Fatalf("redirected to %s", loc)
			}
			saved := committed() - before
			if (tc.want < 400) != (saved == 1) {
				t.Fatalf("%d documents committed", saved)
			}
		})
	}

	t.Run("the other multipart forms take the leading field, never the address", func(t *testing.T) {
		for _, path := range []string{"/imports/upload", "/admin/calendar/import/preview"} {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			fw, _ := w.CreateFormFile("file", "a.csv")
			_, _ = fw.Write([]byte("date,kind,name\n"))
			_ = w.Close()
			req := httptest.NewRequest("POST", path+"?_csrf="+token, &b)
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.AddCookie(cookie)
			if resp, body := e.do(req); resp.StatusCode != 403 {
				t.Errorf("%s with the token in the address: %d %.200s", path, resp.StatusCode, body)
			}
		}
	})

	addr := serveOn(t, e.app)
	t.Run("a refused token answers before the body", func(t *testing.T) {
		conn := dial(t, addr)
		// The leading field, then a file that never ends.
		head := "--b\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n00" + token[2:] + "\r\n" +
			"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7\n"
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nCookie: %s=%s\r\nContent-Type: multipart/form-data; boundary=b\r\n"+
			"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", uploadURL, cookie.Name, cookie.Value, len(head), head)
		start := time.Now()
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || time.Since(start) > 3*time.Second {
			t.Fatalf("%d after %v, want 403 at once", resp.StatusCode, time.Since(start))
		}
	})

	t.Run("an accepted upload streams its file", func(t *testing.T) {
		const size = 96 << 20
		var head bytes.Buffer
		w := multipart.NewWriter(&head)
		_ = w.WriteField("_csrf", token)
		_ = w.WriteField("category", docs.Submission)
		if _, err := w.CreateFormFile("file", "全套图纸.pdf"); err != nil {
			t.Fatal(err)
		}
		prefix := append([]byte(nil), head.Bytes()...)
		head.Reset()
		_ = w.Close()
		suffix := head.Bytes()
		body := io.MultiReader(bytes.NewReader(prefix), &patternReader{n: size}, bytes.NewReader(suffix))
		req, err := http.NewRequest("POST", "http://"+addr+uploadURL, body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = int64(len(prefix) + size + len(suffix))
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.AddCookie(cookie)
		client := &http.Client{Timeout: 5 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		var resp *http.Response
		base, peak := heapDuring(func() { resp, err = client.Do(req) })
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		if n := e.count("SELECT COUNT(*) FROM documents WHERE review_id = ? AND size = ?", rid, size); n != 1 {
			t.Fatalf("%d documents of %d bytes", n, size)
		}
		// Read whole, the body alone would take 96 MiB.
		if grew := int64(peak) - int64(base); grew >= 48<<20 {
			t.Fatalf("heap grew by %d MiB", grew>>20)
		}
	})
}
