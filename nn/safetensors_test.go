package nn

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// stSource is a TensorSource over explicit lists (order is Names order).
type stSource struct {
	names  []string
	shapes map[string][]int
	data   map[string][]float32
}

func newSTSource() *stSource {
	return &stSource{shapes: map[string][]int{}, data: map[string][]float32{}}
}

func (s *stSource) add(name string, shape []int, data []float32) *stSource {
	s.names = append(s.names, name)
	s.shapes[name] = shape
	s.data[name] = data
	return s
}

func (s *stSource) Names() []string         { return s.names }
func (s *stSource) Shape(name string) []int { return s.shapes[name] }
func (s *stSource) W(name string) []float32 { return s.data[name] }

// seq returns n distinct float32 values starting at start.
func stSeq(n int, start float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = start + float32(i)*0.25
	}
	return out
}

func stSameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// stCheckSame fails unless f holds exactly src's tensors (bit-identical, same
// shapes, same order) and meta.
func stCheckSame(t *testing.T, f *SafeFile, src TensorSource, meta map[string]string) {
	t.Helper()
	if !slices.Equal(f.Order, src.Names()) {
		t.Errorf("order = %q, want %q", f.Order, src.Names())
	}
	if len(f.Tensors) != len(src.Names()) {
		t.Errorf("got %d tensors, want %d", len(f.Tensors), len(src.Names()))
	}
	for _, name := range src.Names() {
		got, ok := f.Tensors[name]
		if !ok {
			t.Errorf("tensor %q missing", name)
			continue
		}
		if got.Name != name {
			t.Errorf("tensor %q has Name %q", name, got.Name)
		}
		if !slices.Equal(got.Shape, src.Shape(name)) || (got.Shape == nil) {
			t.Errorf("tensor %q shape = %#v, want %v", name, got.Shape, src.Shape(name))
		}
		if !stSameBits(got.Data, src.W(name)) {
			t.Errorf("tensor %q data = %v, want %v", name, got.Data, src.W(name))
		}
	}
	if f.Meta == nil {
		t.Errorf("Meta is nil")
	}
	if len(f.Meta) != len(meta) {
		t.Errorf("meta = %q, want %q", f.Meta, meta)
	}
	for k, v := range meta {
		if f.Meta[k] != v {
			t.Errorf("meta[%q] = %q, want %q", k, f.Meta[k], v)
		}
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	// Every finite edge case (non-finite values are refused both ways:
	// TestSafetensorsNonFinite).
	special := []float32{
		0, float32(math.Copysign(0, -1)), 1, -1,
		math.Float32frombits(1),          // smallest subnormal
		math.Float32frombits(0x007fffff), // largest subnormal
		math.MaxFloat32, -math.MaxFloat32, -math.SmallestNonzeroFloat32, 3.14159,
	}
	config := `{"arch":"reasoner","d":64,"layers":2,"vocab":["<pad>","a&b"],"feedback_scale":0.5}`
	cases := []struct {
		name string
		src  *stSource
		meta map[string]string
	}{
		{"model", newSTSource().
			add("embed", []int{10, 4}, stSeq(40, -3)).
			add("blocks.0.norm1", []int{4}, stSeq(4, 1)).
			add("blocks.0.wq", []int{4, 6}, stSeq(24, 7)).
			add("final_norm", []int{4}, stSeq(4, 2)),
			map[string]string{"config": config, "format": "jrx-ckpt/1", "seed": "42"}},
		{"empty meta nil", newSTSource().add("w", []int{2, 3}, stSeq(6, 0)), nil},
		{"empty meta map", newSTSource().add("w", []int{3}, stSeq(3, 0)), map[string]string{}},
		{"0-d and 1-d", newSTSource().
			add("scalar", []int{}, []float32{2.5}).
			add("vec", []int{1}, []float32{-7}).
			add("vec5", []int{5}, stSeq(5, 9)),
			map[string]string{"format": "jrx-ckpt/1"}},
		{"3-d", newSTSource().add("cube", []int{2, 3, 4}, stSeq(24, -1)), nil},
		{"special floats", newSTSource().add("s", []int{len(special)}, special), nil},
		{"zero-element tensors", newSTSource().
			add("a", []int{0}, []float32{}).
			add("b", []int{2, 0}, nil).
			add("c", []int{2}, []float32{1, 2}).
			add("d", []int{0, 5}, []float32{}),
			map[string]string{"": "empty key", "k": ""}},
		{"odd names and meta", newSTSource().
			add(`quote"back\slash`, []int{1}, []float32{1}).
			add("ünïcode <&> \u2028", []int{1}, []float32{2}).
			add("tab\tnl\n", []int{1}, []float32{3}),
			map[string]string{"x<y>&z": "line1\nline2\u0000\"q\"", "ключ": "значение"}},
		{"no tensors", newSTSource(), map[string]string{"format": "jrx-ckpt/1"}},
		{"nothing at all", newSTSource(), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := EncodeSafetensors(&buf, c.src, c.meta); err != nil {
				t.Fatalf("encode: %v", err)
			}
			b := buf.Bytes()
			if n := binary.LittleEndian.Uint64(b); n%8 != 0 {
				t.Errorf("header length %d not padded to 8", n)
			}
			f, err := ParseSafetensors(b)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			stCheckSame(t, f, c.src, c.meta)

			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := WriteSafetensors(path, c.src, c.meta); err != nil {
				t.Fatalf("write: %v", err)
			}
			onDisk, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(onDisk, b) {
				t.Errorf("file differs from EncodeSafetensors output")
			}
			f2, err := ReadSafetensorsFile(path)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			stCheckSame(t, f2, c.src, c.meta)

			// The parsed file is itself a TensorSource: re-encoding is byte-identical.
			var buf2 bytes.Buffer
			if err := EncodeSafetensors(&buf2, f2, f2.Meta); err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if !bytes.Equal(buf2.Bytes(), b) {
				t.Errorf("re-encoding differs")
			}
		})
	}
}

