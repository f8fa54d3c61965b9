//go:build unix

package engine_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"jrx/engine"
	"jrx/internal/safeio"
)

// TestRecordFilesAreGuarded: session files go through the guarded reader
// and writer: special files are refused (and never replaced), links are
// written through, new files are 0644 less the umask.
func TestRecordFilesAreGuarded(t *testing.T) {
	dir := t.TempDir()
	rec := engine.Record{Format: "jrx-session", Version: engine.RecordVersion, Problem: "x"}
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	zero := filepath.Join(dir, "zero.json")
	os.Symlink("/dev/zero", zero)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, p := range []string{fifo, zero, dir} {
			if _, err := engine.ReadRecord(p); !errors.Is(err, safeio.ErrNotRegular) || !strings.Contains(err.Error(), p) {
				t.Errorf("ReadRecord(%s): %v", p, err)
			}
		}
		for _, p := range []string{fifo, zero, dir, "/dev/null"} {
			if err := engine.WriteRecord(p, rec); !errors.Is(err, safeio.ErrNotRegular) || !strings.Contains(err.Error(), p) {
				t.Errorf("WriteRecord(%s): %v", p, err)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a special file hangs session I/O")
	}
	if st, err := os.Lstat("/dev/null"); err == nil && st.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null was replaced")
	}
	if st, _ := os.Lstat(fifo); st.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced")
	}

	real := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	os.Symlink("real.json", link)
	if err := engine.WriteRecord(link, rec); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced")
	}
	m := syscall.Umask(0)
	syscall.Umask(m)
	if st, err := os.Stat(real); err != nil || st.Mode().Perm() != 0o644&^os.FileMode(m) {
		t.Errorf("session file: %v, %v", st, err)
	}
	got, err := engine.ReadRecord(link)
	if err != nil || got.Problem != "x" {
		t.Errorf("round trip: %+v, %v", got, err)
	}
}
