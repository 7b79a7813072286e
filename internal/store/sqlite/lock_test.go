//go:build unix

package sqlite_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/store/sqlite"
)

func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	first, err := sqlite.LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.LockDir(dir)
	if err == nil || !strings.Contains(err.Error(), "in use by another hookd serve") || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Fatalf("second lock: %v; want refused, naming the holder's pid", err)
	}
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.LockDir(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again.Unlock()
}
