//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package safeio

// mmapFile has no memory map here: Map reads through io.ReaderAt.
func mmapFile(*File) (Mapping, bool, error) { return nil, false, nil }
