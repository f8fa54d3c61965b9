package nn

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
)

// randMat16 draws n finite values of dtype t (normal-ish magnitudes, some
// zeros, subnormals and extremes).
func randMat16(rng *rand.Rand, t DType, n int) Mat {
	u := make([]uint16, n)
	for i := range u {
		v := float32(rng.NormFloat64())
		switch rng.IntN(20) {
		case 0:
			v = 0
		case 1:
			v *= 1e-6 // subnormal in F16
		case 2:
			v *= 1000
		}
		if t == BF16 {
			u[i] = F32ToBF16(v)
		} else {
			u[i] = F32ToF16(v)
		}
	}
	return Mat{DType: t, U16: u}
}

// matVecRef is y0 + x·W in float64 with Σ|terms| for the error bound.
func matVecRef(y0, x []float32, W Mat, in, out int) (ref, mag []float64) {
	ref, mag = make([]float64, out), make([]float64, out)
	for j := range out {
		s := float64(y0[j])
		m := math.Abs(s)
		for p := range in {
			term := float64(x[p]) * float64(W.At(p*out+j))
			s += term
			m += math.Abs(term)
		}
		ref[j], mag[j] = s, m
	}
	return ref, mag
}

// checkMatVec16 runs MatVec and MatVecPar on every kernel path against the
// float64 reference, and checks the two agree bit for bit.
func checkMatVec16(t *testing.T, rng *rand.Rand, dt DType, in, out int) {
	t.Helper()
	W := randMat16(rng, dt, in*out)
	x := make([]float32, in)
	y0 := make([]float32, out+1)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for i := range y0 {
		y0[i] = float32(rng.NormFloat64())
	}
	ref, mag := matVecRef(y0, x, W, in, out)
	for _, path := range kernelNames() {
		restore, _ := setKernel(path)
		y := append([]float32(nil), y0...)
		MatVec(y, x, W, in, out, true)
		yp := append([]float32(nil), y0...)
		MatVecPar(yp, x, W, in, out, true)
		restore()
		for j := range out {
			if d := math.Abs(float64(y[j]) - ref[j]); d > 1e-6*mag[j]*math.Sqrt(float64(in+1))+1e-30 {
				t.Fatalf("%s %v %d×%d col %d: got %v, want %v (|err| %g, Σ|terms| %g)", path, dt, in, out, j, y[j], ref[j], d, mag[j])
			}
			if math.Float32bits(y[j]) != math.Float32bits(yp[j]) {
				t.Fatalf("%s %v %d×%d col %d: MatVecPar %v != MatVec %v", path, dt, in, out, j, yp[j], y[j])
			}
		}
		if y[out] != y0[out] || yp[out] != y0[out] {
			t.Fatalf("%s %v: wrote past the end of y", path, dt)
		}
	}
}

func TestMatVecWidened(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dt := range []DType{BF16, F16} {
		// Row-split shapes (up to mvMaxBlockedOut columns) cover one block,
		// several, a short last block, and enough work to run in parallel;
		// a wider one is split by columns.
		for _, sz := range [][2]int{{1, 1}, {3, 7}, {4, 8}, {5, 16}, {9, 33}, {17, 100}, {64, 200}, {130, 1030}, {256, 1024}, {300, 1001}, {513, 520}, {40, 8200}} {
			checkMatVec16(t, rng, dt, sz[0], sz[1])
		}
	}
	t.Logf("widening kernels: BF16 %s, F16 %s", WidenKernelName(BF16), WidenKernelName(F16))
}

// FuzzMatVec16 drives the widening kernels with arbitrary sizes and seeds
// (up to six row blocks).
func FuzzMatVec16(f *testing.F) {
	f.Add(uint16(3), uint16(17), uint64(1), false)
	f.Add(uint16(64), uint16(520), uint64(2), true)
	f.Add(uint16(700), uint16(900), uint64(3), false)
	f.Fuzz(func(t *testing.T, in uint16, out uint16, seed uint64, f16 bool) {
		if in == 0 || out == 0 || in > 6*mvRowBlock || out > 2048 {
			return
		}
		dt := BF16
		if f16 {
			dt = F16
		}
		checkMatVec16(t, rand.New(rand.NewPCG(seed, 5)), dt, int(in), int(out))
	})
}

// rowBlockedRef is the row-split sum written out independently, in Go
// float32 arithmetic with one rounding per operation (the generic path's):
// per block of mvRowBlock rows a partial sum from zero, rows ascending,
// then y0 plus the partials in block order.
func rowBlockedRef(y0, x []float32, W Mat, in, out int) []float32 {
	y := append([]float32(nil), y0[:out]...)
	for p0 := 0; p0 < in; p0 += mvRowBlock {
		part := make([]float32, out)
		for p := p0; p < min(p0+mvRowBlock, in); p++ {
			for j := range out {
				prod := x[p] * W.At(p*out+j)
				part[j] = part[j] + prod
			}
		}
		for j := range out {
			y[j] = y[j] + part[j]
		}
	}
	return y
}

