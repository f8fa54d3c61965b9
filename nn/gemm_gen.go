//go:build ignore

// gemm_gen.go writes the amd64 assembly kernels of package nn:
//
//	go run gemm_gen.go   (from the nn folder; or `go generate ./nn/`)
//
// It emits gemm_avx512_amd64.s and gemm_avx2_amd64.s. Each file holds two
// register-blocked SGEMM microkernels (MR rows × NR columns of C):
//
//   - ...N: A is read unpacked, row-major: element (i, p) at a + i·lda + p.
//   - ...T: A is read as [p][i]: element (i, p) at a + p·lda + i. This is
//     both the layout of a transposed A and of a zero-padded packed edge tile
//     (lda = MR).
//
// B is read as kc rows of NR floats with row stride ldb (a packed panel has
// ldb = NR; a full-width tile of a non-transposed B can be read in place).
// Both kernels then store
// C[i][j] = alpha·acc + beta·C[i][j] (each product rounded, then the add; with
// beta == ±0 C is not read). Each C element's accumulator sums the products in
// p order with FMA, so the result of a tile depends only on its inputs.
//
// It also writes the Dot and Axpy vector kernels (vec_amd64.s).
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

type isa struct {
	name    string // suffix of function names, e.g. AVX512
	reg     string // Z or Y
	lanes   int    // float32 lanes per vector
	mr      int    // rows of the microkernel
	vecs    int    // vectors per row (NR = vecs·lanes)
	firstAc int    // first accumulator register number
	zero    string // instruction to zero a register
	// row counts of the generated kernels (the last is the full tile)
	edgeRows []int
}

func (s isa) nr() int { return s.vecs * s.lanes }

type gen struct{ bytes.Buffer }

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.Buffer, format+"\n", args...) }

// aRowGroups are the base registers holding the addresses of A rows 0, 4, 8, 12.
var aRowGroups = []string{"SI", "R10", "R11", "R12"}

// aAddrN returns the address of A(i, p0+u) for the N kernel.
func aAddrN(i, u int) string {
	base := aRowGroups[i/4]
	off := 4 * u
	switch i % 4 {
	case 0:
		return fmt.Sprintf("%d(%s)", off, base)
	case 1:
		return fmt.Sprintf("%d(%s)(R8*1)", off, base)
	case 2:
		return fmt.Sprintf("%d(%s)(R8*2)", off, base)
	default:
		return fmt.Sprintf("%d(%s)(R9*1)", off, base)
	}
}

// aAddrT returns the address of A(i, p0+u) for the T kernel (u < 4).
func aAddrT(i, u int) string {
	off := 4 * i
	switch u {
	case 0:
		return fmt.Sprintf("%d(SI)", off)
	case 1:
		return fmt.Sprintf("%d(SI)(R8*1)", off)
	case 2:
		return fmt.Sprintf("%d(SI)(R8*2)", off)
	default:
		return fmt.Sprintf("%d(SI)(R9*1)", off)
	}
}

// bAddr returns the address of B(p0+u, off/4) (u < 4); R13 holds ldb in
// bytes and AX 3·ldb.
func bAddr(u, off int) string {
	switch u {
	case 0:
		return fmt.Sprintf("%d(BX)", off)
	case 1:
		return fmt.Sprintf("%d(BX)(R13*1)", off)
	case 2:
		return fmt.Sprintf("%d(BX)(R13*2)", off)
	default:
		return fmt.Sprintf("%d(BX)(AX*1)", off)
	}
}

func (s isa) acc(i, v int) string { return fmt.Sprintf("%s%d", s.reg, s.firstAc+i*s.vecs+v) }
func (s isa) r(n int) string      { return fmt.Sprintf("%s%d", s.reg, n) }

// body emits the FMAs of one p step (unroll index u).
func (g *gen) body(s isa, trans bool, u int) {
	for v := 0; v < s.vecs; v++ {
		g.p("\tVMOVUPS %s, %s", bAddr(u, 4*v*s.lanes), s.r(v))
	}
	bc := s.vecs // broadcast registers follow the B registers
	for i := 0; i < s.mr; i++ {
		addr := aAddrN(i, u)
		if trans {
			addr = aAddrT(i, u)
		}
		t := s.r(bc + i%2)
		g.p("\tVBROADCASTSS %s, %s", addr, t)
		for v := 0; v < s.vecs; v++ {
			g.p("\tVFMADD231PS %s, %s, %s", t, s.r(v), s.acc(i, v))
		}
	}
}

