package docs

import (
	"strings"
	"testing"
)

// TestUnsupportedTypeInWords: a refused upload says in words what the
// category takes and what the file is — never a media type.
func TestUnsupportedTypeInWords(t *testing.T) {
	for _, tt := range []struct{ detected, group, want string }{
		{"application/zip", groupArchive, "所选文件是压缩包"},
		{"text/plain", "", "所选文件是文本文件"},
		{"application/vnd.microsoft.portable-executable", "", "所选文件是可执行程序"},
		{"application/octet-stream", "", "无法识别的文件格式"},
	} {
		msg := errUnsupported(Feedback, tt.detected, tt.group).Message()
		if strings.Contains(msg, "application/") || strings.Contains(msg, "text/") || strings.Contains(msg, tt.detected) {
			t.Errorf("message shows a media type: %s", msg)
		}
		if !strings.Contains(msg, "仅接受 PDF") || !strings.Contains(msg, tt.want) {
			t.Errorf("message = %s, want 仅接受 PDF… and %s", msg, tt.want)
		}
	}
}
