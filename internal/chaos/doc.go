// Package chaos holds finreview's failure suite: real `finreview serve`
// processes killed with SIGKILL in the middle of transitions, uploads and
// deadline firing, restarted and checked for lost, duplicated or
// half-written state; two servers against one database; an object store
// stopped and started; the clock moved across a holiday week. Everything
// lives in its tests; run it with `go test ./internal/chaos/`.
package chaos
