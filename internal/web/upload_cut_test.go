package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"finreview/internal/docs"
)

// rawUpload sends an upload over its own TCP connection to the running
// server: the headers with contentLength (or chunked when < 0), then
// body, then closes its sending side as a client that gives up does, and
// returns the status the server answered (0 when it answered nothing).
func rawUpload(t *testing.T, addr, token string, reviewID int64, contentType string, contentLength int, body []byte) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var h strings.Builder
	fmt.Fprintf(&h, "POST /api/v1/reviews/%d/documents HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n",
		reviewID, addr, token, contentType)
	if contentLength >= 0 {
		fmt.Fprintf(&h, "Content-Length: %d\r\n", contentLength)
	} else {
		h.WriteString("Transfer-Encoding: chunked\r\n")
	}
	h.WriteString("\r\n")
	if _, err := conn.Write([]byte(h.String())); err != nil {
		t.Fatal(err)
	}
	if contentLength < 0 {
		fmt.Fprintf(conn, "%x\r\n", len(body)+100) // a chunk that never completes
	}
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// uploadParts is a multipart upload of a PDF of size bytes, split into the
// part before the file's bytes, the file, and the closing boundary.
func uploadParts(t *testing.T, size int, partHeader textproto.MIMEHeader) (prefix, file, suffix []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("category", docs.Submission)
	if partHeader == nil {
		partHeader = textproto.MIMEHeader{}
	}
	partHeader.Set("Content-Disposition", `form-data; name="file"; filename="送审资料.pdf"`)
	partHeader.Set("Content-Type", "application/pdf")
	if _, err := w.CreatePart(partHeader); err != nil {
		t.Fatal(err)
	}
	prefix = append([]byte(nil), buf.Bytes()...)
	buf.Reset()
	_ = w.Close()
	file = append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0123456789abcdef"), size/16)...)[:size]
	return prefix, file, append([]byte(nil), buf.Bytes()...), w.FormDataContentType()
}

// An upload that does not arrive whole is never committed: no row, no
// object, whatever way it was cut.
func TestUploadCutOffOverHTTP(t *testing.T) {
	e := newDocEnv(t, nil)
	rid := e.review("LH-2026-007", "")
	addr, token := serveOn(t, e.app), e.token("jianshe")
	const size = 3 << 20

	nothingLeft := func(t *testing.T) {
		t.Helper()
		if n := e.count("SELECT COUNT(*) FROM documents WHERE review_id = ?", rid); n != 0 {
			t.Fatalf("document rows = %d, want 0", n)
		}
		if n := e.objectCount(); n != 0 {
			t.Fatalf("objects = %d, want 0", n)
		}
	}
	t.Run("client closes the connection mid-file", func(t *testing.T) {
		prefix, file, _, ct := uploadParts(t, size, nil)
		body := append(prefix, file[:size/2]...)
		status := rawUpload(t, addr, token, rid, ct, len(prefix)+size+100, body)
		if status == 201 {
			t.Fatalf("status %d", status)
		}
		nothingLeft(t)
	})
	t.Run("chunked body cut mid-chunk", func(t *testing.T) {
		prefix, file, _, ct := uploadParts(t, size, nil)
		status := rawUpload(t, addr, token, rid, ct, -1, append(prefix, file[:size/2]...))
		if status == 201 {
			t.Fatalf("status %d", status)
		}
		nothingLeft(t)
	})
	t.Run("Content-Length larger than the whole body", func(t *testing.T) {
		prefix, file, suffix, ct := uploadParts(t, size, nil)
		body := append(append(prefix, file...), suffix...)
		if status := rawUpload(t, addr, token, rid, ct, len(body)+4096, body); status != 400 {
			t.Fatalf("status %d, want 400", status)
		}
		nothingLeft(t)
	})
	t.Run("file part shorter than its Content-Length", func(t *testing.T) {
		prefix, file, suffix, ct := uploadParts(t, size, textproto.MIMEHeader{"Content-Length": {fmt.Sprint(size + 1)}})
		body := append(append(prefix, file...), suffix...)
		if status := rawUpload(t, addr, token, rid, ct, len(body), body); status != 400 {
			t.Fatalf("status %d, want 400", status)
		}
		nothingLeft(t)
	})
	t.Run("a whole upload still passes", func(t *testing.T) {
		prefix, file, suffix, ct := uploadParts(t, size, textproto.MIMEHeader{"Content-Length": {fmt.Sprint(size)}})
		body := append(append(prefix, file...), suffix...)
		if status := rawUpload(t, addr, token, rid, ct, len(body), body); status != 201 {
			t.Fatalf("status %d, want 201", status)
		}
		if n := e.count("SELECT COUNT(*) FROM documents WHERE review_id = ? AND status = 'committed' AND size = ?", rid, size); n != 1 {
			t.Fatalf("committed rows of the full size = %d", n)
		}
	})
}
