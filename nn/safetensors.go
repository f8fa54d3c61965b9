package nn

// Safetensors checkpoint I/O (F32, F16 and BF16 tensors; models compute in
// float32, so the readers that decode widen F16 and BF16 exactly, and
// OpenSafetensorsMapped keeps them in their dtype, memory-mapped).
//
// File layout (https://github.com/huggingface/safetensors):
//
//	[8 bytes]  N, little-endian uint64: length of the JSON header
//	[N bytes]  JSON header: {"__metadata__": {string: string},
//	           "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
//	[rest]     tensor data, little-endian; offsets are relative to the start of this section
//
// The writer puts the tensors in Names() order, back to back from offset 0,
// and pads the header with spaces to a multiple of 8 bytes. The reader is
// strict: the data section must be tiled exactly by the tensors' byte ranges
// (no gaps, no overlap, no trailing bytes), and each byte range must match
// its shape. It never panics on bad input and allocates tensor memory only
// after the byte ranges have been checked against the real input size.
//
// Bounds (see docs/LIMITS.md): a header of at most MaxSafetensorsHeader
// bytes, at most MaxSafetensorsTensors tensors of at most
// MaxSafetensorsRank dimensions, a file of at most MaxSafetensorsFile
// bytes. Every value must be finite: the reader refuses NaN and ±Inf,
// naming the tensor, and the writer refuses to write them.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"jrx/internal/safeio"
)

// Caps on what the safetensors reader accepts (and the writer produces).
const (
	// MaxSafetensorsHeader bounds the JSON header: 16 MiB (a jrx model's
	// header is a few kB; 65,536 tensor entries fit in about 6 MB).
	MaxSafetensorsHeader = 16 << 20
	// MaxSafetensorsTensors bounds the number of tensors in one file.
	MaxSafetensorsTensors = 1 << 16
	// MaxSafetensorsRank bounds the number of dimensions of one tensor.
	MaxSafetensorsRank = 8
	// MaxSafetensorsFile bounds the size of a file ReadSafetensorsFile
	// reads: 4 GiB.
	MaxSafetensorsFile = 4 << 30
)

const stMetadataKey = "__metadata__"

// TensorSource is anything with named float32 tensors (the parameter buffer
// type in nn satisfies it). W(name) must have exactly the number of elements
// of Shape(name); a 0-d tensor (Shape empty) has one element.
type TensorSource interface {
	Names() []string
	Shape(name string) []int
	W(name string) []float32
}

// SafeTensor is one tensor read from a safetensors file.
type SafeTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// SafeFile is a parsed safetensors file. Meta is never nil (empty when the
// file has no __metadata__). Order lists the tensor names sorted by data
// offset, which for files written by WriteSafetensors is the header order
// and the Names() order of the source.
//
// SafeFile itself is a TensorSource (Names returns Order), so it can be
// re-encoded with EncodeSafetensors.
type SafeFile struct {
	Meta    map[string]string
	Tensors map[string]*SafeTensor
	Order   []string
}

// Names returns f.Order (TensorSource).
func (f *SafeFile) Names() []string { return f.Order }

// Shape returns the shape of the named tensor, nil if absent (TensorSource).
func (f *SafeFile) Shape(name string) []int {
	if t, ok := f.Tensors[name]; ok {
		return t.Shape
	}
	return nil
}

// W returns the data of the named tensor, nil if absent (TensorSource).
func (f *SafeFile) W(name string) []float32 {
	if t, ok := f.Tensors[name]; ok {
		return t.Data
	}
	return nil
}

// stShapeElems returns the number of elements of a shape (1 for a 0-d shape),
// or an error if a dimension is negative or the element count times 4 bytes
// does not fit in an int. A shape with a zero dimension has 0 elements
// whatever its other dimensions.
func stShapeElems(shape []int) (int, error) {
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
	}
	if slices.Contains(shape, 0) {
		return 0, nil
	}
	n := uint64(1)
	for _, d := range shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt/4 {
			return 0, fmt.Errorf("shape %v overflows", shape)
		}
		n = lo
	}
	return int(n), nil
}

