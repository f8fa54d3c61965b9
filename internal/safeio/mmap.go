package safeio

import (
	"fmt"
	"io"
)

// Mapping is the whole content of a file opened with Open, as bytes that
// must not be written: a read-only memory map where the system has one
// (Linux, the BSDs, macOS), otherwise the file read into memory through
// io.ReaderAt. Either way the file is not copied a second time: with a map,
// the pages are the kernel's page cache, counted in the process's RSS only
// once touched. Close releases the bytes; they must not be used after it.
//
// A mapped file must not shrink while it is mapped (another program
// truncating it would make a read fault); jrx never writes a file in place
// (WriteFile renames a new one over it), so its own writes cannot.
type Mapping interface {
	Bytes() []byte
	// Mapped reports whether the bytes are a memory map (false for the
	// io.ReaderAt fallback).
	Mapped() bool
	Close() error
}

// Map returns the file's Size() bytes as a Mapping, refusing a file over
// the cap given to Open. The file itself may be closed afterwards; the
// mapping stays valid until its Close.
func (f *File) Map() (Mapping, error) {
	if f.size > f.max {
		return nil, &refusal{msg: fmt.Sprintf("%s is %s, more than the %s limit for this file", f.path, FormatBytes(f.size), FormatBytes(f.max)), kind: ErrTooLarge}
	}
	if f.size == 0 {
		return heapMapping{}, nil
	}
	if m, ok, err := mmapFile(f); ok || err != nil {
		return m, err
	}
	return readAtMapping(f.f, f.size, f.path)
}

// heapMapping is the fallback: the bytes read with ReadAt.
type heapMapping struct{ b []byte }

func (m heapMapping) Bytes() []byte { return m.b }
func (heapMapping) Mapped() bool    { return false }
func (heapMapping) Close() error    { return nil }

func readAtMapping(r io.ReaderAt, size int64, path string) (Mapping, error) {
	if int64(int(size)) != size {
		return nil, fmt.Errorf("%s: %s does not fit in memory", path, FormatBytes(size))
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("%s: %w (did the file change?)", path, err)
	}
	return heapMapping{b}, nil
}
