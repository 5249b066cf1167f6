package docs

import (
	"bytes"
	"net/http"
	"path"
	"slices"
	"strings"
)

// SniffLen is how many leading bytes Sniff looks at.
const SniffLen = 512

// Sniff decides a file's content type from its first bytes (what the bytes
// are, never what the name claims; the name only tells apart formats that
// share a container, such as .docx and .xlsx inside a zip) and the group
// (pdf, image, office, archive, cad) the type belongs to; group is "" for
// a type finreview does not keep.
func Sniff(head []byte, filename string) (contentType, group string) {
	ext := strings.ToLower(path.Ext(filename))
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf", groupPDF
	case bytes.HasPrefix(head, []byte("AC10")) && len(head) >= 6:
		return "image/vnd.dwg", groupCAD
	case bytes.HasPrefix(head, []byte("AutoCAD Binary DXF")):
		return "image/vnd.dxf", groupCAD
	case isDXF(head):
		return "image/vnd.dxf", groupCAD
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(head, ext)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		// The legacy Office formats share one container: the name's
		// extension (typeExts) tells them apart.
		for _, ct := range []string{"application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/msword"} {
			if slices.Contains(typeExts[ct], ext) {
				return ct, groupOffice
			}
		}
		return "application/x-ole-storage", groupOffice
	case bytes.HasPrefix(head, []byte("Rar!\x1a\x07")):
		return "application/vnd.rar", groupArchive
	case bytes.HasPrefix(head, []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}):
		return "application/x-7z-compressed", groupArchive
	case bytes.HasPrefix(head, []byte("MZ")):
		return "application/vnd.microsoft.portable-executable", ""
	case bytes.HasPrefix(head, []byte("II*\x00")) || bytes.HasPrefix(head, []byte("MM\x00*")):
		return "image/tiff", groupImage
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch ct {
	case "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp":
		return ct, groupImage
	case "application/zip":
		return sniffZip(head, ext)
	}
	return ct, ""
}

// sniffZip tells Office Open XML files (a zip whose first entries are
// [Content_Types].xml, word/, xl/ or ppt/) from plain archives.
func sniffZip(head []byte, ext string) (string, string) {
	ooxml := bytes.Contains(head, []byte("[Content_Types].xml")) || bytes.Contains(head, []byte("_rels/.rels")) ||
		bytes.Contains(head, []byte("word/")) || bytes.Contains(head, []byte("xl/")) || bytes.Contains(head, []byte("ppt/"))
	switch {
	case bytes.Contains(head, []byte("word/")) || (ooxml && ext == ".docx"):
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", groupOffice
	case bytes.Contains(head, []byte("xl/")) || (ooxml && ext == ".xlsx"):
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", groupOffice
	case bytes.Contains(head, []byte("ppt/")) || (ooxml && ext == ".pptx"):
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation", groupOffice
	case ooxml:
		return "application/vnd.openxmlformats-officedocument", groupOffice
	}
	return "application/zip", groupArchive
}

// isDXF recognises an ASCII DXF file: group code 0 then SECTION (or a
// leading 999 comment).
func isDXF(head []byte) bool {
	s := strings.ReplaceAll(string(head), "\r\n", "\n")
	lines := strings.SplitN(s, "\n", 4)
	if len(lines) < 2 {
		return false
	}
	first, second := strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
	return (first == "0" && second == "SECTION") || (first == "999" && len(lines) >= 4 &&
		strings.TrimSpace(lines[2]) == "0" && strings.HasPrefix(strings.TrimSpace(lines[3]), "SECTION"))
}

// typeExts are the extensions a kept content type is known by, the first
// the one NameForType adds.
var typeExts = map[string][]string{
	"application/pdf":               {".pdf"},
	"image/jpeg":                    {".jpg", ".jpeg", ".jpe"},
	"image/png":                     {".png"},
	"image/gif":                     {".gif"},
	"image/webp":                    {".webp"},
	"image/bmp":                     {".bmp"},
	"image/tiff":                    {".tif", ".tiff"},
	"image/vnd.dwg":                 {".dwg"},
	"image/vnd.dxf":                 {".dxf"},
	"application/vnd.rar":           {".rar"},
	"application/x-7z-compressed":   {".7z"},
	"application/zip":               {".zip"},
	"application/vnd.ms-excel":      {".xls", ".et"},
	"application/vnd.ms-powerpoint": {".ppt", ".dps"},
	"application/msword":            {".doc", ".wps"},
	"application/x-ole-storage":     {".doc", ".xls", ".ppt", ".wps", ".et", ".dps"},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {".docx"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {".xlsx"},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx"},
	"application/vnd.openxmlformats-officedocument":                             {".docx", ".xlsx", ".pptx"},
}

// NameForType makes a kept file's name say what it is: a name whose
// extension is not one of its content type's gets the type's own added
// ("发票.exe" holding a PDF is kept as "发票.exe.pdf"), so that nobody
// downloads a PDF named like a program. A name already right is kept.
func NameForType(name, contentType string) string {
	exts := typeExts[contentType]
	if len(exts) == 0 {
		return name
	}
	if slices.Contains(exts, strings.ToLower(path.Ext(name))) {
		return name
	}
	return name + exts[0]
}