// stCheckName rejects tensor names the format cannot carry faithfully.
func stCheckName(name string) error {
	switch {
	case name == "":
		return errors.New("safetensors: empty tensor name")
	case name == stMetadataKey:
		return fmt.Errorf("safetensors: tensor name %q is reserved", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", name)
	}
	return nil
}

// ---------------------------------------------------------------- writing

// EncodeSafetensors writes src's tensors, in Names() order, and meta as a
// safetensors file to w. Everything is validated before the first byte is
// written: names must be non-empty, unique, valid UTF-8 and not
// "__metadata__"; shapes non-negative; len(W(name)) must equal the shape's
// element count; metadata keys and values must be valid UTF-8. An empty or
// nil meta writes no __metadata__ entry.
func EncodeSafetensors(w io.Writer, src TensorSource, meta map[string]string) error {
	return EncodeSafetensorsAs(w, src, meta, F32)
}

// EncodeSafetensorsAs is EncodeSafetensors storing every tensor as dtype:
// F32 writes the values as they are; F16 and BF16 round each to the
// nearest value of that type (ties to even). A value that rounds to an
// infinity (past 65504 in F16) is refused, naming the tensor, as a
// non-finite one is.
func EncodeSafetensorsAs(w io.Writer, src TensorSource, meta map[string]string, dtype DType) error {
	if dtype != F32 && dtype != F16 && dtype != BF16 {
		return fmt.Errorf("safetensors: cannot write dtype %v", dtype)
	}
	size := dtype.Size()
	names := src.Names()
	datas := make([][]float32, len(names))
	seen := make(map[string]bool, len(names))

	var hdr bytes.Buffer
	hdr.WriteByte('{')
	if len(meta) > 0 {
		keys := make([]string, 0, len(meta))
		for k, v := range meta {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return fmt.Errorf("safetensors: metadata %q: key or value is not valid UTF-8", k)
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		hdr.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				hdr.WriteByte(',')
			}
			stWriteJSONString(&hdr, k)
			hdr.WriteByte(':')
			stWriteJSONString(&hdr, meta[k])
		}
		hdr.WriteByte('}')
	}
	if len(names) > MaxSafetensorsTensors {
		return fmt.Errorf("safetensors: %d tensors, more than the %d limit", len(names), MaxSafetensorsTensors)
	}
	off := 0
	for i, name := range names {
		if err := stCheckName(name); err != nil {
			return err
		}
		if seen[name] {
			return fmt.Errorf("safetensors: duplicate tensor %q", name)
		}
		seen[name] = true
		shape := src.Shape(name)
		n, err := stShapeElems(shape)
		if err != nil {
			return fmt.Errorf("safetensors: tensor %q: %v", name, err)
		}
		if len(shape) > MaxSafetensorsRank {
			return fmt.Errorf("safetensors: tensor %q: shape %v has more than %d dimensions", name, shape, MaxSafetensorsRank)
		}
		data := src.W(name)
		if len(data) != n {
			return fmt.Errorf("safetensors: tensor %q: shape %v needs %d values, W has %d", name, shape, n, len(data))
		}
		for j, v := range data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("safetensors: tensor %q: value %d of %d is %v (non-finite values are not written: the reader refuses them)", name, j, n, v)
			}
			if dtype == F16 && F32ToF16(v)&0x7c00 == 0x7c00 || dtype == BF16 && F32ToBF16(v)&0x7f80 == 0x7f80 {
				return fmt.Errorf("safetensors: tensor %q: value %d of %d (%v) is out of the range of %s", name, j, n, v, dtype)
			}
		}
		datas[i] = data
		if off > math.MaxInt-size*n {
			return fmt.Errorf("safetensors: tensor %q: total data size overflows", name)
		}
		if len(meta) > 0 || i > 0 {
			hdr.WriteByte(',')
		}
		stWriteJSONString(&hdr, name)
		hdr.WriteString(`:{"dtype":"` + dtype.String() + `","shape":[`)
		for j, d := range shape {
			if j > 0 {
				hdr.WriteByte(',')
			}
			hdr.WriteString(strconv.Itoa(d))
		}
		hdr.WriteString(`],"data_offsets":[`)
		hdr.WriteString(strconv.Itoa(off))
		hdr.WriteByte(',')
		off += size * n
		hdr.WriteString(strconv.Itoa(off))
		hdr.WriteString("]}")
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	if hdr.Len() > MaxSafetensorsHeader {
		return fmt.Errorf("safetensors: header is %d bytes, more than the %d-byte limit", hdr.Len(), MaxSafetensorsHeader)
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	var n8 [8]byte
	binary.LittleEndian.PutUint64(n8[:], uint64(hdr.Len()))
	bw.Write(n8[:])
	bw.Write(hdr.Bytes())
	var buf [4]byte
	for _, data := range datas {
		for _, v := range data {
			switch dtype {
			case F16:
				binary.LittleEndian.PutUint16(buf[:], F32ToF16(v))
			case BF16:
				binary.LittleEndian.PutUint16(buf[:], F32ToBF16(v))
			default:
				binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			}
			if _, err := bw.Write(buf[:size]); err != nil {
				return fmt.Errorf("safetensors: write: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return nil
}

// stWriteJSONString writes s as a JSON string literal, without HTML escaping
// (so names and metadata stay readable and the header does not grow).
func stWriteJSONString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte{'\n'}))
}

// WriteSafetensors writes src and meta to path atomically through jrx's
// guarded writer (internal/safeio): it encodes into a temporary file in the
// same directory, fsyncs it and renames it over path. On any error path is
// left untouched and the temporary file is removed. A new file gets 0644
// less the umask; a replaced one keeps its permission bits; a symlink is
// written through to its target; a directory, device node or FIFO is
// refused.
func WriteSafetensors(path string, src TensorSource, meta map[string]string) error {
	return WriteSafetensorsAs(path, src, meta, F32)
}

// WriteSafetensorsAs is WriteSafetensors storing every tensor as dtype
// (see EncodeSafetensorsAs).
func WriteSafetensorsAs(path string, src TensorSource, meta map[string]string, dtype DType) error {
	return safeio.WriteFile(path, func(w io.Writer) error {
		if err := EncodeSafetensorsAs(w, src, meta, dtype); err != nil {
			return fmt.Errorf("%w (writing %s)", err, path)
		}
		return nil
	})
}

// ---------------------------------------------------------------- reading

// ReadSafetensorsFile reads and parses a safetensors file (see
// ReadSafetensorsBytes and ParseSafetensors). Errors name the path.
func ReadSafetensorsFile(path string) (*SafeFile, error) {
	b, err := ReadSafetensorsBytes(path)
	if err != nil {
		return nil, err
	}
	f, err := ParseSafetensors(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ReadSafetensorsBytes reads the bytes of a safetensors file through jrx's
// guarded reader (see OpenSafetensorsFile): the header is read and checked
// before the data section is. The data is not decoded (ParseSafetensors
// does that). Errors name the path.
func ReadSafetensorsBytes(path string) ([]byte, error) {
	o, err := OpenSafetensorsFile(path)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return o.ReadAll()
}

// SafetensorsReader is a safetensors file open for reading whose header has
// been read and checked, and whose data section has not been read yet.
type SafetensorsReader struct {
	Header *SafeHeader
	f      *safeio.File
	path   string
	prefix []byte // the first 8 + header-length bytes
	size   int64
}

// OpenSafetensorsFile opens path through jrx's guarded reader
// (internal/safeio): a path that is not a regular file is refused unread
// and without blocking, a file over MaxSafetensorsFile is refused from its
// size, and the 8-byte length and the header are read and checked against
// the file's size (every byte range inside it, tiling it exactly). A sparse
// or garbage file costs a few bytes of reading, not its size, and a caller
// can check the header (shapes, configs, memory) before reading the data
// with ReadAll. Errors name the path.
func OpenSafetensorsFile(path string) (*SafetensorsReader, error) {
	f, err := safeio.Open(path, MaxSafetensorsFile)
	if err != nil {
		return nil, err
	}
	o, err := readSTHeader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return o, nil
}

func readSTHeader(f *safeio.File, path string) (*SafetensorsReader, error) {
	size := f.Size()
	if size > MaxSafetensorsFile {
		return nil, fmt.Errorf("%s: safetensors: file is %s, more than the %s limit", path, safeio.FormatBytes(size), safeio.FormatBytes(MaxSafetensorsFile))
	}
	var n8 [8]byte
	if _, err := io.ReadFull(f, n8[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%s: safetensors: file is %d bytes, too short for the 8-byte header length", path, size)
		}
		return nil, err
	}
	n, err := stHeaderLen(n8[:], size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	prefix := make([]byte, 8+n)
	copy(prefix, n8[:])
	if _, err := io.ReadFull(f, prefix[8:]); err != nil {
		return nil, fmt.Errorf("%s: safetensors: reading the header: %w (did the file change?)", path, err)
	}
	h, err := parseSTHeader(prefix[8:], int(size)-8-n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &SafetensorsReader{Header: h, f: f, path: path, prefix: prefix, size: size}, nil
}

// Size is the file's size in bytes.
func (o *SafetensorsReader) Size() int64 { return o.size }

// ReadAll reads the data section and returns the whole file's bytes
// (header included, as ParseSafetensors and the model loaders take them).
// Call it once.
func (o *SafetensorsReader) ReadAll() ([]byte, error) {
	// Only now is the file's size known to be what the header describes.
	b := make([]byte, o.size)
	n := copy(b, o.prefix)
	if _, err := io.ReadFull(o.f, b[n:]); err != nil {
		return nil, fmt.Errorf("%s: safetensors: reading the data: %w (did the file change?)", o.path, err)
	}
	var one [1]byte
	if k, _ := o.f.Read(one[:]); k > 0 {
		return nil, fmt.Errorf("%s: safetensors: the file grew while it was read", o.path)
	}
	return b, nil
}

// Close closes the file.
func (o *SafetensorsReader) Close() error { return o.f.Close() }

// SafeTensorInfo is one tensor of a checked safetensors header: its shape
// and its byte range [Begin, End) in the data section.
type SafeTensorInfo struct {
	Name       string
	DType      DType
	Shape      []int
	Begin, End int
	index      int // position in the header
}

// SafeHeader is a parsed safetensors header whose byte ranges have been
// checked against the size of its file (they tile the data section
// exactly), with no tensor data decoded. Infos is sorted by data offset.
// Code that loads a model reads the header first, checks the shapes the
// model needs (Expect) and only then allocates and decodes (LoadInto).
type SafeHeader struct {
	Meta  map[string]string
	Infos []SafeTensorInfo
	// DataStart is the offset of the data section in the file (8 + the
	// header length).
	DataStart int
	byName    map[string]int
}

// stHeaderLen reads the header length from the first 8 bytes and checks it
// against the limit and the file's size.
func stHeaderLen(n8 []byte, size int64) (int, error) {
	if size < 8 || len(n8) < 8 {
		return 0, fmt.Errorf("safetensors: file is %d bytes, too short for the 8-byte header length", size)
	}
	n := binary.LittleEndian.Uint64(n8[:8])
	if n > MaxSafetensorsHeader {
		return 0, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", n, MaxSafetensorsHeader)
	}
	if n > uint64(size-8) {
		return 0, fmt.Errorf("safetensors: truncated file: header length %d but only %d bytes follow", n, size-8)
	}
	return int(n), nil
}

// ParseSafetensorsHeader parses and checks the header of the safetensors
// file held in b (the whole file), without decoding any tensor data. It
// rejects everything ParseSafetensors rejects except non-finite values.
func ParseSafetensorsHeader(b []byte) (*SafeHeader, error) {
	n, err := stHeaderLen(b, int64(len(b)))
	if err != nil {
		return nil, err
	}
	return parseSTHeader(b[8:8+n], len(b)-8-n)
}

// parseSTHeader parses header (the JSON bytes) for a data section of
// dataLen bytes.
func parseSTHeader(header []byte, dataLen int) (*SafeHeader, error) {
	if !utf8.Valid(header) {
		return nil, errors.New("safetensors: header is not valid UTF-8")
	}
	h := &SafeHeader{Meta: map[string]string{}, DataStart: 8 + len(header)}
	if err := stParseHeaderJSON(header, h); err != nil {
		return nil, err
	}
	raws := h.Infos
	// The byte ranges, sorted by (begin, end), must tile data exactly.
	sort.SliceStable(raws, func(i, j int) bool {
		if raws[i].Begin != raws[j].Begin {
			return raws[i].Begin < raws[j].Begin
		}
		return raws[i].End < raws[j].End
	})
	pos := 0
	for i, rt := range raws {
		if rt.End > dataLen {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] extend past the end of the data (%d bytes): truncated file?", rt.Name, rt.Begin, rt.End, dataLen)
		}
		if rt.Begin < pos {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] overlap tensor %q", rt.Name, rt.Begin, rt.End, raws[i-1].Name)
		}
		if rt.Begin > pos {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] leave a gap at bytes [%d, %d]", rt.Name, rt.Begin, rt.End, pos, rt.Begin)
		}
		pos = rt.End
	}
	if pos != dataLen {
		return nil, fmt.Errorf("safetensors: %d bytes of data after the last tensor (the ranges cover [0, %d] of %d)", dataLen-pos, pos, dataLen)
	}
	h.byName = make(map[string]int, len(raws))
	for i, rt := range raws {
		h.byName[rt.Name] = i
	}
	return h, nil
}

// Names returns the tensor names in data order.
func (h *SafeHeader) Names() []string {
	out := make([]string, len(h.Infos))
	for i, t := range h.Infos {
		out[i] = t.Name
	}
	return out
}

// Shape returns the named tensor's shape, nil if absent.
func (h *SafeHeader) Shape(name string) []int {
	if i, ok := h.byName[name]; ok {
		return h.Infos[i].Shape
	}
	return nil
}

// Has reports whether the header declares the named tensor.
func (h *SafeHeader) Has(name string) bool { _, ok := h.byName[name]; return ok }

// Expect checks the header's tensors against shapes, exactly like
// SafeFile.Expect, before any data is decoded.
func (h *SafeHeader) Expect(shapes map[string][]int) error {
	return stExpect(h.Names(), func(n string) ([]int, bool) {
		i, ok := h.byName[n]
		if !ok {
			return nil, false
		}
		return h.Infos[i].Shape, true
	}, shapes)
}

// LoadInto decodes the tensors of b (the file h was parsed from) straight
// into dst's W views: dst must have exactly h's tensors with the same
// shapes (Expect) and every value must be finite; nothing is written
// unless all checks pass.
func (h *SafeHeader) LoadInto(b []byte, dst TensorSource) error {
	if end := h.DataStart + stDataEnd(h.Infos); len(b) != end {
		return fmt.Errorf("safetensors: load: %d bytes given for a file of %d", len(b), end)
	}
	names := dst.Names()
	shapes, err := stShapesOf(dst, names)
	if err != nil {
		return err
	}
	if err := h.Expect(shapes); err != nil {
		return err
	}
	views := make([][]float32, len(names))
	srcs := make([][]byte, len(names))
	types := make([]DType, len(names))
	for i, name := range names {
		t := h.Infos[h.byName[name]]
		views[i] = dst.W(name)
		srcs[i] = b[h.DataStart+t.Begin : h.DataStart+t.End]
		types[i] = t.DType
		if len(views[i]) != len(srcs[i])/t.DType.Size() {
			return fmt.Errorf("safetensors: load: tensor %q: destination W has %d values, file has %d", name, len(views[i]), len(srcs[i])/t.DType.Size())
		}
		if err := stCheckFinite(name, t.DType, srcs[i]); err != nil {
			return err
		}
	}
	for i := range names {
		stDecode(views[i], types[i], srcs[i])
	}
	return nil
}

func stDataEnd(infos []SafeTensorInfo) int {
	if len(infos) == 0 {
		return 0
	}
	return infos[len(infos)-1].End
}

// stCheckFinite rejects a NaN or an infinity in src (little-endian values
// of dtype t), naming the tensor and the value's index.
func stCheckFinite(name string, t DType, src []byte) error {
	if t != F32 {
		return stCheckFinite16(name, t, src)
	}
	for j := 0; j+4 <= len(src); j += 4 {
		u := binary.LittleEndian.Uint32(src[j:])
		if u&0x7f800000 == 0x7f800000 {
			return fmt.Errorf("safetensors: tensor %q: value %d of %d is %v (non-finite weights are refused)", name, j/4, len(src)/4, math.Float32frombits(u))
		}
	}
	return nil
}

// stCheckFinite16 is stCheckFinite for F16 and BF16 values.
func stCheckFinite16(name string, t DType, src []byte) error {
	mask := uint16(0x7c00) // F16: exponent all ones
	if t == BF16 {
		mask = 0x7f80
	}
	for j := 0; j+2 <= len(src); j += 2 {
		u := binary.LittleEndian.Uint16(src[j:])
		if u&mask == mask {
			return fmt.Errorf("safetensors: tensor %q: value %d of %d is %v (non-finite weights are refused)", name, j/2, len(src)/2, Mat{DType: t, U16: []uint16{u}}.At(0))
		}
	}
	return nil
}

// stDecode widens the little-endian values of dtype t in src into dst.
func stDecode(dst []float32, t DType, src []byte) {
	switch t {
	case F16:
		for j := range dst {
			dst[j] = F16ToF32(binary.LittleEndian.Uint16(src[2*j:]))
		}
		return
	case BF16:
		for j := range dst {
			dst[j] = BF16ToF32(binary.LittleEndian.Uint16(src[2*j:]))
		}
		return
	}
	for j := range dst {
		dst[j] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*j:]))
	}
}

