package safeio

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// maxLinks bounds the symlink chain WriteFile follows (Linux's limit).
const maxLinks = 40

// dirOf and baseOf split p at its last separator without cleaning it, so
// that ".." after a symlinked directory keeps the kernel's meaning.
func dirOf(p string) string {
	i := strings.LastIndexByte(p, os.PathSeparator)
	switch {
	case i < 0:
		return "."
	case i == 0:
		return p[:1]
	}
	return p[:i]
}

func baseOf(p string) string { return p[strings.LastIndexByte(p, os.PathSeparator)+1:] }

// resolve follows the symlinks at p to the final file name. exists says
// whether that file exists; st is its Lstat when it does.
func resolve(p string) (target string, st fs.FileInfo, exists bool, err error) {
	target = p
	for hops := 0; ; hops++ {
		st, err = os.Lstat(target)
		if errors.Is(err, fs.ErrNotExist) {
			return target, nil, false, nil
		}
		if err != nil {
			return "", nil, false, err
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return target, st, true, nil
		}
		if hops == maxLinks {
			return "", nil, false, fmt.Errorf("%s: more than %d symbolic links to follow", p, maxLinks)
		}
		to, err := os.Readlink(target)
		if err != nil {
			return "", nil, false, err
		}
		if !strings.HasPrefix(to, string(os.PathSeparator)) {
			to = dirOf(target) + string(os.PathSeparator) + to
		}
		target = to
	}
}

// pathErr re-labels an error about the temporary file with the user's path.
func pathErr(op, path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// userWriter writes to the temporary file and reports errors under the
// user's path.
type userWriter struct {
	f    *os.File
	path string
}

func (w userWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = pathErr("write", w.path, err)
	}
	return n, err
}

// createTemp creates a new, empty file beside target with mode 0644 less
// the umask (os.CreateTemp would make it 0600).
func createTemp(target string) (*os.File, error) {
	base := baseOf(target)
	if len(base) > 64 {
		base = base[:64]
	}
	var err error
	for range 100 {
		var rnd [8]byte
		rand.Read(rnd[:])
		name := dirOf(target) + string(os.PathSeparator) + "." + base + ".tmp-" + hex.EncodeToString(rnd[:])
		var f *os.File
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return nil, err
}

// WriteFile writes path atomically with the content write produces (see the
// package documentation for the policy on symlinks, directories and special
// files). write gets a buffered writer; it must not keep it after returning.
// On any error path is left as it was.
func WriteFile(path string, write func(w io.Writer) error) (err error) {
	if path == "" {
		return errors.New("write: empty file name")
	}
	target, st, exists, err := resolve(path)
	if err != nil {
		return pathErr("write", path, err)
	}
	if exists && !st.Mode().IsRegular() {
		return notRegular(path, st.Mode())
	}
	f, err := createTemp(target)
	if err != nil {
		return pathErr("write", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if exists {
		if err = f.Chmod(st.Mode().Perm()); err != nil {
			return pathErr("write", path, err)
		}
	}
	bw := bufio.NewWriterSize(userWriter{f, path}, 64<<10)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return pathErr("write", path, err)
	}
	if err = f.Close(); err != nil {
		return pathErr("write", path, err)
	}
	// The target may have been swapped for something else meanwhile.
	if st2, e := os.Lstat(target); e == nil && !st2.Mode().IsRegular() {
		err = notRegular(path, st2.Mode())
		return err
	}
	if err = os.Rename(tmp, target); err != nil {
		return pathErr("write", path, err)
	}
	if d, e := os.Open(dirOf(target)); e == nil {
		d.Sync() // best effort: some file systems refuse fsync on directories
		d.Close()
	}
	return nil
}

// WriteBytes writes data to path atomically (WriteFile).
func WriteBytes(path string, data []byte) error {
	return WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
