package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/hookd/hookd/internal/store"
)

// Unavailable reports whether err says the database cannot be reached or cannot write now
// (connection refused or lost, a timeout, a full disk), as opposed to a fault of the request
// or of hookd: the first is a 503 worth retrying, the second a 400 or a 500.
func (s *Store) Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, store.ErrNotDurable), errors.Is(err, sql.ErrConnDone), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ENOSPC),
		errors.As(err, &netErr):
		return true
	}
	return s.d.Unavailable != nil && s.d.Unavailable(err)
}