// ParseSafetensors parses a whole safetensors file held in b. It rejects,
// with an error naming the tensor where there is one: a truncated file, a
// header over MaxSafetensorsHeader, invalid JSON or UTF-8, duplicate keys,
// more than MaxSafetensorsTensors tensors, a dtype other than F32, F16 or
// BF16 (those two are widened to float32, exactly), a
// missing, negative or overflowing shape or one of more than
// MaxSafetensorsRank dimensions, bad data_offsets, a byte range that does
// not match the shape, ranges that overlap, leave gaps or do not end
// exactly at the end of the file, non-string metadata values, and NaN or
// infinite values. The returned data does not alias b. Memory: b, the
// decoded tensors (at most len(b)) and a bounded header.
func ParseSafetensors(b []byte) (*SafeFile, error) {
	h, err := ParseSafetensorsHeader(b)
	if err != nil {
		return nil, err
	}
	for _, t := range h.Infos {
		if err := stCheckFinite(t.Name, t.DType, b[h.DataStart+t.Begin:h.DataStart+t.End]); err != nil {
			return nil, err
		}
	}
	f := &SafeFile{Meta: h.Meta, Tensors: make(map[string]*SafeTensor, len(h.Infos)), Order: make([]string, len(h.Infos))}
	for i, t := range h.Infos {
		vals := make([]float32, (t.End-t.Begin)/t.DType.Size())
		stDecode(vals, t.DType, b[h.DataStart+t.Begin:h.DataStart+t.End])
		f.Tensors[t.Name] = &SafeTensor{Name: t.Name, Shape: t.Shape, Data: vals}
		f.Order[i] = t.Name
	}
	return f, nil
}

