package sqlite

import (
	"os"
	"sync"
)

// walFile syncs the WAL file, which makes every commit written to it durable. In WAL mode with
// synchronous=NORMAL, SQLite writes each commit to the WAL without waiting for the disk; it
// syncs the WAL itself only before a checkpoint copies it into the database (and the database
// after), and the WAL's header when the WAL starts over from its beginning.
//
// The file stays open: the kernel reports a failed write of its pages to every descriptor open
// at the time, so a sync on this one fails even if another (the checkpoint's) has already been
// told. It is opened again only if the file at path is another one (SQLite deletes the WAL
// when its last connection closes, which the store's pools do not do while it is open).
type walFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// syncFile is (*os.File).Sync; tests count the syncs.
var syncFile = (*os.File).Sync

func (w *walFile) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	now, err := os.Stat(w.path)
	if err != nil {
		return err
	}
	if w.f != nil {
		if was, err := w.f.Stat(); err != nil || !os.SameFile(was, now) {
			w.f.Close()
			w.f = nil
		}
	}
	if w.f == nil {
		// Opened for writing: some systems sync only a file open for writing.
		if w.f, err = os.OpenFile(w.path, os.O_RDWR, 0); err != nil {
			return err
		}
	}
	return syncFile(w.f)
}

// Close closes the file.
func (w *walFile) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