// On the generic path the row-split product is exactly the blocked sum
// (the SIMD paths differ from it only by FMA's single rounding, which
// checkMatVec16 bounds), on any number of threads.
func TestMatVecRowBlockedOrder(t *testing.T) {
	restore, ok := setKernel("generic")
	defer restore()
	if !ok {
		t.Fatal("no generic path")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, dt := range []DType{BF16, F16} {
		for _, sz := range [][2]int{{128, 64}, {129, 72}, {600, 700}} {
			in, out := sz[0], sz[1]
			W := randMat16(rng, dt, in*out)
			x, y0 := make([]float32, in), make([]float32, out)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for i := range y0 {
				y0[i] = float32(rng.NormFloat64())
			}
			want := rowBlockedRef(y0, x, W, in, out)
			for _, procs := range []int{1, 2, 3} {
				prev := runtime.GOMAXPROCS(procs)
				y := append([]float32(nil), y0...)
				MatVecPar(y, x, W, in, out, true)
				runtime.GOMAXPROCS(prev)
				for j := range out {
					if math.Float32bits(y[j]) != math.Float32bits(want[j]) {
						t.Fatalf("%v %d×%d GOMAXPROCS %d col %d: %v, blocked sum %v", dt, in, out, procs, j, y[j], want[j])
					}
				}
			}
		}
	}
}

// matVecsPar runs several products at once, each with the bits of MatVec,
// whatever their dtypes, shapes and acc flags.
func TestMatVecsParMatchesMatVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	f32 := make([]float32, 384*1536)
	for i := range f32 {
		f32[i] = float32(rng.NormFloat64())
	}
	mats := []struct {
		W       Mat
		in, out int
		acc     bool
	}{
		{randMat16(rng, BF16, 640*768), 640, 768, false},
		{MatF32(f32), 384, 1536, true},
		{randMat16(rng, F16, 300*520), 300, 520, true},
	}
	x := make([]float32, 640)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for _, path := range kernelNames() {
		restore, _ := setKernel(path)
		var ts []matVecTask
		var want [][]float32
		for _, m := range mats {
			y0 := make([]float32, m.out+1)
			for i := range y0 {
				y0[i] = float32(rng.NormFloat64())
			}
			w := append([]float32(nil), y0...)
			MatVec(w, x, m.W, m.in, m.out, m.acc)
			want = append(want, w)
			ts = append(ts, matVecTask{y: append([]float32(nil), y0...), x: x, W: m.W, in: m.in, out: m.out, acc: m.acc})
		}
		matVecsPar(ts)
		restore()
		for i, tk := range ts {
			for j := range want[i] {
				if math.Float32bits(tk.y[j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("%s product %d col %d: matVecsPar %v, MatVec %v", path, i, j, tk.y[j], want[i][j])
				}
			}
		}
	}
}

// An F32 Mat goes through the house gemv: MatVec and MatVecPar equal
// lyVecMat bit for bit on every path.
func TestMatVecF32BitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, path := range kernelNames() {
		restore, _ := setKernel(path)
		for _, sz := range [][2]int{{3, 7}, {16, 130}, {128, 512}, {300, 1000}, {512, 1536}} {
			in, out := sz[0], sz[1]
			W := make([]float32, in*out)
			x := make([]float32, in)
			for i := range W {
				W[i] = float32(rng.NormFloat64())
			}
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			want, y, yp := make([]float32, out), make([]float32, out), make([]float32, out)
			lyVecMat(want, x, W, in, out, false)
			MatVec(y, x, MatF32(W), in, out, false)
			MatVecPar(yp, x, MatF32(W), in, out, false)
			for j := range want {
				if math.Float32bits(want[j]) != math.Float32bits(y[j]) || math.Float32bits(want[j]) != math.Float32bits(yp[j]) {
					t.Fatalf("%s %d×%d col %d: lyVecMat %v, MatVec %v, MatVecPar %v", path, in, out, j, want[j], y[j], yp[j])
				}
			}
		}
		restore()
	}
}

func TestDotRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, dt := range []DType{F32, BF16, F16} {
		for _, d := range []int{1, 7, 8, 33, 96, 1280} {
			V := 300
			var table Mat
			if dt == F32 {
				v := make([]float32, V*d)
				for i := range v {
					v[i] = float32(rng.NormFloat64())
				}
				table = MatF32(v)
			} else {
				table = randMat16(rng, dt, V*d)
			}
			x := make([]float32, d)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for _, path := range kernelNames() {
				restore, _ := setKernel(path)
				got := make([]float32, V)
				DotRows(got, x, table, d)
				restore()
				for v := range V {
					var s, m float64
					for i := range d {
						term := float64(x[i]) * float64(table.At(v*d+i))
						s += term
						m += math.Abs(term)
					}
					if math.Abs(float64(got[v])-s) > 1e-6*m*math.Sqrt(float64(d))+1e-30 {
						t.Fatalf("%s %v d %d row %d: got %v, want %v", path, dt, d, v, got[v], s)
					}
				}
			}
		}
	}
}

