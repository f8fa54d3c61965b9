//go:build unix

package safeio

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f does not return within d (a FIFO must never
// make a read or a write hang).
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not return within %v", d)
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestReadRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	mkfifo(t, fifo)
	linkZero := filepath.Join(dir, "zero.safetensors")
	if err := os.Symlink("/dev/zero", linkZero); err != nil {
		t.Fatal(err)
	}
	linkFifo := filepath.Join(dir, "to-pipe")
	os.Symlink("pipe", linkFifo)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	cases := []struct{ path, want string }{
		{fifo, "named pipe"},
		{linkFifo, "named pipe"},
		{"/dev/zero", "character device"},
		{linkZero, "character device"},
		{sub, "is a directory"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			if c.path == "/dev/zero" {
				if _, err := os.Stat(c.path); err != nil {
					t.Skip("no /dev/zero")
				}
			}
			within(t, 5*time.Second, func() {
				b, err := ReadFile(c.path, 1<<20)
				if err == nil || !errors.Is(err, ErrNotRegular) {
					t.Errorf("ReadFile(%s) = %d bytes, %v; want a refusal", c.path, len(b), err)
					return
				}
				if !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %q should name %s and say %q", err, c.path, c.want)
				}
				if f, err := Open(c.path, 1<<20); err == nil {
					f.Close()
					t.Errorf("Open(%s) succeeded", c.path)
				}
			})
		})
	}
	// The message names where a link leads.
	_, err := ReadFile(linkZero, 10)
	if err == nil || !strings.Contains(err.Error(), "a link to /dev/zero") {
		t.Errorf("link error %v should name /dev/zero", err)
	}
}

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	want := bytes.Repeat([]byte("0123456789"), 1000)
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink("f", link)
	for _, path := range []string{p, link} {
		got, err := ReadFile(path, int64(len(want)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("ReadFile(%s): %d bytes, %v", path, len(got), err)
		}
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if got, err := ReadFile(empty, 0); err != nil || len(got) != 0 {
		t.Errorf("empty file: %q, %v", got, err)
	}
	// One byte over the cap: refused from its size, nothing read.
	_, err := ReadFile(p, int64(len(want))-1)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), p) {
		t.Errorf("over the cap: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadCapHolds checks the cap on the bytes actually read, whatever the
// size said at open time: a file that grows after Open, and a /proc file
// that reports size 0.
func TestReadCapHolds(t *testing.T) {
	p := filepath.Join(t.TempDir(), "grows")
	os.WriteFile(p, []byte("abc"), 0o644)
	f, err := Open(p, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Size() != 3 {
		t.Errorf("Size = %d", f.Size())
	}
	w, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	w.Write([]byte("defghijklmnop"))
	w.Close()
	got, err := io.ReadAll(f)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("reading a grown file: %q, %v; want ErrTooLarge", got, err)
	}
	if len(got) > 5 {
		t.Errorf("read %d bytes past a cap of 5", len(got))
	}

	// Exactly at the cap: EOF, no error.
	f2, _ := Open(p, 16)
	if got, err := io.ReadAll(f2); err != nil || string(got) != "abcdefghijklmnop" {
		t.Errorf("at the cap: %q, %v", got, err)
	}
	f2.Close()

	if st, err := os.Stat("/proc/self/stat"); err == nil && st.Size() == 0 {
		if _, err := ReadFile("/proc/self/stat", 8); !errors.Is(err, ErrTooLarge) {
			t.Errorf("/proc/self/stat (size 0, more than 8 bytes) through a cap of 8: %v", err)
		}
		if b, err := ReadFile("/proc/self/stat", 1<<16); err != nil || len(b) == 0 {
			t.Errorf("/proc/self/stat: %d bytes, %v", len(b), err)
		}
	}
}

// TestReadSparseRefusedUnread: a 1.5 GB sparse file under a 1 GiB cap is
// refused from its size, at once and without reading it.
func TestReadSparseRefusedUnread(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sparse.safetensors")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1_500_000_000); err != nil {
		f.Close()
		t.Skipf("truncate: %v", err)
	}
	f.Close()
	start := time.Now()
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b, err := ReadFile(p, 1<<30)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	if err == nil || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1.5 GB") {
		t.Fatalf("ReadFile = %d bytes, %v", len(b), err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusal took %v", d)
	}
	if grew := after.Maxrss - before.Maxrss; grew > 100<<10 { // Maxrss is in KiB
		t.Errorf("peak RSS grew by %d KiB while refusing", grew)
	}
}

func umask(t *testing.T) os.FileMode {
	t.Helper()
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}

func TestWriteNewAndReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	if err := WriteBytes(p, []byte("one\n")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if want := 0o644 &^ umask(t); st.Mode().Perm() != want {
		t.Errorf("new file mode %v, want %v (0644 less umask)", st.Mode().Perm(), want)
	}
	os.Chmod(p, 0o600)
	if err := WriteBytes(p, []byte("two\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "two\n" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("replaced file mode %v, want 0600 kept", st.Mode().Perm())
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"out.json"}) {
		t.Errorf("dir holds %q", got)
	}

	// An error from the caller keeps the old file and leaves no temporary.
	boom := errors.New("boom")
	err := WriteFile(p, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("x"), 200<<10)) // past the buffer: reaches the file
		return boom
	})
	if err != boom {
		t.Errorf("error %v, want the caller's", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "two\n" {
		t.Errorf("content after a failed write %q", b)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"out.json"}) {
		t.Errorf("dir holds %q after a failed write", got)
	}

	// Relative path.
	t.Chdir(dir)
	if err := WriteBytes("rel.txt", []byte("r")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "rel.txt")); string(b) != "r" {
		t.Errorf("relative write: %q", b)
	}
}

