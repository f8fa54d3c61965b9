package nn

import (
	"bytes"
	"fmt"

	"jrx/internal/safeio"
)

// MappedSafetensors is a safetensors file whose header has been read and
// checked like OpenSafetensorsFile's, and whose bytes are then mapped into
// memory (safeio.Map: a read-only memory map, or where the system has none
// the file read once through io.ReaderAt). Tensors are viewed in place in
// their stored dtype (Tensor), so a model opened this way costs its file's
// bytes once, not a decoded copy beside them. Close unmaps: every Mat
// obtained from the file is invalid after it.
type MappedSafetensors struct {
	Header *SafeHeader
	path   string
	m      safeio.Mapping
	b      []byte
}

// OpenSafetensorsMapped opens path through the guarded reader, checks its
// header (every byte range inside the file, tiling the data exactly) and
// maps it. Values are checked (finite) tensor by tensor in Tensor. Errors
// name the path.
func OpenSafetensorsMapped(path string) (*MappedSafetensors, error) {
	f, err := safeio.Open(path, MaxSafetensorsFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	o, err := readSTHeader(f, path)
	if err != nil {
		return nil, err
	}
	m, err := f.Map()
	if err != nil {
		return nil, err
	}
	b := m.Bytes()
	if int64(len(b)) != o.size || !bytes.Equal(b[:len(o.prefix)], o.prefix) {
		m.Close()
		return nil, fmt.Errorf("%s: safetensors: the file changed while it was opened", path)
	}
	return &MappedSafetensors{Header: o.Header, path: path, m: m, b: b}, nil
}

// Bytes is the whole file (header included). Do not write to it.
func (f *MappedSafetensors) Bytes() []byte { return f.b }

// Mapped reports whether the bytes are a memory map.
func (f *MappedSafetensors) Mapped() bool { return f.m.Mapped() }

// Size is the file's size in bytes.
func (f *MappedSafetensors) Size() int64 { return int64(len(f.b)) }

// Close releases the mapping.
func (f *MappedSafetensors) Close() error { return f.m.Close() }

// Tensor returns the named tensor as a Mat in its stored dtype, viewing the
// mapped bytes (decoded into new memory only on a big-endian host or for a
// range misaligned for its dtype). Every value must be finite; checking
// reads the tensor's pages once. Errors name the file and the tensor.
func (f *MappedSafetensors) Tensor(name string) (Mat, error) {
	i, ok := f.Header.byName[name]
	if !ok {
		return Mat{}, fmt.Errorf("%s: safetensors: missing tensor %q", f.path, name)
	}
	t := f.Header.Infos[i]
	src := f.b[f.Header.DataStart+t.Begin : f.Header.DataStart+t.End]
	if err := stCheckFinite(name, t.DType, src); err != nil {
		return Mat{}, fmt.Errorf("%s: %w", f.path, err)
	}
	return matView(t.DType, src), nil
}

// DTypes counts the file's tensors by dtype.
func (h *SafeHeader) DTypes() map[DType]int {
	out := map[DType]int{}
	for _, t := range h.Infos {
		out[t.DType]++
	}
	return out
}