func TestSafetensorsParseDoesNotAlias(t *testing.T) {
	var buf bytes.Buffer
	src := newSTSource().add("w", []int{2}, []float32{1, 2})
	if err := EncodeSafetensors(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	f, err := ParseSafetensors(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0xff
	}
	if !slices.Equal(f.Tensors["w"].Data, []float32{1, 2}) {
		t.Errorf("data changed with the input buffer: %v", f.Tensors["w"].Data)
	}
}

// stFile builds a safetensors file from a literal header and data bytes.
func stFile(header string, data ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// stLE* are little-endian encodings of float32 values, spelled out byte
// by byte for the hand-built files below.
var (
	stLE1p0  = []byte{0x00, 0x00, 0x80, 0x3f} // 1.0   = 0x3f800000
	stLEM2p0 = []byte{0x00, 0x00, 0x00, 0xc0} // -2.0  = 0xc0000000
	stLE0p5  = []byte{0x00, 0x00, 0x00, 0x3f} // 0.5   = 0x3f000000
	stLE3p0  = []byte{0x00, 0x00, 0x40, 0x40} // 3.0   = 0x40400000
	stLEM0p0 = []byte{0x00, 0x00, 0x00, 0x80} // -0.0  = 0x80000000
	stLE0p1  = []byte{0xcd, 0xcc, 0xcc, 0x3d} // 0.1f  = 0x3dcccccd
)

func stCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestSafetensorsHandBuilt checks the reader (and writer) against files
// written byte by byte from the format description, not by the writer.
func TestSafetensorsHandBuilt(t *testing.T) {
	// Header entries deliberately out of offset order, with whitespace and
	// an unpadded length (the writer pads; the reader must not require it).
	header := `{ "b" : {"data_offsets":[4,12],"shape":[2],"dtype":"F32"},` + "\n" +
		` "__metadata__": {"format": "jrx-ckpt/1", "config": "{\"d\":4}"},` +
		` "a": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},` +
		` "m": {"dtype": "F32", "shape": [1, 3], "data_offsets": [12, 24]} }`
	data := stCat(stLE0p5, stLE1p0, stLEM2p0, stLE3p0, stLEM0p0, stLE0p1)
	file := stFile(header, data...)
	if len(header)%8 == 0 {
		t.Fatalf("test wants an unpadded header")
	}
	f, err := ParseSafetensors(file)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if want := []string{"a", "b", "m"}; !slices.Equal(f.Order, want) {
		t.Errorf("order = %q, want %q (sorted by offset)", f.Order, want)
	}
	want := map[string]SafeTensor{
		"a": {"a", []int{}, []float32{0.5}},
		"b": {"b", []int{2}, []float32{1, -2}},
		"m": {"m", []int{1, 3}, []float32{3, float32(math.Copysign(0, -1)), 0.1}},
	}
	for name, w := range want {
		got := f.Tensors[name]
		if got == nil {
			t.Errorf("missing %q", name)
			continue
		}
		if got.Name != w.Name || !slices.Equal(got.Shape, w.Shape) || !stSameBits(got.Data, w.Data) {
			t.Errorf("%q = %+v, want %+v", name, *got, w)
		}
	}
	if f.Meta["format"] != "jrx-ckpt/1" || f.Meta["config"] != `{"d":4}` || len(f.Meta) != 2 {
		t.Errorf("meta = %q", f.Meta)
	}

	// The writer's exact bytes for a small source, spelled out by hand:
	// compact JSON, metadata first with sorted keys, tensors in Names()
	// order, header padded with spaces to a multiple of 8.
	src := newSTSource().add("w", []int{2}, []float32{1, -2}).add("s", []int{}, []float32{0.5})
	wantHeader := `{"__metadata__":{"a":"1","format":"jrx-ckpt/1"},` +
		`"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"s":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}`
	for len(wantHeader)%8 != 0 {
		wantHeader += " "
	}
	wantFile := stFile(wantHeader, stCat(stLE1p0, stLEM2p0, stLE0p5)...)
	var buf bytes.Buffer
	if err := EncodeSafetensors(&buf, src, map[string]string{"format": "jrx-ckpt/1", "a": "1"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), wantFile) {
		t.Errorf("writer output:\n%q\nwant:\n%q", buf.Bytes(), wantFile)
	}

	// Empty header object, no data: a valid file with nothing in it.
	f, err = ParseSafetensors(stFile(`{}`))
	if err != nil || len(f.Tensors) != 0 || len(f.Order) != 0 || f.Meta == nil {
		t.Errorf("empty file: %v, %+v", err, f)
	}
	// Explicit null metadata is accepted as none.
	if f, err = ParseSafetensors(stFile(`{"__metadata__":null}`)); err != nil || len(f.Meta) != 0 {
		t.Errorf("null metadata: %v", err)
	}
	// Zero-size tensors may share an offset; header order breaks the tie.
	f, err = ParseSafetensors(stFile(`{"z2":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},`+
		`"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
		`"z1":{"dtype":"F32","shape":[3,0],"data_offsets":[0,0]}}`, stLE1p0...))
	if err != nil {
		t.Fatalf("zero-size tensors: %v", err)
	}
	if want := []string{"z2", "z1", "x"}; !slices.Equal(f.Order, want) {
		t.Errorf("order = %q, want %q", f.Order, want)
	}
}

func stHdrLen(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }

// stRejectCases are malformed files, each with substrings its error must
// contain (the tensor's quoted name where there is one).
var stRejectCases = []struct {
	name string
	file []byte
	want []string
}{
	{"empty file", nil, []string{"too short"}},
	{"short length", []byte{1, 0, 0}, []string{"too short"}},
	{"header past end", stCat(stHdrLen(100), []byte(`{}`)), []string{"truncated", "header length 100"}},
	{"header over 100 MiB", stCat(stHdrLen(100<<20+1), []byte(`{}`)), []string{"exceeds", "limit"}},
	{"header over 16 MiB", stCat(stHdrLen(16<<20+1), []byte(`{}`)), []string{"exceeds", "limit"}},
	{"header length 2^63", stCat(stHdrLen(1<<63), []byte(`{}`)), []string{"exceeds"}},
	{"header length 2^64-1", stCat(stHdrLen(math.MaxUint64), []byte(`{}`)), []string{"exceeds"}},
	{"empty header", stFile(``), []string{"invalid JSON"}},
	{"invalid JSON", stFile(`{"a":`), []string{"invalid JSON"}},
	{"invalid JSON missing comma", stFile(`{"__metadata__":{} "b":1}`), []string{"invalid JSON"}},
	{"not an object", stFile(`[]`), []string{"expected a JSON object"}},
	{"trailing garbage", stFile(`{}{}`), []string{"after the JSON object"}},
	{"trailing NUL", stFile("{}\x00"), []string{"after the object"}},
	{"invalid UTF-8", stFile("{\"\xff\":1}"), []string{"UTF-8"}},
	{"tensor not an object", stFile(`{"w":[1]}`), []string{`"w"`, "expected a JSON object"}},
	{"dtype F8_E4M3", stFile(`{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}`, 0, 0),
		[]string{`"w"`, `dtype "F8_E4M3" not supported`}},
	{"dtype F64", stFile(`{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)...),
		[]string{`"w"`, "F64"}},
	{"dtype lowercase", stFile(`{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "dtype"}},
	{"dtype number", stFile(`{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "dtype 32"}},
	{"missing dtype", stFile(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "missing dtype"}},
	{"missing shape", stFile(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "missing shape"}},
	{"null shape", stFile(`{"w":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "shape"}},
	{"shape not array", stFile(`{"w":{"dtype":"F32","shape":1,"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "shape"}},
	{"negative shape", stFile(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "negative"}},
	{"fractional shape", stFile(`{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "not an integer"}},
	{"exponent shape", stFile(`{"w":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "not an integer"}},
	{"string shape", stFile(`{"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "not an integer"}},
	{"null in shape", stFile(`{"w":{"dtype":"F32","shape":[null],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "not an integer"}},
	{"overflowing dimension", stFile(`{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "overflows"}},
	{"overflowing shape product", stFile(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "overflows"}},
	{"shape product times 4 overflows", stFile(`{"w":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "overflows"}},
	{"shape does not match bytes", stFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "shape [2] needs 8 bytes", "span 4"}},
	{"byte range not a multiple of 4", stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,3]}}`, 0, 0, 0),
		[]string{`"w"`, "needs 4 bytes"}},
	{"missing data_offsets", stFile(`{"w":{"dtype":"F32","shape":[1]}}`, stLE1p0...),
		[]string{`"w"`, "missing data_offsets"}},
	{"one offset", stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, stLE1p0...),
		[]string{`"w"`, "data_offsets has 1 values"}},
	{"three offsets", stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, stLE1p0...),
		[]string{`"w"`, "data_offsets has 3 values"}},
	{"negative offset", stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, stLE1p0...),
		[]string{`"w"`, "negative"}},
	{"overflowing offset", stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551620]}}`, stLE1p0...),
		[]string{`"w"`, "overflows"}},
	{"offsets out of order", stFile(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, stLE1p0...),
		[]string{`"w"`, "out of order"}},
	{"data past end", stFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, stLE1p0...),
		[]string{`"w"`, "past the end"}},
	{"huge offsets past end", stFile(`{"w":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}`, stLE1p0...),
		[]string{`"w"`, "past the end"}},
	{"second tensor past end", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
		`"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, stLE1p0...),
		[]string{`"b"`, "past the end"}},
	{"overlap", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},`+
		`"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, stCat(stLE1p0, stLE1p0)...),
		[]string{`"b"`, `overlap tensor "a"`}},
	{"same range twice", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
		`"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"b"`, `overlap tensor "a"`}},
	{"gap at start", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, stCat(stLE1p0, stLE1p0)...),
		[]string{`"a"`, "gap"}},
	{"gap between", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
		`"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, stCat(stLE1p0, stLE1p0, stLE1p0)...),
		[]string{`"b"`, "gap"}},
	{"trailing data", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, stCat(stLE1p0, stLE1p0)...),
		[]string{"4 bytes of data after the last tensor"}},
	{"data without tensors", stFile(`{}`, stLE1p0...), []string{"after the last tensor"}},
	{"duplicate tensor", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
		`"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, stCat(stLE1p0, stLE1p0)...),
		[]string{`duplicate key "a"`}},
	{"duplicate field", stFile(`{"a":{"dtype":"F32","shape":[1],"shape":[2],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"a"`, `duplicate key "shape"`}},
	{"unknown field", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}`, stLE1p0...),
		[]string{`"a"`, `unknown field "extra"`}},
	{"empty tensor name", stFile(`{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{"empty tensor name"}},
	{"metadata number", stFile(`{"__metadata__":{"seed":42}}`), []string{`__metadata__ "seed"`, "not a string"}},
	{"metadata null value", stFile(`{"__metadata__":{"seed":null}}`), []string{`"seed"`, "not a string"}},
	{"metadata object value", stFile(`{"__metadata__":{"config":{"d":4}}}`), []string{`"config"`, "not a string"}},
	{"metadata not an object", stFile(`{"__metadata__":"x"}`), []string{"__metadata__", "expected a JSON object"}},
	{"metadata duplicate key", stFile(`{"__metadata__":{"k":"1","k":"2"}}`), []string{"__metadata__", `duplicate key "k"`}},
	{"metadata twice", stFile(`{"__metadata__":{},"__metadata__":{}}`), []string{`duplicate key "__metadata__"`}},
	// Non-finite values, anywhere in any tensor.
	{"NaN", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`,
		stCat(stLE1p0, stLE1p0, []byte{0x01, 0x00, 0xc0, 0x7f})...), []string{`"w"`, "value 1 of 2 is NaN"}},
	{"+Inf", stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 0x00, 0x00, 0x80, 0x7f), []string{`"w"`, "+Inf"}},
	{"-Inf", stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 0x00, 0x00, 0x80, 0xff), []string{`"w"`, "-Inf"}},
	{"negative NaN", stFile(`{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, 0x23, 0x01, 0x80, 0xff), []string{`"w"`, "NaN"}},
	// Caps on the header's shapes, checked while it is read.
	{"rank 9", stFile(`{"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "more than 8 values"}},
	{"47M-entry shape", stFile(`{"w":{"dtype":"F32","shape":[`+strings.Repeat("1,", 1<<20)+`1],"data_offsets":[0,4]}}`, stLE1p0...),
		[]string{`"w"`, "more than 8 values"}},
	{"nested shape", stFile(`{"w":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}`, stLE1p0...), []string{`"w"`, "nested"}},
	{"deeply nested shape", stFile(`{"w":{"dtype":"F32","shape":` + strings.Repeat("[", 1<<20) + `}}`), []string{`"w"`, "nested"}},
	{"object dtype", stFile(`{"w":{"dtype":{"a":1},"shape":[1],"data_offsets":[0,4]}}`, stLE1p0...), []string{`"w"`, "dtype {"}},
	{"object shape", stFile(`{"w":{"dtype":"F32","shape":{"a":1},"data_offsets":[0,4]}}`, stLE1p0...), []string{`"w"`, "shape"}},
	{"nested metadata", stFile(`{"__metadata__":{"k":` + strings.Repeat("[", 1<<16) + `}}`), []string{`"k"`, "not a string"}},
	{"too many tensors", stFile(stManyTensors(MaxSafetensorsTensors + 1)), []string{"more than 65536 tensors"}},
}

// stManyTensors is a header declaring n zero-size tensors.
func stManyTensors(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"t%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`, i)
	}
	b.WriteByte('}')
	return b.String()
}

func TestSafetensorsRejects(t *testing.T) {
	for _, c := range stRejectCases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseSafetensors(c.file)
			if err == nil {
				t.Fatalf("accepted: %+v", f)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestReadSafetensorsFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadSafetensorsFile(filepath.Join(dir, "nope.safetensors")); err == nil {
		t.Errorf("missing file accepted")
	}
	p := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(p, stFile(`{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,2]}}`, 0, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadSafetensorsFile(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `"w"`) {
		t.Errorf("error %v should name the path and the tensor", err)
	}
}

func TestSafetensorsExpect(t *testing.T) {
	var buf bytes.Buffer
	src := newSTSource().
		add("embed", []int{10, 4}, stSeq(40, 0)).
		add("final_norm", []int{4}, stSeq(4, 0)).
		add("extra", []int{3}, stSeq(3, 0)).
		add("s", []int{}, []float32{1})
	if err := EncodeSafetensors(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	f, err := ParseSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string][]int{"embed": {10, 4}, "final_norm": {4}, "extra": {3}, "s": nil}
	if err := f.Expect(ok); err != nil {
		t.Errorf("exact match rejected: %v", err)
	}
	err = f.Expect(map[string][]int{
		"embed":      {10, 5},
		"final_norm": {4},
		"head":       {4, 10},
		"s":          {1},
	})
	if err == nil {
		t.Fatal("mismatch accepted")
	}
	msg := err.Error()
	for _, w := range []string{
		`missing tensor "head" (expected shape [4 10])`,
		`unknown tensor "extra"`,
		`tensor "embed": wrong shape: expected [10 5], got [10 4]`,
		`tensor "s": wrong shape: expected [1], got []`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
	if strings.Contains(msg, "final_norm") {
		t.Errorf("error mentions a correct tensor: %q", msg)
	}

	// Many problems: the list is capped.
	many := map[string][]int{}
	for i := range 30 {
		many[string(rune('A'+i))] = []int{1}
	}
	err = f.Expect(many)
	if err == nil || !strings.Contains(err.Error(), "more problems") {
		t.Errorf("long error not capped: %v", err)
	}
}

func TestSafetensorsLoadInto(t *testing.T) {
	var buf bytes.Buffer
	src := newSTSource().add("a", []int{2, 2}, stSeq(4, 1)).add("b", []int{}, []float32{9})
	if err := EncodeSafetensors(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	f, err := ParseSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}

	dst := newSTSource().add("b", []int{}, make([]float32, 1)).add("a", []int{2, 2}, make([]float32, 4))
	if err := f.LoadInto(dst); err != nil {
		t.Fatalf("load: %v", err)
	}
	if !slices.Equal(dst.data["a"], []float32{1, 1.25, 1.5, 1.75}) || dst.data["b"][0] != 9 {
		t.Errorf("loaded %v", dst.data)
	}
	// The loaded values are copies, not views of the file.
	dst.data["a"][0] = -1
	if f.Tensors["a"].Data[0] != 1 {
		t.Errorf("LoadInto aliased the file's data")
	}

	// Wrong shape: error names the tensor, nothing is copied.
	bad := newSTSource().add("a", []int{4}, make([]float32, 4)).add("b", []int{}, make([]float32, 1))
	err = f.LoadInto(bad)
	if err == nil || !strings.Contains(err.Error(), `"a"`) || !strings.Contains(err.Error(), "expected [4], got [2 2]") {
		t.Errorf("wrong shape: %v", err)
	}
	if bad.data["b"][0] != 0 {
		t.Errorf("partial load on error")
	}
	// Missing and unknown tensors.
	err = f.LoadInto(newSTSource().add("a", []int{2, 2}, make([]float32, 4)).add("c", []int{1}, make([]float32, 1)))
	if err == nil || !strings.Contains(err.Error(), `missing tensor "c"`) || !strings.Contains(err.Error(), `unknown tensor "b"`) {
		t.Errorf("missing/unknown: %v", err)
	}
	// A destination whose W view has the wrong length.
	short := newSTSource().add("b", []int{}, make([]float32, 1)).add("a", []int{2, 2}, make([]float32, 3))
	err = f.LoadInto(short)
	if err == nil || !strings.Contains(err.Error(), `"a"`) || short.data["b"][0] != 0 {
		t.Errorf("short W: %v (b=%v)", err, short.data["b"])
	}
	// Duplicate destination names.
	dup := newSTSource().add("a", []int{2, 2}, make([]float32, 4)).add("a", []int{2, 2}, make([]float32, 4))
	if err := f.LoadInto(dup); err == nil || !strings.Contains(err.Error(), `duplicate tensor "a"`) {
		t.Errorf("duplicate destination: %v", err)
	}
}

func TestSafetensorsEncodeRejects(t *testing.T) {
	cases := []struct {
		name string
		src  *stSource
		meta map[string]string
		want string
	}{
		{"W too short", newSTSource().add("w", []int{2, 3}, stSeq(5, 0)), nil, `tensor "w": shape [2 3] needs 6 values, W has 5`},
		{"W too long", newSTSource().add("w", []int{}, stSeq(2, 0)), nil, `tensor "w"`},
		{"nil W", newSTSource().add("w", []int{1}, nil), nil, `tensor "w"`},
		{"negative dim", newSTSource().add("w", []int{-1}, nil), nil, `tensor "w": negative dimension`},
		{"overflowing shape", newSTSource().add("w", []int{1 << 40, 1 << 40}, nil), nil, `tensor "w": shape`},
		{"duplicate name", newSTSource().add("w", []int{1}, stSeq(1, 0)).add("w", []int{1}, stSeq(1, 0)), nil, `duplicate tensor "w"`},
		{"reserved name", newSTSource().add("__metadata__", []int{1}, stSeq(1, 0)), nil, `"__metadata__" is reserved`},
		{"empty name", newSTSource().add("", []int{1}, stSeq(1, 0)), nil, "empty tensor name"},
		{"bad UTF-8 name", newSTSource().add("a\xff", []int{1}, stSeq(1, 0)), nil, "not valid UTF-8"},
		{"bad UTF-8 meta", newSTSource(), map[string]string{"k": "\xff"}, `metadata "k"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := EncodeSafetensors(&buf, c.src, c.meta)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

// stDirNames lists the entries of dir.
func stDirNames(t *testing.T, dir string) []string {
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

func TestWriteSafetensorsAtomic(t *testing.T) {
	good := newSTSource().add("w", []int{2}, []float32{1, 2})
	meta := map[string]string{"format": "jrx-ckpt/1"}

	t.Run("missing directory", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "no", "such", "dir", "m.safetensors")
		if err := WriteSafetensors(p, good, meta); err == nil {
			t.Errorf("write into a missing directory succeeded")
		}
	})
	t.Run("parent is a file", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "f")
		os.WriteFile(file, []byte("x"), 0o644)
		if err := WriteSafetensors(filepath.Join(file, "m.safetensors"), good, meta); err == nil {
			t.Errorf("write under a regular file succeeded")
		}
		if got := stDirNames(t, dir); !slices.Equal(got, []string{"f"}) {
			t.Errorf("dir holds %q", got)
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(dir, 0o755)
		p := filepath.Join(dir, "m.safetensors")
		if err := WriteSafetensors(p, good, meta); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(p)
		os.Chmod(dir, 0o555)
		defer os.Chmod(dir, 0o755)
		if probe, err := os.CreateTemp(dir, "probe"); err == nil {
			probe.Close()
			os.Remove(probe.Name())
			t.Skip("directory permissions are not enforced (running as root)")
		}
		err := WriteSafetensors(p, newSTSource().add("w", []int{2}, []float32{3, 4}), meta)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("write into a read-only directory: %v", err)
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
			t.Errorf("file changed")
		}
		if got := stDirNames(t, dir); !slices.Equal(got, []string{"m.safetensors"}) {
			t.Errorf("dir holds %q", got)
		}
	})
	t.Run("bad source keeps old file", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "m.safetensors")
		if err := WriteSafetensors(p, good, meta); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(p)
		bad := newSTSource().add("a", []int{3}, stSeq(3, 0)).add("w", []int{2, 2}, stSeq(3, 0))
		err := WriteSafetensors(p, bad, meta)
		if err == nil || !strings.Contains(err.Error(), `"w"`) {
			t.Errorf("bad source: %v", err)
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
			t.Errorf("existing file changed")
		}
		if got := stDirNames(t, dir); !slices.Equal(got, []string{"m.safetensors"}) {
			t.Errorf("temp file left behind: %q", got)
		}
	})
	t.Run("rename fails keeps nothing", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "m.safetensors")
		os.Mkdir(p, 0o755)
		os.WriteFile(filepath.Join(p, "keep"), []byte("x"), 0o644)
		if err := WriteSafetensors(p, good, meta); err == nil {
			t.Errorf("write over a non-empty directory succeeded")
		}
		if got := stDirNames(t, dir); !slices.Equal(got, []string{"m.safetensors"}) {
			t.Errorf("temp file left behind: %q", got)
		}
	})
	t.Run("replace and permissions", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "m.safetensors")
		if err := WriteSafetensors(p, good, meta); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
			t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
		}
		os.Chmod(p, 0o600)
		next := newSTSource().add("v", []int{1}, []float32{5})
		if err := WriteSafetensors(p, next, nil); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Errorf("replaced file mode %v, want 0600 kept", st.Mode().Perm())
		}
		f, err := ReadSafetensorsFile(p)
		if err != nil {
			t.Fatal(err)
		}
		stCheckSame(t, f, next, nil)
		if got := stDirNames(t, dir); !slices.Equal(got, []string{"m.safetensors"}) {
			t.Errorf("dir holds %q", got)
		}
	})
	t.Run("relative path", func(t *testing.T) {
		t.Chdir(t.TempDir())
		if err := WriteSafetensors("m.safetensors", good, meta); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadSafetensorsFile("m.safetensors"); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzReadSafetensors(f *testing.F) {
	var buf bytes.Buffer
	EncodeSafetensors(&buf, newSTSource().
		add("embed", []int{3, 2}, stSeq(6, -1)).
		add("s", []int{}, []float32{2}).
		add("z", []int{0, 4}, nil).
		add("v", []int{2}, []float32{math.MaxFloat32, -math.SmallestNonzeroFloat32}),
		map[string]string{"format": "jrx-ckpt/1", "config": `{"d":2}`})
	f.Add(bytes.Clone(buf.Bytes()))
	buf.Reset()
	EncodeSafetensors(&buf, newSTSource().add("w", []int{1, 1, 1}, []float32{1}), nil)
	f.Add(bytes.Clone(buf.Bytes()))
	f.Add(stFile(`{}`))
	f.Add(stFile(`{"b":{"data_offsets":[4,12],"shape":[2],"dtype":"F32"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`,
		stCat(stLE0p5, stLE1p0, stLEM2p0)...))
	for _, c := range stRejectCases {
		if len(c.file) <= 1<<16 { // the multi-megabyte cap cases would slow every mutation
			f.Add(c.file)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := ParseSafetensors(b)
		if err != nil {
			if sf != nil {
				t.Fatalf("non-nil file with error %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := EncodeSafetensors(&out, sf, sf.Meta); err != nil {
			t.Fatalf("re-encode of a parsed file failed: %v", err)
		}
		sf2, err := ParseSafetensors(out.Bytes())
		if err != nil {
			t.Fatalf("re-parse failed: %v", err)
		}
		stCheckSame(t, sf2, sf, sf.Meta)
		if len(sf2.Meta) != len(sf.Meta) {
			t.Fatalf("meta %q != %q", sf2.Meta, sf.Meta)
		}
		total := 0
		for _, name := range sf.Order {
			total += len(sf.Tensors[name].Data)
		}
		if 4*total > len(b) {
			t.Fatalf("decoded %d values from %d bytes", total, len(b))
		}
	})
}

// TestSafetensorsParamSet round-trips nn's parameter buffer (a TensorSource)
// through a file and loads it into a fresh one.
func TestSafetensorsParamSet(t *testing.T) {
	build := func() *ParamSet {
		p := NewParamSet()
		p.Add("embed", 5, 3)
		p.Add("blocks.0.wq", 3, 4)
		p.Add("final_norm", 3)
		p.Alloc()
		return p
	}
	src := build()
	for i := range src.Data() {
		src.Data()[i] = float32(i)*0.5 - 3
	}
	path := filepath.Join(t.TempDir(), "p.safetensors")
	meta := map[string]string{"format": "jrx-ckpt/1", "config": `{"d":3}`}
	if err := WriteSafetensors(path, src, meta); err != nil {
		t.Fatal(err)
	}
	f, err := ReadSafetensorsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stCheckSame(t, f, src, meta)
	dst := build()
	if err := f.LoadInto(dst); err != nil {
		t.Fatal(err)
	}
	if !stSameBits(dst.Data(), src.Data()) {
		t.Errorf("loaded parameters differ")
	}
	other := NewParamSet()
	other.Add("embed", 5, 4)
	other.Add("final_norm", 3)
	other.Alloc()
	err = f.LoadInto(other)
	if err == nil || !strings.Contains(err.Error(), `tensor "embed": wrong shape: expected [5 4], got [5 3]`) ||
		!strings.Contains(err.Error(), `unknown tensor "blocks.0.wq"`) {
		t.Errorf("mismatched ParamSet: %v", err)
	}
}