// stParseHeaderJSON reads the header's JSON object token by token, so that
// memory stays bounded by the header whatever it holds: a value of an
// unexpected kind is an error at once (nothing nested is walked), arrays of
// integers stop after MaxSafetensorsRank values, and the tensor count stops
// at MaxSafetensorsTensors.
func stParseHeaderJSON(header []byte, h *SafeHeader) error {
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("safetensors: header: invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("safetensors: header: expected a JSON object, got %s", stTruncate(header))
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("safetensors: header: invalid JSON: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("safetensors: header: invalid JSON: object key %v", tok)
		}
		if seen[key] {
			return fmt.Errorf("safetensors: header: duplicate key %q", key)
		}
		seen[key] = true
		if key == stMetadataKey {
			if err := stParseMeta(dec, h.Meta); err != nil {
				return err
			}
			continue
		}
		if len(h.Infos) == MaxSafetensorsTensors {
			return fmt.Errorf("safetensors: header declares more than %d tensors", MaxSafetensorsTensors)
		}
		rt, err := stParseTensorInfo(dec, key)
		if err != nil {
			return err
		}
		rt.index = len(h.Infos)
		h.Infos = append(h.Infos, rt)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return fmt.Errorf("safetensors: header: invalid JSON: %v", err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return fmt.Errorf("safetensors: header: invalid JSON after the object: %v", err)
		}
		return fmt.Errorf("safetensors: header: unexpected %s after the JSON object", stDescribe(tok))
	}
	return nil
}

