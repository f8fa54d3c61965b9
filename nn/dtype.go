package nn

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// DType is the element type of a stored tensor: IEEE float32 (F32), IEEE
// half precision (F16: 1 sign, 5 exponent, 10 fraction bits) or bfloat16
// (BF16: the top 16 bits of a float32). Models compute in float32; F16 and
// BF16 weights are widened inside the kernels that read them (Mat,
// MatVec), which is exact: every F16 and BF16 value is a float32 value.
type DType uint8

const (
	F32 DType = iota
	F16
	BF16
)

// Size is the number of bytes of one element.
func (t DType) Size() int {
	if t == F32 {
		return 4
	}
	return 2
}

// String is the safetensors spelling ("F32", "F16", "BF16").
func (t DType) String() string {
	switch t {
	case F32:
		return "F32"
	case F16:
		return "F16"
	case BF16:
		return "BF16"
	}
	return fmt.Sprintf("DType(%d)", uint8(t))
}

// ParseDType reads a dtype as safetensors spells it, or in lower case as a
// person types it ("bf16").
func ParseDType(s string) (DType, error) {
	switch s {
	case "F32", "f32", "float32":
		return F32, nil
	case "F16", "f16", "float16", "fp16":
		return F16, nil
	case "BF16", "bf16", "bfloat16":
		return BF16, nil
	}
	return 0, fmt.Errorf("dtype %q not supported (F32, F16 or BF16)", s)
}

// BF16ToF32 widens a bfloat16 (exact).
func BF16ToF32(u uint16) float32 { return math.Float32frombits(uint32(u) << 16) }

// F32ToBF16 rounds f to the nearest bfloat16, ties to even. NaN stays NaN
// (quiet, sign kept); values past the largest finite bfloat16 round to ±Inf.
func F32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// F16ToF32 widens an IEEE half (exact, subnormals included; NaN payloads
// are kept in the top fraction bits).
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch exp {
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		f := float32(man) * (1.0 / (1 << 24)) // man × 2^−24, exact
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}

// F32ToF16 rounds f to the nearest IEEE half, ties to even: magnitudes past
// the largest finite half (65504, plus half an ulp) become ±Inf, tiny ones
// subnormal halves or ±0. NaN stays NaN (quiet).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff {
		if man != 0 {
			return sign | 0x7e00 | uint16(man>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // the half's biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // a subnormal half, or zero
		if e < -10 {
			return sign
		}
		m := man | 0x800000
		shift := uint(14 - e)
		r := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && r&1 == 1 {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && r&1 == 1 {
		r++ // may carry into the exponent, up to Inf: both right
	}
	return sign | uint16(r)
}

// Mat is a read-only tensor of any DType, flat in row-major order: F32
// holds the values of an F32 tensor, U16 the bits of an F16 or BF16 one
// (exactly one is set). Its storage may be a memory-mapped file: never
// write through it.
type Mat struct {
	DType DType
	F32   []float32
	U16   []uint16
}

// MatF32 wraps float32 values.
func MatF32(v []float32) Mat { return Mat{DType: F32, F32: v} }

// Len is the number of elements.
func (m Mat) Len() int {
	if m.DType == F32 {
		return len(m.F32)
	}
	return len(m.U16)
}

// Bytes is the size of the elements in bytes.
func (m Mat) Bytes() int64 { return int64(m.Len()) * int64(m.DType.Size()) }

// Slice returns elements [lo, hi).
func (m Mat) Slice(lo, hi int) Mat {
	if m.DType == F32 {
		return Mat{DType: F32, F32: m.F32[lo:hi:hi]}
	}
	return Mat{DType: m.DType, U16: m.U16[lo:hi:hi]}
}

// At returns element i widened to float32.
func (m Mat) At(i int) float32 {
	switch m.DType {
	case F16:
		return F16ToF32(m.U16[i])
	case BF16:
		return BF16ToF32(m.U16[i])
	}
	return m.F32[i]
}

// Widen writes the elements, widened, into dst[:m.Len()].
func (m Mat) Widen(dst []float32) {
	switch m.DType {
	case F32:
		copy(dst, m.F32)
	case BF16:
		dst = dst[:len(m.U16)]
		for i, u := range m.U16 {
			dst[i] = BF16ToF32(u)
		}
	case F16:
		dst = dst[:len(m.U16)]
		for i, u := range m.U16 {
			dst[i] = F16ToF32(u)
		}
	}
}

// nativeLittle reports a little-endian host, where a safetensors byte range
// can be viewed as values without decoding.
var nativeLittle = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// matView returns the n elements of dtype t stored little-endian in b as a
// Mat. On a little-endian host with b suitably aligned the Mat aliases b
// (no copy); otherwise the values are decoded into new memory.
func matView(t DType, b []byte) Mat {
	n := len(b) / t.Size()
	if n == 0 {
		if t == F32 {
			return Mat{DType: t, F32: []float32{}}
		}
		return Mat{DType: t, U16: []uint16{}}
	}
	aligned := uintptr(unsafe.Pointer(&b[0]))%uintptr(t.Size()) == 0
	if t == F32 {
		if nativeLittle && aligned {
			return Mat{DType: t, F32: unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)}
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return Mat{DType: t, F32: v}
	}
	if nativeLittle && aligned {
		return Mat{DType: t, U16: unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n)}
	}
	v := make([]uint16, n)
	for i := range v {
		v[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return Mat{DType: t, U16: v}
}
