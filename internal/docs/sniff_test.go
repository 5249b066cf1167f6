package docs_test

import (
	"archive/zip"
	"bytes"
	"image"
	"image/jpeg"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"finreview/internal/docs"
)

func zipWith(t *testing.T, first string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.Create(first)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("<xml/>"))
	_ = w.Close()
	return buf.Bytes()
}

func TestSniff(t *testing.T) {
	cases := []struct {
		name, file  string
		head        []byte
		contentType string
		group       string
	}{
		{"pdf", "报告.pdf", []byte("%PDF-1.7\n%âãÏÓ"), "application/pdf", "pdf"},
		{"jpeg", "照片.jpg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, "image/jpeg", "image"},
		{"png", "图.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png", "image"},
		{"docx", "意见.docx", zipWith(t, "word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "office"},
		{"xlsx by content types and extension", "计算书.xlsx", zipWith(t, "[Content_Types].xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "office"},
		{"plain zip", "资料.zip", zipWith(t, "图纸/说明.txt"), "application/zip", "archive"},
		{"legacy word", "旧.doc", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "application/msword", "office"},
		{"legacy excel, WPS name", "预算.et", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "application/vnd.ms-excel", "office"},
		{"legacy powerpoint", "汇报.PPT", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "application/vnd.ms-powerpoint", "office"},
		{"legacy office, unknown name", "旧文件", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "application/x-ole-storage", "office"},
		{"rar", "资料.rar", []byte("Rar!\x1a\x07\x01\x00"), "application/vnd.rar", "archive"},
		{"dwg", "平面图.dwg", []byte("AC1032\x00\x00\x00"), "image/vnd.dwg", "cad"},
		{"dxf", "平面图.dxf", []byte("  0\r\nSECTION\r\n  2\r\nHEADER\r\n"), "image/vnd.dxf", "cad"},
		{"executable", "setup.pdf", []byte("MZ\x90\x00\x03"), "application/vnd.microsoft.portable-executable", ""},
		{"html is not a document", "a.pdf", []byte("<!DOCTYPE html><html>"), "text/html", ""},
		{"plain text is not a document", "a.txt", []byte("hello"), "text/plain", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct, g := docs.Sniff(tc.head, tc.file)
			if ct != tc.contentType || g != tc.group {
				t.Fatalf("Sniff = %q, %q; want %q, %q", ct, g, tc.contentType, tc.group)
			}
			// A kept file is named as its type: a name with its own
			// extension stays, and a name without one gets one.
			if g != "" && (path.Ext(tc.file) != "" && docs.NameForType(tc.file, ct) != tc.file || docs.NameForType("x", ct) == "x") {
				t.Fatalf("%s kept as %q, and x as %q", tc.file, docs.NameForType(tc.file, ct), docs.NameForType("x", ct))
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"结算审核报告(终稿).pdf", "结算审核报告(终稿).pdf"},
		{`C:\Users\张三\桌面\送审资料.pdf`, "送审资料.pdf"},
		{"../../etc/passwd", "passwd"},
		{"a\"b\x00c.pdf", "abc.pdf"},
		{"", "未命名文件"},
		{"..", "未命名文件"},
		{"a/..", "未命名文件"},
		{strings.Repeat("长", 300) + ".pdf", strings.Repeat("长", 196) + ".pdf"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			if got := docs.CleanName(tc.in); got != tc.want {
				t.Fatalf("CleanName(%q) = %q", tc.in, got)
			}
		})
	}
}

func TestNameForType(t *testing.T) {
	const (
		pdf  = "application/pdf"
		docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		ole  = "application/x-ole-storage"
	)
	cases := []struct{ name, contentType, want string }{
		{"结算审核报告.pdf", pdf, "结算审核报告.pdf"},
		{"结算审核报告.PDF", pdf, "结算审核报告.PDF"},
		{"发票.exe", pdf, "发票.exe.pdf"},
		{"未命名文件", pdf, "未命名文件.pdf"},
		{"report.pdf.", pdf, "report.pdf..pdf"},
		{"照片.jpeg", "image/jpeg", "照片.jpeg"},
		{"照片.png", "image/jpeg", "照片.png.jpg"},
		{"图纸.dwg", "image/vnd.dwg", "图纸.dwg"},
		{"方案.docx", docx, "方案.docx"},
		{"方案.zip", docx, "方案.zip.docx"},
		{"预算.xls", ole, "预算.xls"},
		{"预算.wps", ole, "预算.wps"},
		{"预算.txt", ole, "预算.txt.doc"},
		{"资料.7z", "application/x-7z-compressed", "资料.7z"},
		{"资料.rar", "application/zip", "资料.rar.zip"},
		{"unknown.bin", "application/octet-stream", "unknown.bin"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" as "+tc.contentType, func(t *testing.T) {
			if got := docs.NameForType(tc.name, tc.contentType); got != tc.want {
				t.Fatalf("NameForType(%q, %q) = %q, want %q", tc.name, tc.contentType, got, tc.want)
			}
		})
	}
}

func TestFullWidth(t *testing.T) {
	cases := []struct{ in, want string }{
		{"经评审,送审金额8,650,000.00元", "经评审，送审金额8,650,000.00元"},
		{"审增(减)原因:详见报告;其他", "审增（减）原因：详见报告；其他"},
		{"10:20", "10:20"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := docs.FullWidth(tc.in); got != tc.want {
				t.Fatalf("got %q want %q", got, tc.want)
			}
		})
	}
}

func plainJPEG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEXIFDateAbsent(t *testing.T) {
	cases := []struct {
		name string
		data []byte
	}{
		{"not a jpeg", []byte("%PDF-1.4")},
		{"jpeg without exif", plainJPEG(t)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := docs.EXIFDate(bytes.NewReader(tc.data), time.UTC); err == nil {
				t.Fatal("found a date where there is none")
			}
		})
	}
}

// A thumbnail is turned upright by the photo's EXIF orientation: a marked
// top-left corner ends where a viewer of the upright photo sees it.
func TestThumbnailOrientation(t *testing.T) {
	const w, h = 40, 20
	tests := []struct {
		orientation   uint16
		width, height int
		right, bottom bool // where the source's top-left ends
	}{
		{0, w, h, false, false},
		{1, w, h, false, false},
		{2, w, h, true, false},
		{3, w, h, true, true},
		{4, w, h, false, true},
		{5, h, w, false, false},
		{6, h, w, true, false},
		{7, h, w, true, true},
		{8, h, w, false, true},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(int(tt.orientation)), func(t *testing.T) {
			img := orientedPhoto(t, w, h, "2026:03:05 10:20:30", tt.orientation)
			exif, err := docs.ReadEXIF(bytes.NewReader(img), time.UTC)
			if err != nil || exif.Orientation != int(tt.orientation) || exif.Taken.IsZero() {
				t.Fatalf("ReadEXIF = %+v, %v; want orientation %d and the date", exif, err, tt.orientation)
			}
			thumb, err := docs.Thumbnail(bytes.NewReader(img), exif.Orientation)
			if err != nil {
				t.Fatal(err)
			}
			got, err := jpeg.Decode(bytes.NewReader(thumb))
			if err != nil {
				t.Fatal(err)
			}
			b := got.Bounds()
			if b.Dx() != tt.width || b.Dy() != tt.height {
				t.Fatalf("thumbnail %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.width, tt.height)
			}
			// photo's pixels are (x, y, 120): the source's top-left is the
			// darkest corner.
			darkest, at := 1<<30, image.Point{}
			for _, p := range []image.Point{{1, 1}, {b.Dx() - 2, 1}, {1, b.Dy() - 2}, {b.Dx() - 2, b.Dy() - 2}} {
				r, g, _, _ := got.At(p.X, p.Y).RGBA()
				if v := int(r + g); v < darkest {
					darkest, at = v, p
				}
			}
			if right, bottom := at.X > b.Dx()/2, at.Y > b.Dy()/2; right != tt.right || bottom != tt.bottom {
				t.Fatalf("source top-left at %v of %dx%d; want right %v bottom %v", at, b.Dx(), b.Dy(), tt.right, tt.bottom)
			}
		})
	}
}
