//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package safeio

import (
	"fmt"
	"syscall"
)

type mmapping struct{ b []byte }

func (m *mmapping) Bytes() []byte { return m.b }
func (*mmapping) Mapped() bool    { return true }
func (m *mmapping) Close() error {
	if m.b == nil {
		return nil
	}
	err := syscall.Munmap(m.b)
	m.b = nil
	return err
}

// mmapFile maps f read-only and shared (the page cache, no copy). ok false
// means "use the fallback" (a size that does not fit an int).
func mmapFile(f *File) (Mapping, bool, error) {
	if int64(int(f.size)) != f.size {
		return nil, false, nil
	}
	b, err := syscall.Mmap(int(f.f.Fd()), 0, int(f.size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, true, fmt.Errorf("%s: mmap: %w", f.path, err)
	}
	return &mmapping{b}, true, nil
}
