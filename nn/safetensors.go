package nn

// Safetensors checkpoint I/O (float32 only).
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
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxSafetensorsHeader is the largest JSON header the reader accepts (and
// the writer produces): 100 MiB.
const MaxSafetensorsHeader = 100 << 20

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
		data := src.W(name)
		if len(data) != n {
			return fmt.Errorf("safetensors: tensor %q: shape %v needs %d values, W has %d", name, shape, n, len(data))
		}
		datas[i] = data
		if off > math.MaxInt-4*n {
			return fmt.Errorf("safetensors: tensor %q: total data size overflows", name)
		}
		if len(meta) > 0 || i > 0 {
			hdr.WriteByte(',')
		}
		stWriteJSONString(&hdr, name)
		hdr.WriteString(`:{"dtype":"F32","shape":[`)
		for j, d := range shape {
			if j > 0 {
				hdr.WriteByte(',')
			}
			hdr.WriteString(strconv.Itoa(d))
		}
		hdr.WriteString(`],"data_offsets":[`)
		hdr.WriteString(strconv.Itoa(off))
		hdr.WriteByte(',')
		off += 4 * n
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
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			if _, err := bw.Write(buf[:]); err != nil {
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

// WriteSafetensors writes src and meta to path atomically: it encodes into a
// temporary file in the same directory, fsyncs it, renames it over path and
// (best effort) fsyncs the directory. On any error path is left untouched
// and the temporary file is removed. The new file keeps the permission bits
// of the file it replaces, or gets 0644.
func WriteSafetensors(path string, src TensorSource, meta map[string]string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	perm := os.FileMode(0o644)
	if st, e := os.Stat(path); e == nil && st.Mode().IsRegular() {
		perm = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = EncodeSafetensors(f, src, meta); err != nil {
		return fmt.Errorf("%w (writing %s)", err, path)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	if d, e := os.Open(dir); e == nil {
		d.Sync() // best effort: some filesystems reject fsync on directories
		d.Close()
	}
	return nil
}

// ---------------------------------------------------------------- reading

// ReadSafetensorsFile reads and parses a safetensors file (see
// ParseSafetensors). Errors are prefixed with the path.
func ReadSafetensorsFile(path string) (*SafeFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := ParseSafetensors(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

type stRawTensor struct {
	name       string
	shape      []int
	begin, end int
	index      int // position in the header
}

// ParseSafetensors parses a whole safetensors file held in b. It rejects,
// with an error naming the tensor where there is one: a truncated file, a
// header over MaxSafetensorsHeader, invalid JSON or UTF-8, duplicate keys,
// a dtype other than F32, a missing, negative or overflowing shape, bad
// data_offsets, a byte range that does not match the shape, ranges that
// overlap, leave gaps or do not end exactly at the end of the file, and
// non-string metadata values. The returned data does not alias b.
func ParseSafetensors(b []byte) (*SafeFile, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, too short for the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if n > MaxSafetensorsHeader {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", n, MaxSafetensorsHeader)
	}
	if n > uint64(len(b)-8) {
		return nil, fmt.Errorf("safetensors: truncated file: header length %d but only %d bytes follow", n, len(b)-8)
	}
	header := b[8 : 8+int(n)]
	data := b[8+int(n):]
	if !utf8.Valid(header) {
		return nil, errors.New("safetensors: header is not valid UTF-8")
	}

	entries, err := stJSONObject(header)
	if err != nil {
		return nil, fmt.Errorf("safetensors: header: %v", err)
	}
	f := &SafeFile{Meta: map[string]string{}, Tensors: map[string]*SafeTensor{}}
	var raws []stRawTensor
	for _, e := range entries {
		if e.key == stMetadataKey {
			if err := stParseMeta(e.val, f.Meta); err != nil {
				return nil, err
			}
			continue
		}
		rt, err := stParseTensorInfo(e.key, e.val)
		if err != nil {
			return nil, err
		}
		rt.index = len(raws)
		raws = append(raws, rt)
	}

	// The byte ranges, sorted by (begin, end), must tile data exactly.
	sort.SliceStable(raws, func(i, j int) bool {
		if raws[i].begin != raws[j].begin {
			return raws[i].begin < raws[j].begin
		}
		return raws[i].end < raws[j].end
	})
	pos := 0
	for i, rt := range raws {
		if rt.end > len(data) {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] extend past the end of the data (%d bytes): truncated file?", rt.name, rt.begin, rt.end, len(data))
		}
		if rt.begin < pos {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] overlap tensor %q", rt.name, rt.begin, rt.end, raws[i-1].name)
		}
		if rt.begin > pos {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] leave a gap at bytes [%d, %d]", rt.name, rt.begin, rt.end, pos, rt.begin)
		}
		pos = rt.end
	}
	if pos != len(data) {
		return nil, fmt.Errorf("safetensors: %d bytes of data after the last tensor (the ranges cover [0, %d] of %d)", len(data)-pos, pos, len(data))
	}

	// Every range is now within data: decode.
	f.Order = make([]string, len(raws))
	for i, rt := range raws {
		src := data[rt.begin:rt.end]
		vals := make([]float32, len(src)/4)
		for j := range vals {
			vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*j:]))
		}
		f.Tensors[rt.name] = &SafeTensor{Name: rt.name, Shape: rt.shape, Data: vals}
		f.Order[i] = rt.name
	}
	return f, nil
}

