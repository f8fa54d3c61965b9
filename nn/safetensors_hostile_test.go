package nn

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"jrx/internal/safeio"
)

// TestSafetensorsNonFinite: the writer refuses NaN and ±Inf before writing
// a byte, naming the tensor; the reader refuses them (TestSafetensorsRejects)
// in ParseSafetensors and in SafeHeader.LoadInto, where nothing is written
// to the destination.
func TestSafetensorsNonFinite(t *testing.T) {
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0x7f800001)} {
		var buf bytes.Buffer
		src := newSTSource().add("ok", []int{2}, []float32{1, 2}).add("bad", []int{3}, []float32{0, v, 0})
		err := EncodeSafetensors(&buf, src, nil)
		if err == nil || !strings.Contains(err.Error(), `tensor "bad": value 1 of 3`) {
			t.Errorf("encode %v: %v", v, err)
		}
		if buf.Len() != 0 {
			t.Errorf("encode %v wrote %d bytes", v, buf.Len())
		}
	}
	file := stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`,
		stCat(stLE1p0, []byte{0, 0, 0x80, 0x7f})...)
	h, err := ParseSafetensorsHeader(file)
	if err != nil {
		t.Fatalf("the header alone is fine: %v", err)
	}
	dst := newSTSource().add("a", []int{1}, []float32{7}).add("b", []int{1}, []float32{7})
	err = h.LoadInto(file, dst)
	if err == nil || !strings.Contains(err.Error(), `"b"`) || !strings.Contains(err.Error(), "+Inf") {
		t.Errorf("LoadInto: %v", err)
	}
	if dst.data["a"][0] != 7 || dst.data["b"][0] != 7 {
		t.Errorf("LoadInto wrote before failing: %v", dst.data)
	}
}

// TestSafeHeaderLoadInto checks the header-first path against
// ParseSafetensors: same shapes, same bits, shape mismatches found before
// anything is decoded.
func TestSafeHeaderLoadInto(t *testing.T) {
	var buf bytes.Buffer
	src := newSTSource().add("embed", []int{3, 2}, stSeq(6, -1)).add("s", []int{}, []float32{0.5}).add("z", []int{0}, nil)
	if err := EncodeSafetensors(&buf, src, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	h, err := ParseSafetensorsHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Meta["k"] != "v" || !slices.Equal(h.Names(), []string{"embed", "s", "z"}) || !slices.Equal(h.Shape("embed"), []int{3, 2}) || !h.Has("s") || h.Has("x") {
		t.Errorf("header %+v", h)
	}
	if err := h.Expect(map[string][]int{"embed": {3, 2}, "s": {}, "z": {0}}); err != nil {
		t.Errorf("Expect: %v", err)
	}
	if err := h.Expect(map[string][]int{"embed": {2, 3}, "s": {}, "z": {0}}); err == nil || !strings.Contains(err.Error(), `"embed": wrong shape`) {
		t.Errorf("Expect mismatch: %v", err)
	}
	dst := newSTSource().add("z", []int{0}, []float32{}).add("s", []int{}, make([]float32, 1)).add("embed", []int{3, 2}, make([]float32, 6))
	if err := h.LoadInto(b, dst); err != nil {
		t.Fatal(err)
	}
	for _, n := range src.Names() {
		if !stSameBits(dst.W(n), src.W(n)) {
			t.Errorf("%s = %v, want %v", n, dst.W(n), src.W(n))
		}
	}
	if err := h.LoadInto(b[:len(b)-4], dst); err == nil {
		t.Errorf("LoadInto accepted a short buffer")
	}
}

// TestSafetensorsRejectMemory: rejecting a hostile header allocates a
// bounded amount, whatever the header declares (a 94 MB file with a
// 47M-entry shape took more than 3.5 GB before).
func TestSafetensorsRejectMemory(t *testing.T) {
	cases := map[string][]byte{
		"8 MB shape array":      stFile(`{"w":{"dtype":"F32","shape":[` + strings.Repeat("1,", 4<<20) + `1],"data_offsets":[0,4]}}`),
		"8 MB nesting":          stFile(`{"w":{"dtype":"F32","shape":` + strings.Repeat("[", 8<<20) + `}}`),
		"100k tensors":          stFile(stManyTensors(100_000)),
		"8 MB number":           stFile(`{"w":{"dtype":"F32","shape":[` + strings.Repeat("9", 8<<20) + `],"data_offsets":[0,4]}}`),
		"8 MB metadata nesting": stFile(`{"__metadata__":{"k":` + strings.Repeat("{", 8<<20) + `}}`),
	}
	for name, file := range cases {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := ParseSafetensors(file)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s (%d bytes): %d bytes allocated: %v", name, len(file), alloc, stTruncate([]byte(err.Error())))
		// A total, garbage included (the live set is smaller): the
		// token-by-token reader allocates a few times the header at
		// most, and the header is capped at 16 MiB. Before it, the 8 MB
		// shape array alone allocated over 500 MB.
		if alloc > uint64(16*len(file))+(16<<20) {
			t.Errorf("%s: %d bytes allocated rejecting a %d-byte file", name, alloc, len(file))
		}
	}
}

// TestReadSafetensorsBytesHostile: non-regular files are refused unread
// and without hanging, a 1.5 GB sparse file is refused after reading its
// first bytes.
func TestReadSafetensorsBytesHostile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	zero := filepath.Join(dir, "zero.safetensors")
	os.Symlink("/dev/zero", zero)
	for _, p := range []string{fifo, zero, dir} {
		done := make(chan error, 1)
		go func() { _, err := ReadSafetensorsFile(p); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, safeio.ErrNotRegular) || !strings.Contains(err.Error(), p) {
				t.Errorf("%s: %v", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: hangs", p)
		}
	}

	// Sparse files of 1.5 GB: garbage (all zero bytes), and a valid header
	// followed by a hole. Neither is read whole.
	sparse := func(name string, head []byte) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(head)
		if err := f.Truncate(1_500_000_000); err != nil {
			f.Close()
			t.Skipf("truncate: %v", err)
		}
		f.Close()
		return p
	}
	var valid bytes.Buffer
	EncodeSafetensors(&valid, newSTSource().add("w", []int{2}, []float32{1, 2}), nil)
	for _, c := range []struct{ path, want string }{
		{sparse("zeros.safetensors", nil), "invalid JSON"},
		{sparse("hole.safetensors", valid.Bytes()), "bytes of data after the last tensor"},
	} {
		var r0, r1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
		start := time.Now()
		_, err := ReadSafetensorsBytes(c.path)
		syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: %v", c.path, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %v to refuse", c.path, d)
		}
		if grew := r1.Maxrss - r0.Maxrss; grew > 100<<10 {
			t.Errorf("%s: peak RSS grew by %d KiB", c.path, grew)
		}
	}

	// A regular file and a link to one read as they are.
	p := filepath.Join(dir, "ok.safetensors")
	os.WriteFile(p, valid.Bytes(), 0o644)
	link := filepath.Join(dir, "link.safetensors")
	os.Symlink("ok.safetensors", link)
	for _, q := range []string{p, link} {
		if b, err := ReadSafetensorsBytes(q); err != nil || !bytes.Equal(b, valid.Bytes()) {
			t.Errorf("%s: %v", q, err)
		}
	}
}
