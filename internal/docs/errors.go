package docs

import (
	"fmt"
	"strings"

	"finreview/internal/auth"
	"finreview/internal/bytesize"
	"finreview/internal/input"
)

// Error is a refusal with its own HTTP status, a stable English code and a
// Chinese message for people.
type Error = auth.RefusedError

// ErrStorageUnavailable means the object store did not answer: uploads and
// downloads answer 503 and nothing is left half-written in the database.
var ErrStorageUnavailable = &Error{Status: 503, Reason: "storage_unavailable", Msg: "文件存储服务暂不可用,请稍后重试"}

// ErrUploadIncomplete means the upload's body did not arrive whole: the
// connection broke off, the body ended before its declared length, or
// reading it failed. Nothing of it is kept.
var ErrUploadIncomplete = &Error{Status: 400, Reason: "upload_incomplete",
	Msg: "上传未完成:文件内容不完整(连接中断或长度与声明不符),未保存,请重新上传"}

func errTooLarge(category string, limit int64) *Error {
	return &Error{Status: 413, Reason: "too_large",
		Msg: fmt.Sprintf("文件超过「%s」类资料的大小上限 %s", CategoryLabel(category), bytesize.Text(limit))}
}

// errUnsupported says in words which kinds of file the category takes and
// what the chosen file is; the detected media type stays in the log.
func errUnsupported(category, detected, group string) *Error {
	return &Error{Status: 415, Reason: "unsupported_type",
		Msg: fmt.Sprintf("「%s」类资料仅接受 %s;所选文件是%s,未保存", CategoryLabel(category), allowedText(category),
			typeWords(detected, group))}
}

// typeWords names a detected kind of file for people.
func typeWords(detected, group string) string {
	switch group {
	case groupPDF:
		return " PDF 文件"
	case groupImage:
		return "图片"
	case groupOffice:
		return " Office 文档"
	case groupArchive:
		return "压缩包"
	case groupCAD:
		return " CAD 图纸"
	}
	switch {
	case strings.HasPrefix(detected, "text/"):
		return "文本文件"
	case strings.HasPrefix(detected, "image/"):
		return "不支持的图片格式"
	case strings.Contains(detected, "executable"):
		return "可执行程序"
	case strings.HasPrefix(detected, "video/"):
		return "视频文件"
	case strings.HasPrefix(detected, "audio/"):
		return "音频文件"
	}
	return "无法识别的文件格式"
}

func errConflict(msg string) *Error { return &Error{Status: 409, Reason: "conflict", Msg: msg} }

// fieldErr is invalid input in one field (422).
func fieldErr(field, msg string) error { return &input.FieldError{Name: field, Msg: msg} }
