package safeio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular is wrapped by every refusal of a path that is not a regular
// file (a directory, FIFO, device or socket, directly or through a link).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by every refusal of a file over the caller's cap.
var ErrTooLarge = errors.New("file too large")

// refusal is an error whose message is msg and which matches kind with
// errors.Is.
type refusal struct {
	msg  string
	kind error
}

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return e.kind }

// kindOf describes a non-regular file mode ("is a directory").
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "is a directory"
	case m&fs.ModeNamedPipe != 0:
		return "is a named pipe (FIFO), not a regular file"
	case m&fs.ModeSocket != 0:
		return "is a socket, not a regular file"
	case m&fs.ModeCharDevice != 0:
		return "is a character device, not a regular file"
	case m&fs.ModeDevice != 0:
		return "is a block device, not a regular file"
	case m&fs.ModeIrregular != 0:
		return "is not a regular file"
	}
	return fmt.Sprintf("is not a regular file (mode %v)", m)
}

// notRegular builds the refusal for path whose final file has mode m,
// naming where a symlink leads.
func notRegular(path string, m fs.FileMode) error {
	subject := path
	if lst, err := os.Lstat(path); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		if to, err := filepath.EvalSymlinks(path); err == nil {
			subject = fmt.Sprintf("%s (a link to %s)", path, to)
		} else {
			subject = path + " (a link)"
		}
	}
	return &refusal{msg: subject + " " + kindOf(m), kind: ErrNotRegular}
}

// FormatBytes writes n bytes with a decimal unit: "812 bytes", "4.7 MB",
// "1.6 GB".
func FormatBytes(n int64) string {
	f := float64(n)
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case f < 1e6:
		return fmt.Sprintf("%.1f kB", f/1e3)
	case f < 1e9:
		return fmt.Sprintf("%.1f MB", f/1e6)
	case f < 1e12:
		return fmt.Sprintf("%.1f GB", f/1e9)
	}
	return fmt.Sprintf("%.1f TB", f/1e12)
}

// File is a regular file open for reading through a byte cap.
type File struct {
	f    *os.File
	path string
	size int64
	max  int64
	left int64
}

// Open opens path for reading. It refuses anything but a regular file
// (symlinks are followed) without blocking, and every Read after max bytes
// fails with an error wrapping ErrTooLarge. Open itself does not compare
// the file's size with max: Size reports it for the caller to decide.
func Open(path string, max int64) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	f, err := openNonblock(path)
	if err != nil {
		return nil, err
	}
	fst, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fst.Mode().IsRegular() { // replaced between the stat and the open
		f.Close()
		return nil, notRegular(path, fst.Mode())
	}
	if max < 0 {
		max = 0
	}
	return &File{f: f, path: path, size: fst.Size(), max: max, left: max}, nil
}

// Size is the file's size when it was opened (fstat).
func (f *File) Size() int64 { return f.size }

// Name is the path the file was opened with.
func (f *File) Name() string { return f.path }

func (f *File) tooLarge() error {
	return &refusal{msg: fmt.Sprintf("%s: more than %s (the limit for this file); it grew while being read or is not what it says it is", f.path, FormatBytes(f.max)), kind: ErrTooLarge}
}

// Read reads up to len(p) bytes, never past the cap: once max bytes have
// been read, Read returns io.EOF at the file's end and an ErrTooLarge error
// if there is more.
func (f *File) Read(p []byte) (int, error) {
	if f.left == 0 {
		var one [1]byte
		n, err := f.f.Read(one[:])
		if n > 0 {
			return 0, f.tooLarge()
		}
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.f.Read(p)
	f.left -= int64(n)
	return n, err
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// ReadFile reads the whole regular file at path, refusing (before reading
// it) a file whose size is over max, and stopping with ErrTooLarge when it
// turns out to hold more than max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.size > max {
		return nil, &refusal{msg: fmt.Sprintf("%s is %s, more than the %s limit for this file", path, FormatBytes(f.size), FormatBytes(max)), kind: ErrTooLarge}
	}
	b := make([]byte, 0, f.size+1) // +1: EOF is seen without growing
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