func stParseMeta(raw []byte, meta map[string]string) error {
	if string(raw) == "null" {
		return nil
	}
	kvs, err := stJSONObject(raw)
	if err != nil {
		return fmt.Errorf("safetensors: __metadata__: %v", err)
	}
	for _, kv := range kvs {
		if len(kv.val) == 0 || kv.val[0] != '"' {
			return fmt.Errorf("safetensors: __metadata__ %q: value %s is not a string", kv.key, stTruncate(kv.val))
		}
		var s string
		if err := json.Unmarshal(kv.val, &s); err != nil {
			return fmt.Errorf("safetensors: __metadata__ %q: %v", kv.key, err)
		}
		meta[kv.key] = s
	}
	return nil
}

func stParseTensorInfo(name string, raw []byte) (stRawTensor, error) {
	rt := stRawTensor{name: name}
	if err := stCheckName(name); err != nil {
		return rt, err
	}
	fail := func(format string, args ...any) (stRawTensor, error) {
		return rt, fmt.Errorf("safetensors: tensor %q: %s", name, fmt.Sprintf(format, args...))
	}
	fields, err := stJSONObject(raw)
	if err != nil {
		return fail("%v", err)
	}
	var dtype, shape, offsets []byte
	for _, kv := range fields {
		switch kv.key {
		case "dtype":
			dtype = kv.val
		case "shape":
			shape = kv.val
		case "data_offsets":
			offsets = kv.val
		default:
			return fail("unknown field %q", kv.key)
		}
	}
	if dtype == nil {
		return fail("missing dtype")
	}
	if string(dtype) != `"F32"` {
		return fail("dtype %s not supported (only F32)", stTruncate(dtype))
	}
	if shape == nil {
		return fail("missing shape")
	}
	dims, err := stJSONInts(shape)
	if err != nil {
		return fail("shape: %v", err)
	}
	rt.shape = dims
	if offsets == nil {
		return fail("missing data_offsets")
	}
	offs, err := stJSONInts(offsets)
	if err != nil {
		return fail("data_offsets: %v", err)
	}
	if len(offs) != 2 {
		return fail("data_offsets has %d values, want [begin, end]", len(offs))
	}
	rt.begin, rt.end = offs[0], offs[1]
	if rt.begin < 0 || rt.end < 0 {
		return fail("negative data_offsets %v", offs)
	}
	if rt.end < rt.begin {
		return fail("data_offsets [%d, %d] out of order", rt.begin, rt.end)
	}
	elems, err := stShapeElems(dims)
	if err != nil {
		return fail("%v", err)
	}
	if rt.end-rt.begin != 4*elems {
		return fail("shape %v needs %d bytes but data_offsets [%d, %d] span %d", dims, 4*elems, rt.begin, rt.end, rt.end-rt.begin)
	}
	return rt, nil
}

type stJSONKV struct {
	key string
	val []byte // raw JSON value, no surrounding whitespace
}

// stJSONObject splits a JSON object into its members in order, rejecting
// anything but exactly one object, and duplicate keys.
func stJSONObject(b []byte) ([]stJSONKV, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("expected a JSON object, got %s", stTruncate(b))
	}
	var out []stJSONKV
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("invalid JSON: object key %v", tok)
		}
		if seen[key] {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("%q: invalid JSON: %v", key, err)
		}
		out = append(out, stJSONKV{key: key, val: bytes.TrimSpace(val)})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, fmt.Errorf("invalid JSON after the object: %v", err)
		}
		return nil, fmt.Errorf("unexpected %v after the JSON object", tok)
	}
	return out, nil
}

// stJSONInts parses a JSON array of non-negative integers (plain decimal
// literals: no fractions, exponents, strings or nulls).
func stJSONInts(b []byte) ([]int, error) {
	if len(b) == 0 || b[0] != '[' {
		return nil, fmt.Errorf("expected an array of integers, got %s", stTruncate(b))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		return nil, err
	}
	out := make([]int, len(elems))
	for i, e := range elems {
		s := string(bytes.TrimSpace(e))
		v, err := strconv.ParseInt(s, 10, strconv.IntSize)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
				return nil, fmt.Errorf("value %s overflows", stTruncate(e))
			}
			return nil, fmt.Errorf("value %s is not an integer", stTruncate(e))
		}
		if v < 0 {
			return nil, fmt.Errorf("negative value %d", v)
		}
		out[i] = int(v)
	}
	return out, nil
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
	var missing, unknown, wrong []string
	for name, want := range shapes {
		t, ok := f.Tensors[name]
		if !ok {
			missing = append(missing, fmt.Sprintf("safetensors: missing tensor %q (expected shape %v)", name, stFmtShape(want)))
			continue
		}
		if !slices.Equal(t.Shape, want) {
			wrong = append(wrong, fmt.Sprintf("safetensors: tensor %q: wrong shape: expected %v, got %v", name, stFmtShape(want), stFmtShape(t.Shape)))
		}
	}
	for name, t := range f.Tensors {
		if _, ok := shapes[name]; !ok {
			unknown = append(unknown, fmt.Sprintf("safetensors: unknown tensor %q (shape %v) not expected", name, stFmtShape(t.Shape)))
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
	shapes := make(map[string][]int, len(names))
	for _, name := range names {
		if _, dup := shapes[name]; dup {
			return fmt.Errorf("safetensors: load: destination has duplicate tensor %q", name)
		}
		shapes[name] = dst.Shape(name)
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
