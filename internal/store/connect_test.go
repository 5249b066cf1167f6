package store_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"finreview/internal/store"
	"finreview/internal/testenv"
)

// A server that refuses connections for a moment (a node restarting, or
// HAProxy with no node up) is connected to once it listens again: nothing
// was sent before the refusal, so the store tries again, within
// ConnectPatience.
func TestConnectWaitsOutARefusal(t *testing.T) {
	s := testenv.DB(t)
	var name string
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(testenv.DSN(t, name))
	if err != nil {
		t.Fatal(err)
	}
	server := cfg.Addr
	// A free port, closed: connecting to it is refused until the relay
	// below listens on it, 1.5 s from now.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	relayUp := make(chan net.Listener, 1)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			relayUp <- nil
			return
		}
		relayUp <- l
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", server)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	t.Cleanup(func() {
		if l := <-relayUp; l != nil {
			l.Close()
		}
	})
	cfg.Addr = addr
	start := time.Now()
	db, err := store.Open(context.Background(), cfg.FormatDSN())
	if err != nil {
		if strings.Contains(err.Error(), "refused") {
			t.Fatalf("a refused connection was not tried again: %v", err)
		}
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 through the relay: %d, %v", one, err)
	}
	if waited := time.Since(start); waited < time.Second || waited > store.ConnectPatience {
		t.Fatalf("connected after %v, want after the relay listened (1.5 s) and within %v", waited, store.ConnectPatience)
	}
}