// bPrefetchRows is how many rows of B ahead the T kernels prefetch.
const bPrefetchRows = 8

// prefetchB emits, in a T kernel's 4-step loop, prefetches of the B rows
// bPrefetchRows … bPrefetchRows+3 ahead (R11; AX holds 3·ldb). A T kernel
// runs the products with a transposed A, XᵀdY: there B is the batch's
// rows read in place, a row of the tile every ldb floats and k in the
// thousands, which the hardware prefetcher follows poorly across pages.
// The T kernels prefetch into L1 (PREFETCHT0); their L2 variants into L2
// only (PREFETCHT1), for a B whose row stride is a multiple of 2 KB: its
// rows then fall in one or two L1 sets, and lines prefetched there 8–11
// rows ahead evict the lines in use (measured on Zen 4: the 512-wide
// weight gradient 3–15% faster with T1 than with T0, median 10%). No bit
// changes.
func (g *gen) prefetchB(s isa, l2 bool) {
	ins := "PREFETCHT0"
	if l2 {
		ins = "PREFETCHT1"
	}
	for u := 0; u < 4; u++ {
		base := [...]string{"(R11)", "(R11)(R13*1)", "(R11)(R13*2)", "(R11)(AX*1)"}[u]
		for off := 0; off < 4*s.nr(); off += 64 {
			if off == 0 {
				g.p("\t%s %s", ins, base)
			} else {
				g.p("\t%s %d%s", ins, off, base)
			}
		}
	}
}

func (g *gen) advance(s isa, trans bool, steps int) {
	if steps == 4 {
		g.p("\tLEAQ (BX)(R13*4), BX")
		if trans {
			g.p("\tLEAQ (R11)(R13*4), R11")
		}
	} else {
		g.p("\tADDQ R13, BX")
		if trans {
			g.p("\tADDQ R13, R11")
		}
	}
	if trans {
		if steps == 4 {
			g.p("\tADDQ R10, SI")
		} else {
			g.p("\tADDQ R8, SI")
		}
		return
	}
	for gi := 0; gi*4 < s.mr; gi++ {
		g.p("\tADDQ $%d, %s", 4*steps, aRowGroups[gi])
	}
}

// kernName names a kernel: N or T, and L2 for a T kernel prefetching B
// into L2 (see prefetchB).
func kernName(s isa, trans, l2 bool) string {
	l := "N"
	if trans {
		l = "T"
	}
	suffix := ""
	if l2 {
		suffix = "L2"
	}
	return fmt.Sprintf("sgemmKern%s%s%dx%d%s", s.name, l, s.mr, s.nr(), suffix)
}