// stDescribe writes a JSON token for an error message.
func stDescribe(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case string:
		return stTruncate([]byte(strconv.Quote(v)))
	case json.Number:
		return stTruncate([]byte(v))
	case json.Delim:
		return string(v) + "..."
	}
	return stTruncate([]byte(fmt.Sprint(tok)))
}

func stParseMeta(dec *json.Decoder, meta map[string]string) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("safetensors: __metadata__: invalid JSON: %v", err)
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("safetensors: __metadata__: expected a JSON object, got %s", stDescribe(tok))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("safetensors: __metadata__: invalid JSON: %v", err)
		}
		key, _ := tok.(string)
		if _, dup := meta[key]; dup {
			return fmt.Errorf("safetensors: __metadata__: duplicate key %q", key)
		}
		if tok, err = dec.Token(); err != nil {
			return fmt.Errorf("safetensors: __metadata__ %q: invalid JSON: %v", key, err)
		}
		s, ok := tok.(string)
		if !ok {
			return fmt.Errorf("safetensors: __metadata__ %q: value %s is not a string", key, stDescribe(tok))
		}
		meta[key] = s
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("safetensors: __metadata__: invalid JSON: %v", err)
	}
	return nil
}

// stInts is one integer-array field of a tensor entry: its values, or the
// first problem with them.
type stInts struct {
	set  bool
	vals []int
	err  error
}