// The mapped reader gives the same tensors as the buffered one, for files
// written in every dtype, and views the map without copying.
func TestMappedMatchesBuffered(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	src := newSTSource()
	for i, shape := range [][]int{{3, 5}, {7}, {2, 3, 4}, {1}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		src.add(string(rune('a'+i)), shape, v)
	}
	for _, dt := range []DType{F32, F16, BF16} {
		p := t.TempDir() + "/m.safetensors"
		if err := WriteSafetensorsAs(p, src, map[string]string{"k": "v"}, dt); err != nil {
			t.Fatal(err)
		}
		buf, err := ReadSafetensorsFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := OpenSafetensorsMapped(p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.Meta["k"] != "v" {
			t.Errorf("%v: metadata lost", dt)
		}
		for _, name := range buf.Order {
			mt, err := m.Tensor(name)
			if err != nil {
				t.Fatal(err)
			}
			if mt.DType != dt {
				t.Errorf("%s: dtype %v, want %v", name, mt.DType, dt)
			}
			want := buf.Tensors[name].Data
			orig := src.W(name)
			for j := range want {
				if math.Float32bits(mt.At(j)) != math.Float32bits(want[j]) {
					t.Fatalf("%v %s[%d]: mapped %v, buffered %v", dt, name, j, mt.At(j), want[j])
				}
				// The stored value is the nearest of its dtype.
				var r float32
				switch dt {
				case F32:
					r = orig[j]
				case F16:
					r = F16ToF32(F32ToF16(orig[j]))
				case BF16:
					r = BF16ToF32(F32ToBF16(orig[j]))
				}
				if want[j] != r {
					t.Fatalf("%v %s[%d]: stored %v, want %v", dt, name, j, want[j], r)
				}
			}
		}
		if m.Mapped() && nativeLittle {
			// A view, not a copy: the first tensor's first element lives in
			// the mapped bytes.
			info := m.Header.Infos[0]
			mt, _ := m.Tensor(info.Name)
			b := m.Bytes()[m.Header.DataStart+info.Begin:]
			if dt == F32 && math.Float32bits(mt.F32[0]) != binary.LittleEndian.Uint32(b) || dt != F32 && mt.U16[0] != binary.LittleEndian.Uint16(b) {
				t.Errorf("%v: tensor does not read the mapped bytes", dt)
			}
		}
		m.Close()
	}
}

// A 16-bit tensor with an infinity is refused by both readers, naming it.
func TestMappedRefusesNonFinite(t *testing.T) {
	for _, c := range []struct {
		dtype string
		bits  uint16
	}{{"F16", 0x7c00}, {"BF16", 0xff80}, {"F16", 0x7e01}} {
		b := stFile(`{"w":{"dtype":"`+c.dtype+`","shape":[2],"data_offsets":[0,4]}}`, 0, 0, byte(c.bits), byte(c.bits>>8))
		p := t.TempDir() + "/x.safetensors"
		if err := writeRaw(p, b); err != nil {
			t.Fatal(err)
		}
		m, err := OpenSafetensorsMapped(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Tensor("w"); err == nil || !contains(err.Error(), `"w"`) {
			t.Errorf("%s %#04x: mapped reader: %v", c.dtype, c.bits, err)
		}
		m.Close()
		if _, err := ReadSafetensorsFile(p); err == nil {
			t.Errorf("%s %#04x: buffered reader accepted it", c.dtype, c.bits)
		}
	}
}

func writeRaw(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// fma32 is a·b + c rounded once to float32 (exactly, through big.Float).
func fma32(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(256).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetPrec(256).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetPrec(256).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

// The widening assembly adds each row with one fused multiply–add, rows
// ascending (eight at a time, leftovers one by one), and its Go tail
// columns with a separate multiply and add: bit for bit the row-blocked
// sum written out with fma32.
func TestWidenKernelFMAOrder(t *testing.T) {
	if !widenAsm(BF16) {
		t.Skip("no widening assembly on this CPU")
	}
	rng := rand.New(rand.NewPCG(15, 16))
	for _, dt := range []DType{BF16, F16} {
		if !widenAsm(dt) {
			continue
		}
		for _, sz := range [][2]int{{7, 40}, {8, 33}, {137, 72}, {256, 100}} {
			in, out := sz[0], sz[1]
			W := randMat16(rng, dt, in*out)
			x, y0 := make([]float32, in), make([]float32, out)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for i := range y0 {
				y0[i] = float32(rng.NormFloat64())
			}
			want := append([]float32(nil), y0...)
			for p0 := 0; p0 < in; p0 += mvRowBlock {
				part := make([]float32, out)
				for p := p0; p < min(p0+mvRowBlock, in); p++ {
					for j := range out {
						if j < out&^7 {
							part[j] = fma32(x[p], W.At(p*out+j), part[j])
						} else {
							prod := x[p] * W.At(p*out+j)
							part[j] = part[j] + prod
						}
					}
				}
				for j := range out {
					want[j] = want[j] + part[j]
				}
			}
			y := append([]float32(nil), y0...)
			MatVec(y, x, W, in, out, true)
			for j := range out {
				if math.Float32bits(y[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%v %d×%d col %d: kernel %v, FMA sum %v", dt, in, out, j, y[j], want[j])
				}
			}
		}
	}
}
