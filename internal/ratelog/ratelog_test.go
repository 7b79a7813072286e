package ratelog

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestErrorsLogOncePerInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		var e Errors
		for range 1000 {
			e.Log(log, "store down", errors.New("conn refused"))
		}
		time.Sleep(Interval)
		e.Log(log, "store down", errors.New("conn refused"))
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], "repeated=0") || !strings.Contains(lines[1], "repeated=999") {
			t.Errorf("logged %d lines:\n%s\nwant 2, the second counting the 999 left out", len(lines), buf.String())
		}
	})
}