func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "runs"), 0o755)
	real := filepath.Join(dir, "runs", "today.json")
	os.WriteFile(real, []byte("old"), 0o640)
	link := filepath.Join(dir, "out.json")
	os.Symlink(filepath.Join("runs", "today.json"), link)
	link2 := filepath.Join(dir, "out2.json") // a chain of two links
	os.Symlink("out.json", link2)
	for i, p := range []string{link, link2} {
		want := []string{"new", "newer"}[i]
		if err := WriteBytes(p, []byte(want)); err != nil {
			t.Fatal(err)
		}
		if lst, _ := os.Lstat(p); lst.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s was replaced by a regular file", p)
		}
		if b, _ := os.ReadFile(real); string(b) != want {
			t.Errorf("target holds %q, want %q", b, want)
		}
		if st, _ := os.Stat(real); st.Mode().Perm() != 0o640 {
			t.Errorf("target mode %v, want 0640 kept", st.Mode().Perm())
		}
	}
	// A dangling link creates its target.
	dangling := filepath.Join(dir, "d.json")
	os.Symlink(filepath.Join("runs", "new.json"), dangling)
	if err := WriteBytes(dangling, []byte("d")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "runs", "new.json")); string(b) != "d" {
		t.Errorf("dangling link target holds %q", b)
	}
	// A loop is an error, not a hang.
	loop := filepath.Join(dir, "loop")
	os.Symlink("loop", loop)
	if err := WriteBytes(loop, []byte("x")); err == nil || !strings.Contains(err.Error(), loop) {
		t.Errorf("symlink loop: %v", err)
	}
	if got := dirNames(t, filepath.Join(dir, "runs")); !slices.Equal(got, []string{"new.json", "today.json"}) {
		t.Errorf("runs holds %q", got)
	}
}

func TestWriteRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	mkfifo(t, fifo)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	toNull := filepath.Join(dir, "null.json")
	os.Symlink("/dev/null", toNull)
	toFifo := filepath.Join(dir, "to-pipe")
	os.Symlink("pipe", toFifo)
	cases := []struct{ path, want string }{
		{fifo, "named pipe"},
		{toFifo, "named pipe"},
		{sub, "is a directory"},
		{toNull, "character device"},
		{"/dev/null", "character device"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			var before fs.FileInfo
			if c.path == "/dev/null" {
				var err error
				if before, err = os.Stat("/dev/null"); err != nil || before.Mode()&fs.ModeCharDevice == 0 {
					t.Skip("no /dev/null character device")
				}
			}
			called := false
			within(t, 5*time.Second, func() {
				err := WriteFile(c.path, func(w io.Writer) error { called = true; _, err := w.Write([]byte("x")); return err })
				if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("WriteFile(%s): %v; want a refusal naming the path and %q", c.path, err, c.want)
				}
				if err != nil && strings.Contains(err.Error(), ".tmp-") {
					t.Errorf("error names the temporary file: %v", err)
				}
			})
			if called {
				t.Errorf("write function called for a refused target")
			}
			if c.path == "/dev/null" {
				after, err := os.Lstat("/dev/null")
				if err != nil || after.Mode()&fs.ModeCharDevice == 0 || !os.SameFile(before, after) {
					t.Fatalf("/dev/null was replaced: %v %v", after, err)
				}
			}
		})
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"null.json", "pipe", "sub", "to-pipe"}) {
		t.Errorf("dir holds %q", got)
	}
	if lst, _ := os.Lstat(fifo); lst.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced")
	}
	if lst, _ := os.Lstat(toNull); lst.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link to /dev/null was replaced")
	}
}

func TestWriteErrorsNameUserPath(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "out.json")
	err := WriteBytes(missing, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), ".tmp-") {
		t.Errorf("missing directory: %v", err)
	}
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	defer os.Chmod(ro, 0o755)
	if probe, err := os.Create(filepath.Join(ro, "probe")); err == nil {
		probe.Close()
		os.Remove(probe.Name())
		t.Skip("directory permissions are not enforced (running as root)")
	}
	p := filepath.Join(ro, "out.json")
	err = WriteBytes(p, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), ".tmp-") || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("read-only directory: %v", err)
	}
}