func (g *gen) kernel(s isa, trans, l2 bool) {
	name := kernName(s, trans, l2)
	g.p("// func %s(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha float32, beta float32)", name)
	g.p("// %d×%d tile of C = alpha·op(A)·B + beta·C; see gemm_gen.go.", s.mr, s.nr())
	g.p("TEXT ·%s(SB), NOSPLIT, $0-64", name)
	g.p("\tMOVQ kc+0(FP), DI")
	g.p("\tMOVQ a+8(FP), SI")
	g.p("\tMOVQ lda+16(FP), R8")
	g.p("\tSHLQ $2, R8")
	g.p("\tLEAQ (R8)(R8*2), R9")
	if trans {
		g.p("\tLEAQ (R8*4), R10")
	} else {
		for gi := 1; gi*4 < s.mr; gi++ {
			g.p("\tLEAQ (%s)(R8*4), %s", aRowGroups[gi-1], aRowGroups[gi])
		}
	}
	g.p("\tMOVQ b+24(FP), BX")
	g.p("\tMOVQ ldb+32(FP), R13")
	g.p("\tSHLQ $2, R13")
	if trans {
		// R11 runs bPrefetchRows rows of B ahead (see prefetchB).
		g.p("\tLEAQ (BX)(R13*%d), R11", bPrefetchRows)
	}
	g.p("\tMOVQ c+40(FP), CX")
	g.p("\tMOVQ ldc+48(FP), DX")
	g.p("\tSHLQ $2, DX")
	// Prefetch the C tile while the products are computed.
	g.p("\tMOVQ CX, AX")
	for i := 0; i < s.mr; i++ {
		g.p("\tPREFETCHT0 (AX)")
		g.p("\tPREFETCHT0 %d(AX)", 4*s.nr()-4)
		if i+1 < s.mr {
			g.p("\tADDQ DX, AX")
		}
	}
	g.p("\tLEAQ (R13)(R13*2), AX")
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.vecs; v++ {
			g.p("\t%s %s, %s, %s", s.zero, s.acc(i, v), s.acc(i, v), s.acc(i, v))
		}
	}
	g.p("\tCMPQ DI, $4")
	g.p("\tJLT tail1")
	g.p("loop4:")
	if trans {
		g.prefetchB(s, l2)
	}
	for u := 0; u < 4; u++ {
		g.body(s, trans, u)
	}
	g.advance(s, trans, 4)
	g.p("\tSUBQ $4, DI")
	g.p("\tCMPQ DI, $4")
	g.p("\tJGE loop4")
	g.p("tail1:")
	g.p("\tTESTQ DI, DI")
	g.p("\tJEQ store")
	g.p("loop1:")
	g.body(s, trans, 0)
	g.advance(s, trans, 1)
	g.p("\tDECQ DI")
	g.p("\tJNZ loop1")
	g.p("store:")
	al, be, tmp := s.r(0), s.r(1), s.r(2)
	g.p("\tVBROADCASTSS alpha+56(FP), %s", al)
	g.p("\tMOVL beta+60(FP), AX")
	g.p("\tTESTL $0x7fffffff, AX")
	g.p("\tJEQ overwrite")
	g.p("\tVBROADCASTSS beta+60(FP), %s", be)
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.vecs; v++ {
			off := 4 * v * s.lanes
			g.p("\tVMULPS %s, %s, %s", al, s.acc(i, v), s.acc(i, v))
			g.p("\tVMULPS %d(CX), %s, %s", off, be, tmp)
			g.p("\tVADDPS %s, %s, %s", tmp, s.acc(i, v), s.acc(i, v))
			g.p("\tVMOVUPS %s, %d(CX)", s.acc(i, v), off)
		}
		if i+1 < s.mr {
			g.p("\tADDQ DX, CX")
		}
	}
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("overwrite:")
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.vecs; v++ {
			off := 4 * v * s.lanes
			g.p("\tVMULPS %s, %s, %s", al, s.acc(i, v), s.acc(i, v))
			g.p("\tVMOVUPS %s, %d(CX)", s.acc(i, v), off)
		}
		if i+1 < s.mr {
			g.p("\tADDQ DX, CX")
		}
	}
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

const header = `// Code generated by gemm_gen.go; DO NOT EDIT.

//go:build amd64 && !purego

#include "textflag.h"

`

