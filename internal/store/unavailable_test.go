package store_test

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/store"
)

func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"bad connection", driver.ErrBadConn, true},
		{"invalid connection", mysql.ErrInvalidConn, true},
		{"connection done", sql.ErrConnDone, true},
		{"dial refused", refused, true},
		{"wrapped dial refused", fmt.Errorf("begin: %w", refused), true},
		{"server shutdown", &mysql.MySQLError{Number: 1053}, true},
		{"connection killed", &mysql.MySQLError{Number: 1927}, true},
		{"duplicate key", &mysql.MySQLError{Number: 1062}, false},
		{"deadlock", &mysql.MySQLError{Number: 1213}, false},
		{"not found", store.ErrNotFound, false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.IsUnavailable(tt.err); got != tt.want {
				t.Fatalf("IsUnavailable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