// stParseTensorInfo reads one tensor entry. Syntax errors and values of a
// nested kind stop at once; other problems are reported in a fixed order
// (dtype, shape, data_offsets) once the entry is read.
func stParseTensorInfo(dec *json.Decoder, name string) (SafeTensorInfo, error) {
	rt := SafeTensorInfo{Name: name}
	fail := func(format string, args ...any) (SafeTensorInfo, error) {
		return rt, fmt.Errorf("safetensors: tensor %q: %s", name, fmt.Sprintf(format, args...))
	}
	if err := stCheckName(name); err != nil {
		return rt, err
	}
	tok, err := dec.Token()
	if err != nil {
		return fail("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fail("expected a JSON object, got %s", stDescribe(tok))
	}
	var dtype json.Token
	var hasDtype bool
	var shape, offsets stInts
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail("invalid JSON: %v", err)
		}
		key, _ := tok.(string)
		if key == "dtype" && hasDtype || key == "shape" && shape.set || key == "data_offsets" && offsets.set {
			return fail("duplicate key %q", key)
		}
		switch key {
		case "dtype":
			if dtype, err = dec.Token(); err != nil {
				return fail("invalid JSON: %v", err)
			}
			if _, nested := dtype.(json.Delim); nested {
				return fail("dtype %s not supported (F32, F16 or BF16)", stDescribe(dtype))
			}
			hasDtype = true
		case "shape":
			if shape, err = stReadInts(dec); err != nil {
				return fail("shape: %v", err)
			}
		case "data_offsets":
			if offsets, err = stReadInts(dec); err != nil {
				return fail("data_offsets: %v", err)
			}
		default:
			return fail("unknown field %q", key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail("invalid JSON: %v", err)
	}
	if !hasDtype {
		return fail("missing dtype")
	}
	s, ok := dtype.(string)
	if ok && s != "F32" && s != "F16" && s != "BF16" {
		ok = false
	}
	if !ok {
		return fail("dtype %s not supported (F32, F16 or BF16)", stDescribe(dtype))
	}
	rt.DType, _ = ParseDType(s)
	size := rt.DType.Size()
	if !shape.set {
		return fail("missing shape")
	}
	if shape.err != nil {
		return fail("shape: %v", shape.err)
	}
	rt.Shape = shape.vals
	if !offsets.set {
		return fail("missing data_offsets")
	}
	if offsets.err != nil {
		return fail("data_offsets: %v", offsets.err)
	}
	offs := offsets.vals
	if len(offs) != 2 {
		return fail("data_offsets has %d values, want [begin, end]", len(offs))
	}
	rt.Begin, rt.End = offs[0], offs[1]
	if rt.End < rt.Begin {
		return fail("data_offsets [%d, %d] out of order", rt.Begin, rt.End)
	}
	elems, err := stShapeElems(rt.Shape)
	if err != nil {
		return fail("%v", err)
	}
	if rt.End-rt.Begin != size*elems {
		return fail("shape %v needs %d bytes of %s but data_offsets [%d, %d] span %d", rt.Shape, size*elems, rt.DType, rt.Begin, rt.End, rt.End-rt.Begin)
	}
	return rt, nil
}

// stReadInts reads a JSON array of non-negative integers (plain decimal
// literals: no fractions, exponents, strings or nulls) of at most
// MaxSafetensorsRank values. A scalar where the array should be, or a bad
// element, is recorded in the result (the caller reports it in order); a
// nested value or too many values is a returned error.
func stReadInts(dec *json.Decoder) (stInts, error) {
	r := stInts{set: true}
	tok, err := dec.Token()
	if err != nil {
		return r, fmt.Errorf("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		if ok {
			return r, fmt.Errorf("expected an array of integers, got %s", stDescribe(tok))
		}
		r.err = fmt.Errorf("expected an array of integers, got %s", stDescribe(tok))
		return r, nil
	}
	r.vals = []int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return r, fmt.Errorf("invalid JSON: %v", err)
		}
		if _, nested := tok.(json.Delim); nested {
			return r, fmt.Errorf("expected an array of integers, got a nested %s", stDescribe(tok))
		}
		if len(r.vals) == MaxSafetensorsRank {
			return r, fmt.Errorf("more than %d values (the most dimensions a tensor may have)", MaxSafetensorsRank)
		}
		if r.err != nil {
			r.vals = append(r.vals, 0)
			continue
		}
		num, _ := tok.(json.Number)
		if len(num) > 24 { // no int has more digits; skip parsing a huge literal
			num = num[:24]
		}
		v, perr := strconv.ParseInt(string(num), 10, strconv.IntSize)
		switch {
		case num == "" || perr != nil && !errors.Is(perr, strconv.ErrRange):
			r.err = fmt.Errorf("value %s is not an integer", stDescribe(tok))
		case perr != nil:
			r.err = fmt.Errorf("value %s overflows", stDescribe(tok))
		case v < 0:
			r.err = fmt.Errorf("negative value %d", v)
		}
		r.vals = append(r.vals, int(v))
	}
	if _, err := dec.Token(); err != nil {
		return r, fmt.Errorf("invalid JSON: %v", err)
	}
	return r, nil
}

