package nn

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// f16Ref and bf16Ref are the values of every bit pattern computed in
// float64 from the formats' definitions.
func f16Ref(h uint16) float64 {
	s := 1.0
	if h&0x8000 != 0 {
		s = -1
	}
	e, m := int(h>>10)&0x1f, float64(h&0x3ff)
	switch e {
	case 0x1f:
		if m != 0 {
			return math.NaN()
		}
		return math.Inf(int(s))
	case 0:
		return s * m * math.Pow(2, -24)
	}
	return s * (1 + m/1024) * math.Pow(2, float64(e-15))
}

func bf16Ref(h uint16) float64 {
	s := 1.0
	if h&0x8000 != 0 {
		s = -1
	}
	e, m := int(h>>7)&0xff, float64(h&0x7f)
	switch e {
	case 0xff:
		if m != 0 {
			return math.NaN()
		}
		return math.Inf(int(s))
	case 0:
		return s * m * math.Pow(2, -133)
	}
	return s * (1 + m/128) * math.Pow(2, float64(e-127))
}

func TestWidenAllPatterns(t *testing.T) {
	for _, c := range []struct {
		name  string
		widen func(uint16) float32
		ref   func(uint16) float64
	}{{"F16", F16ToF32, f16Ref}, {"BF16", BF16ToF32, bf16Ref}} {
		for u := 0; u < 1<<16; u++ {
			got, want := float64(c.widen(uint16(u))), c.ref(uint16(u))
			if math.IsNaN(want) {
				if !math.IsNaN(got) {
					t.Fatalf("%s %#04x: got %v, want NaN", c.name, u, got)
				}
				continue
			}
			if got != want || math.Signbit(got) != math.Signbit(want) {
				t.Fatalf("%s %#04x: got %v, want %v", c.name, u, got, want)
			}
		}
	}
}

// nearestRef rounds x to the nearest finite value of a 16-bit format
// (ties to the even bit pattern), or to ±Inf past the largest value plus
// half an ulp, by search over the format's sorted positive values.
type refPt struct {
	v float64
	b uint16
}

var refTables = map[uint16][]refPt{}

// refTable lists a format's positive finite values sorted, then Inf as
// one ulp past the largest (so that the largest plus half an ulp ties
// between them and goes to the even pattern, Inf).
func refTable(ref func(uint16) float64, inf uint16) []refPt {
	var pos []refPt
	for u := 0; u < 0x8000; u++ {
		if v := ref(uint16(u)); !math.IsNaN(v) && !math.IsInf(v, 0) {
			pos = append(pos, refPt{v, uint16(u)})
		}
	}
	sort.Slice(pos, func(i, j int) bool { return pos[i].v < pos[j].v })
	last, prev := pos[len(pos)-1], pos[len(pos)-2]
	return append(pos, refPt{last.v + (last.v - prev.v), inf})
}

// nearestRef rounds x to the nearest value of a 16-bit format (ties to the
// even bit pattern), or to ±Inf past the largest value plus half an ulp, by
// search over the format's sorted values.
func nearestRef(x float64, ref func(uint16) float64, inf uint16) uint16 {
	pos := refTables[inf]
	if pos == nil {
		pos = refTable(ref, inf)
		refTables[inf] = pos
	}
	sign := uint16(0)
	if math.Signbit(x) {
		sign, x = 0x8000, -x
	}
	i := sort.Search(len(pos), func(i int) bool { return pos[i].v >= x })
	if i == len(pos) {
		return sign | inf
	}
	if pos[i].v == x || i == 0 {
		return sign | pos[i].b
	}
	lo, hi := pos[i-1], pos[i]
	switch dl, dh := x-lo.v, hi.v-x; {
	case dl < dh:
		return sign | lo.b
	case dh < dl:
		return sign | hi.b
	case lo.b&1 == 0:
		return sign | lo.b
	}
	return sign | hi.b
}

func TestNarrowRoundsToNearestEven(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var xs []float32
	for range 3000 {
		// Magnitudes across both formats' ranges, subnormals and overflow.
		xs = append(xs, float32(rng.NormFloat64()*math.Pow(2, float64(rng.IntN(60)-30))))
		xs = append(xs, math.Float32frombits(rng.Uint32()&^0x7f800000|uint32(rng.IntN(255))<<23))
	}
	// Ties and edges: halfway points of both formats, the largest F16 and
	// the overflow threshold, the smallest subnormals.
	xs = append(xs, 65504, 65519.99, 65520, -65520, 1+1.0/2048, 1+3.0/2048, 2.980232e-08, 2.9802326e-08, 5.96e-8, 1+1.0/256, 1+3.0/256, 0, float32(math.Copysign(0, -1)))
	for _, x := range xs {
		if got, want := F32ToF16(x), nearestRef(float64(x), f16Ref, 0x7c00); got != want {
			t.Fatalf("F32ToF16(%v): got %#04x (%v), want %#04x (%v)", x, got, F16ToF32(got), want, F16ToF32(want))
		}
		if math.Abs(float64(x)) < 3e38 {
			if got, want := F32ToBF16(x), nearestRef(float64(x), bf16Ref, 0x7f80); got != want {
				t.Fatalf("F32ToBF16(%v): got %#04x (%v), want %#04x (%v)", x, got, BF16ToF32(got), want, BF16ToF32(want))
			}
		}
	}
	if !math.IsNaN(float64(F16ToF32(F32ToF16(float32(math.NaN()))))) || !math.IsNaN(float64(BF16ToF32(F32ToBF16(float32(math.NaN()))))) {
		t.Error("NaN does not stay NaN")
	}
	if F32ToBF16(float32(math.Inf(-1))) != 0xff80 || F32ToF16(float32(math.Inf(1))) != 0x7c00 {
		t.Error("infinities do not stay infinite")
	}
}
