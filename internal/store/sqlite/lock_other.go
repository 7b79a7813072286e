//go:build !unix

package sqlite

// Lock is a no-op where flock is not available: run one serve per data directory.
type Lock struct{}

// LockDir does nothing here.
func LockDir(dir string) (*Lock, error) { return &Lock{}, nil }

// Unlock does nothing here.
func (l *Lock) Unlock() error { return nil }