func write(file string, g *gen) {
	if err := os.WriteFile(file, append([]byte(header), g.Bytes()...), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var (
	avx512 = isa{name: "AVX512", reg: "Z", lanes: 16, mr: 12, vecs: 2, firstAc: 8, zero: "VPXORD", edgeRows: []int{4, 8, 12}}
	avx2   = isa{name: "AVX2", reg: "Y", lanes: 8, mr: 6, vecs: 2, firstAc: 4, zero: "VXORPS", edgeRows: []int{2, 4, 6}}
)

// variants returns the tile shapes generated for an ISA: its full tile and
// narrower ones for the edges of C (fewer rows, one vector of columns).
func variants(s isa) []isa {
	var v []isa
	for _, rows := range s.edgeRows {
		for vecs := 1; vecs <= s.vecs; vecs++ {
			t := s
			t.mr, t.vecs = rows, vecs
			v = append(v, t)
		}
	}
	return v
}

func main() {
	var decl gen
	decl.p("// Code generated by gemm_gen.go; DO NOT EDIT.")
	decl.p("")
	decl.p("//go:build amd64 && !purego")
	decl.p("")
	decl.p("package nn")
	decl.p("")
	decl.p("import \"unsafe\"")
	decl.p("")
	for _, s := range []isa{avx512, avx2} {
		var g gen
		decl.p("// tiles%s lists the %s microkernels, fewest rows and columns first.", s.name, s.name)
		decl.p("var tiles%s = []tileKernel{", s.name)
		var names []string // every kernel's, in the order emitted
		for _, v := range variants(s) {
			g.kernel(v, false, false)
			g.kernel(v, true, false)
			n, t := kernName(v, false, false), kernName(v, true, false)
			names = append(names, n, t)
			if v.mr == s.mr && v.vecs == s.vecs {
				// the full tile's L2 variant: only full-width tiles read
				// B in place
				g.kernel(v, true, true)
				l2 := kernName(v, true, true)
				names = append(names, l2)
				decl.p("\t{rows: %d, cols: %d, n: kern(%s), t: kern(%s), tl2: kern(%s)},", v.mr, v.nr(), n, t, l2)
				continue
			}
			decl.p("\t{rows: %d, cols: %d, n: kern(%s), t: kern(%s)},", v.mr, v.nr(), n, t)
		}
		decl.p("}")
		decl.p("")
		for _, name := range names {
			decl.p("//go:noescape")
			decl.p("func %s(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha float32, beta float32)", name)
			decl.p("")
		}
		g.packBT(s)
		decl.p("//go:noescape")
		decl.p("func packBT%s(dst *float32, src *float32, ldb int, kc int, w int)", s.name)
		decl.p("")
		write(fmt.Sprintf("gemm_%s_amd64.s", strings.ToLower(s.name)), &g)
	}
	decl.p(`// kern adapts an assembly microkernel to kernFunc.
func kern(f func(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha float32, beta float32)) kernFunc {
	return func(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
		f(kc, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, alpha, beta)
	}
}`)
	if err := os.WriteFile("gemm_kernels_amd64.go", decl.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var g gen
	g.dot(avx512)
	g.dot(avx2)
	g.axpy(avx512)
	g.axpy(avx2)
	write("vec_amd64.s", &g)
}

// packBT emits func packBT<ISA>(dst *float32, src *float32, ldb int, kc int,
// w int): packs a transposed B panel, dst[p·NR + j] = src[j·ldb + p] for
// j < w (0 for w ≤ j < NR), p < kc, with masked gathers. 31·ldb must fit in
// an int32; w ≥ 1; kc ≥ 1.
func (g *gen) packBT(s isa) {
	name := "packBT" + s.name
	nr := s.nr()
	g.p("// func %s(dst *float32, src *float32, ldb int, kc int, w int)", name)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-40", name)
	g.p("\tMOVQ dst+0(FP), DI")
	g.p("\tMOVQ src+8(FP), SI")
	g.p("\tMOVQ ldb+16(FP), AX")
	g.p("\tMOVQ kc+24(FP), CX")
	g.p("\tMOVQ w+32(FP), DX")
	// index vector: lane j holds j·ldb
	g.p("\tMOVQ AX, X1")
	if s.reg == "Z" {
		g.p("\tVPBROADCASTD X1, Z1")
		g.p("\tVPMULLD iota16<>(SB), Z1, Z30")
		// second half base: src + 16·ldb floats
		g.p("\tMOVQ AX, R11")
		g.p("\tSHLQ $6, R11")
		g.p("\tADDQ SI, R11")
		// lane masks: low = (1<<min(w,16))-1, high = (1<<max(w-16,0))-1
		g.p("\tMOVQ DX, R8")
		g.p("\tCMPQ R8, $16")
		g.p("\tJLE lowok")
		g.p("\tMOVQ $16, R8")
		g.p("lowok:")
		g.p("\tMOVQ $1, R9")
		g.p("\tSHLXQ R8, R9, R8")
		g.p("\tDECQ R8")
		g.p("\tMOVQ DX, R10")
		g.p("\tSUBQ $16, R10")
		g.p("\tJGE highok")
		g.p("\tXORQ R10, R10")
		g.p("highok:")
		g.p("\tSHLXQ R10, R9, R9")
		g.p("\tDECQ R9")
		g.p("loop:")
		g.p("\tVPXORD Z0, Z0, Z0")
		g.p("\tKMOVW R8, K1")
		g.p("\tVGATHERDPS (SI)(Z30*4), K1, Z0")
		g.p("\tVMOVUPS Z0, (DI)")
		g.p("\tVPXORD Z2, Z2, Z2")
		g.p("\tKMOVW R9, K2")
		g.p("\tVGATHERDPS (R11)(Z30*4), K2, Z2")
		g.p("\tVMOVUPS Z2, 64(DI)")
		g.p("\tADDQ $4, SI")
		g.p("\tADDQ $4, R11")
		g.p("\tADDQ $%d, DI", 4*nr)
		g.p("\tDECQ CX")
		g.p("\tJNZ loop")
		g.p("\tVZEROUPPER")
		g.p("\tRET")
		g.p("")
		g.p("DATA iota16<>+0(SB)/8, $0x0000000100000000")
		g.p("DATA iota16<>+8(SB)/8, $0x0000000300000002")
		g.p("DATA iota16<>+16(SB)/8, $0x0000000500000004")
		g.p("DATA iota16<>+24(SB)/8, $0x0000000700000006")
		g.p("DATA iota16<>+32(SB)/8, $0x0000000900000008")
		g.p("DATA iota16<>+40(SB)/8, $0x0000000b0000000a")
		g.p("DATA iota16<>+48(SB)/8, $0x0000000d0000000c")
		g.p("DATA iota16<>+56(SB)/8, $0x0000000f0000000e")
		g.p("GLOBL iota16<>(SB), RODATA|NOPTR, $64")
		g.p("")
		return
	}
	// AVX2: 2 × 8 lanes; masks are vectors (sign bit set on lanes j < w).
	g.p("\tVPBROADCASTD X1, Y1")
	g.p("\tVPMULLD iota8<>(SB), Y1, Y15")
	g.p("\tMOVQ AX, R11")
	g.p("\tSHLQ $5, R11")
	g.p("\tADDQ SI, R11")
	g.p("\tMOVQ DX, X2")
	g.p("\tVPBROADCASTD X2, Y2")
	g.p("\tVMOVDQU iota8<>(SB), Y3")
	g.p("\tVPCMPGTD Y3, Y2, Y13") // w > j
	g.p("\tVPCMPEQD Y4, Y4, Y4")
	g.p("\tVPSLLD $3, Y4, Y4")    // -8 in every lane
	g.p("\tVPADDD Y4, Y2, Y2")    // w-8
	g.p("\tVPCMPGTD Y3, Y2, Y14") // w-8 > j
	g.p("loop:")
	g.p("\tVXORPS Y0, Y0, Y0")
	g.p("\tVMOVDQU Y13, Y5")
	g.p("\tVGATHERDPS Y5, (SI)(Y15*4), Y0")
	g.p("\tVMOVUPS Y0, (DI)")
	g.p("\tVXORPS Y6, Y6, Y6")
	g.p("\tVMOVDQU Y14, Y7")
	g.p("\tVGATHERDPS Y7, (R11)(Y15*4), Y6")
	g.p("\tVMOVUPS Y6, 32(DI)")
	g.p("\tADDQ $4, SI")
	g.p("\tADDQ $4, R11")
	g.p("\tADDQ $%d, DI", 4*nr)
	g.p("\tDECQ CX")
	g.p("\tJNZ loop")
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
	g.p("DATA iota8<>+0(SB)/8, $0x0000000100000000")
	g.p("DATA iota8<>+8(SB)/8, $0x0000000300000002")
	g.p("DATA iota8<>+16(SB)/8, $0x0000000500000004")
	g.p("DATA iota8<>+24(SB)/8, $0x0000000700000006")
	g.p("GLOBL iota8<>(SB), RODATA|NOPTR, $32")
	g.p("")
}

// dot emits func dot<ISA>(a, b *float32, n int) float32 for n a multiple of
// the vector width (4 accumulators over blocks of 4 vectors, then one).
func (g *gen) dot(s isa) {
	name := "dot" + s.name
	w := s.lanes
	g.p("// func %s(a *float32, b *float32, n int) float32", name)
	g.p("// n must be a multiple of %d.", w)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-28", name)
	g.p("\tMOVQ a+0(FP), SI")
	g.p("\tMOVQ b+8(FP), DI")
	g.p("\tMOVQ n+16(FP), CX")
	for r := 0; r < 4; r++ {
		g.p("\t%s %s, %s, %s", s.zero, s.r(r), s.r(r), s.r(r))
	}
	g.p("\tCMPQ CX, $%d", 4*w)
	g.p("\tJLT %sone", name)
	g.p("%sloop4:", name)
	for r := 0; r < 4; r++ {
		g.p("\tVMOVUPS %d(SI), %s", 4*w*r, s.r(4+r))
		g.p("\tVFMADD231PS %d(DI), %s, %s", 4*w*r, s.r(4+r), s.r(r))
	}
	g.p("\tADDQ $%d, SI", 16*w)
	g.p("\tADDQ $%d, DI", 16*w)
	g.p("\tSUBQ $%d, CX", 4*w)
	g.p("\tCMPQ CX, $%d", 4*w)
	g.p("\tJGE %sloop4", name)
	g.p("%sone:", name)
	g.p("\tTESTQ CX, CX")
	g.p("\tJEQ %sreduce", name)
	g.p("%sloop1:", name)
	g.p("\tVMOVUPS (SI), %s", s.r(4))
	g.p("\tVFMADD231PS (DI), %s, %s", s.r(4), s.r(0))
	g.p("\tADDQ $%d, SI", 4*w)
	g.p("\tADDQ $%d, DI", 4*w)
	g.p("\tSUBQ $%d, CX", w)
	g.p("\tJNE %sloop1", name)
	g.p("%sreduce:", name)
	g.p("\tVADDPS %s, %s, %s", s.r(1), s.r(0), s.r(0))
	g.p("\tVADDPS %s, %s, %s", s.r(3), s.r(2), s.r(2))
	g.p("\tVADDPS %s, %s, %s", s.r(2), s.r(0), s.r(0))
	if s.reg == "Z" {
		g.p("\tVEXTRACTF64X4 $1, Z0, Y1")
		g.p("\tVADDPS Y1, Y0, Y0")
	}
	g.p("\tVEXTRACTF128 $1, Y0, X1")
	g.p("\tVADDPS X1, X0, X0")
	g.p("\tVMOVHLPS X0, X0, X1")
	g.p("\tVADDPS X1, X0, X0")
	g.p("\tVMOVSHDUP X0, X1")
	g.p("\tVADDSS X1, X0, X0")
	g.p("\tVMOVSS X0, ret+24(FP)")
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}

// axpy emits func axpy<ISA>(alpha float32, x *float32, y *float32, n int):
// y[i] += alpha·x[i] with FMA, for n a multiple of the vector width.
func (g *gen) axpy(s isa) {
	name := "axpy" + s.name
	w := s.lanes
	g.p("// func %s(alpha float32, x *float32, y *float32, n int)", name)
	g.p("// n must be a multiple of %d.", w)
	g.p("TEXT ·%s(SB), NOSPLIT, $0-32", name)
	g.p("\tVBROADCASTSS alpha+0(FP), %s", s.r(0))
	g.p("\tMOVQ x+8(FP), SI")
	g.p("\tMOVQ y+16(FP), DI")
	g.p("\tMOVQ n+24(FP), CX")
	g.p("\tCMPQ CX, $%d", 4*w)
	g.p("\tJLT %sone", name)
	g.p("%sloop4:", name)
	for r := 0; r < 4; r++ {
		g.p("\tVMOVUPS %d(DI), %s", 4*w*r, s.r(1+r))
		g.p("\tVFMADD231PS %d(SI), %s, %s", 4*w*r, s.r(0), s.r(1+r))
		g.p("\tVMOVUPS %s, %d(DI)", s.r(1+r), 4*w*r)
	}
	g.p("\tADDQ $%d, SI", 16*w)
	g.p("\tADDQ $%d, DI", 16*w)
	g.p("\tSUBQ $%d, CX", 4*w)
	g.p("\tCMPQ CX, $%d", 4*w)
	g.p("\tJGE %sloop4", name)
	g.p("%sone:", name)
	g.p("\tTESTQ CX, CX")
	g.p("\tJEQ %sdone", name)
	g.p("%sloop1:", name)
	g.p("\tVMOVUPS (DI), %s", s.r(1))
	g.p("\tVFMADD231PS (SI), %s, %s", s.r(0), s.r(1))
	g.p("\tVMOVUPS %s, (DI)", s.r(1))
	g.p("\tADDQ $%d, SI", 4*w)
	g.p("\tADDQ $%d, DI", 4*w)
	g.p("\tSUBQ $%d, CX", w)
	g.p("\tJNE %sloop1", name)
	g.p("%sdone:", name)
	g.p("\tVZEROUPPER")
	g.p("\tRET")
	g.p("")
}