func stTruncate(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// ---------------------------------------------------------------- checking

// Expect checks that f holds exactly the tensors in shapes, with those
// shapes. The error lists every problem (up to a limit), each naming the
// tensor: missing tensors, unknown (unexpected) tensors, and wrong shapes
// as "expected [..], got [..]".
func (f *SafeFile) Expect(shapes map[string][]int) error {
	return stExpect(f.Order, func(n string) ([]int, bool) {
		t, ok := f.Tensors[n]
		if !ok {
			return nil, false
		}
		return t.Shape, true
	}, shapes)
}

// stExpect is Expect over a file's tensor names and a shape lookup.
func stExpect(have []string, shapeOf func(string) ([]int, bool), shapes map[string][]int) error {
	var missing, unknown, wrong []string
	for name, want := range shapes {
		got, ok := shapeOf(name)
		if !ok {
			missing = append(missing, fmt.Sprintf("safetensors: missing tensor %q (expected shape %v)", name, stFmtShape(want)))
			continue
		}
		if !slices.Equal(got, want) {
			wrong = append(wrong, fmt.Sprintf("safetensors: tensor %q: wrong shape: expected %v, got %v", name, stFmtShape(want), stFmtShape(got)))
		}
	}
	for _, name := range have {
		if _, ok := shapes[name]; !ok {
			got, _ := shapeOf(name)
			unknown = append(unknown, fmt.Sprintf("safetensors: unknown tensor %q (shape %v) not expected", name, stFmtShape(got)))
		}
	}
	sort.Strings(missing)
	sort.Strings(unknown)
	sort.Strings(wrong)
	probs := slices.Concat(missing, unknown, wrong)
	if len(probs) == 0 {
		return nil
	}
	const maxShown = 10
	if len(probs) > maxShown {
		more := len(probs) - maxShown
		probs = append(probs[:maxShown], fmt.Sprintf("safetensors: ... and %d more problems", more))
	}
	return errors.New(strings.Join(probs, "\n"))
}

func stFmtShape(s []int) string {
	if s == nil {
		s = []int{}
	}
	return fmt.Sprint(s)
}

// LoadInto copies every tensor of f into dst. dst must have exactly f's
// tensors with the same shapes (checked with Expect) and W() views of the
// right lengths; nothing is copied unless all checks pass.
func (f *SafeFile) LoadInto(dst TensorSource) error {
	names := dst.Names()
	shapes, err := stShapesOf(dst, names)
	if err != nil {
		return err
	}
	if err := f.Expect(shapes); err != nil {
		return err
	}
	views := make([][]float32, len(names))
	for i, name := range names {
		views[i] = dst.W(name)
		if n := len(f.Tensors[name].Data); len(views[i]) != n {
			return fmt.Errorf("safetensors: load: tensor %q: destination W has %d values, file has %d", name, len(views[i]), n)
		}
	}
	for i, name := range names {
		copy(views[i], f.Tensors[name].Data)
	}
	return nil
}

// stShapesOf maps dst's names to their shapes, refusing duplicates.
func stShapesOf(dst TensorSource, names []string) (map[string][]int, error) {
	shapes := make(map[string][]int, len(names))
	for _, name := range names {
		if _, dup := shapes[name]; dup {
			return nil, fmt.Errorf("safetensors: load: destination has duplicate tensor %q", name)
		}
		shapes[name] = dst.Shape(name)
	}
	return shapes, nil
}
