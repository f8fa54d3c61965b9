//go:build amd64 && !purego

#include "textflag.h"

// Row kernels of the norms, RoPE and the MLP backward, and the packer of
// a transposed A's slab (rowops_amd64.go). Each row kernel does, eight floats at a time, what its Go loop does element by
// element, with the same operations in the same order, each product and
// sum rounded on its own (no fused multiply-add): the results are the Go
// loop's bits. Counts are multiples of 8.

// func rmsDgAVX2(dg *float32, dy *float32, x *float32, rstd *float32, n int, ld int, w int)
// dg[j] += dy[i·ld+j]·x[i·ld+j]·rstd[i] for i = 0…n−1 in order, j < w.
TEXT ·rmsDgAVX2(SB), NOSPLIT, $0-56
	MOVQ dg+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ rstd+24(FP), R8
	MOVQ n+32(FP), R9
	MOVQ ld+40(FP), R10
	MOVQ w+48(FP), CX
	SHLQ $2, R10 // row stride in bytes

block32:
	CMPQ CX, $32
	JLT  block8
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	MOVQ SI, R11
	MOVQ DX, R12
	MOVQ R8, R13
	MOVQ R9, BX
	TESTQ BX, BX
	JEQ  store32

rows32:
	VBROADCASTSS (R13), Y15
	VMOVUPS 0(R11), Y4
	VMOVUPS 32(R11), Y5
	VMOVUPS 64(R11), Y6
	VMOVUPS 96(R11), Y7
	VMULPS 0(R12), Y4, Y4
	VMULPS 32(R12), Y5, Y5
	VMULPS 64(R12), Y6, Y6
	VMULPS 96(R12), Y7, Y7
	VMULPS Y15, Y4, Y4
	VMULPS Y15, Y5, Y5
	VMULPS Y15, Y6, Y6
	VMULPS Y15, Y7, Y7
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	ADDQ R10, R11
	ADDQ R10, R12
	ADDQ $4, R13
	DECQ BX
	JNZ  rows32

store32:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, DI
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $32, CX
	JMP  block32

block8:
	CMPQ CX, $8
	JLT  done
	VMOVUPS 0(DI), Y0
	MOVQ SI, R11
	MOVQ DX, R12
	MOVQ R8, R13
	MOVQ R9, BX
	TESTQ BX, BX
	JEQ  store8

rows8:
	VBROADCASTSS (R13), Y15
	VMOVUPS 0(R11), Y4
	VMULPS 0(R12), Y4, Y4
	VMULPS Y15, Y4, Y4
	VADDPS Y4, Y0, Y0
	ADDQ R10, R11
	ADDQ R10, R12
	ADDQ $4, R13
	DECQ BX
	JNZ  rows8

store8:
	VMOVUPS Y0, 0(DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP  block8

done:
	VZEROUPPER
	RET

// func scaleRowAVX2(y *float32, x *float32, gain *float32, rs float32, n int)
// y[j] = x[j]·r·g[j] for j < n (y may alias x).
TEXT ·scaleRowAVX2(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ gain+16(FP), DX
	VBROADCASTSS rs+24(FP), Y15
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JEQ  sdone

sloop:
	VMOVUPS (SI), Y0
	VMULPS Y15, Y0, Y0
	VMULPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  sloop

sdone:
	VZEROUPPER
	RET

// func rmsDxRowAVX2(dx *float32, dy *float32, x *float32, gain *float32, rs float32, cc float32, n int)
// dx[j] += r·(dy[j]·g[j] − x[j]·c) for j < n.
TEXT ·rmsDxRowAVX2(SB), NOSPLIT, $0-48
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ gain+24(FP), R8
	VBROADCASTSS rs+32(FP), Y15
	VBROADCASTSS cc+36(FP), Y14
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JEQ  xdone

xloop:
	VMOVUPS (SI), Y0
	VMULPS (R8), Y0, Y0  // dy·g
	VMOVUPS (DX), Y1
	VMULPS Y14, Y1, Y1   // x·c
	VSUBPS Y1, Y0, Y0    // dy·g − x·c
	VMULPS Y15, Y0, Y0   // r·(…)
	VADDPS (DI), Y0, Y0  // dx + …
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	ADDQ $32, DI
	DECQ CX
	JNZ  xloop

xdone:
	VZEROUPPER
	RET

// func ropeAVX2(a *float32, b *float32, cs *float32, sn *float32, n int, inverse bool)
// forward: a, b = a·c − b·s, a·s + b·c; inverse: a, b = a·c + b·s, b·c − a·s;
// for j < n, c = cs[j], s = sn[j]. The inverse is the forward with s
// negated (a sign flip is exact, and x − y is x + (−y) in IEEE arithmetic,
// zeros included): the Go loops' bits either way.
TEXT ·ropeAVX2(SB), NOSPLIT, $0-41
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ cs+16(FP), DX
	MOVQ sn+24(FP), R8
	MOVQ n+32(FP), CX
	MOVBLZX inverse+40(FP), AX
	VXORPS Y8, Y8, Y8    // forward: s as it is
	TESTQ AX, AX
	JEQ  rstart
	VPCMPEQD Y8, Y8, Y8
	VPSLLD $31, Y8, Y8   // inverse: the sign bit, to negate s

rstart:
	SHRQ $3, CX
	JEQ  rdone

rloop:
	VMOVUPS (DI), Y0 // a
	VMOVUPS (SI), Y1 // b
	VMOVUPS (DX), Y2 // c
	VMOVUPS (R8), Y3
	VXORPS Y8, Y3, Y3 // s (negated for the inverse)
	VMULPS Y2, Y0, Y4 // a·c
	VMULPS Y3, Y1, Y5 // b·s
	VSUBPS Y5, Y4, Y4 // a·c − b·s
	VMULPS Y3, Y0, Y6 // a·s
	VMULPS Y2, Y1, Y7 // b·c
	VADDPS Y7, Y6, Y6 // a·s + b·c
	VMOVUPS Y4, (DI)
	VMOVUPS Y6, (SI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	DECQ CX
	JNZ  rloop

rdone:
	VZEROUPPER
	RET

// func mulAVX2(dst *float32, src *float32, n int)
// dst[j] *= src[j] for j < n.
TEXT ·mulAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ  mdone

mloop:
	VMOVUPS (DI), Y0
	VMULPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNZ  mloop

mdone:
	VZEROUPPER
	RET

// func rowMaxAVX2(x *float32, n int) float32
// The largest of x[0…n) (n a positive multiple of 8), by VMAXPS: where a
// value is NaN the result may or may not be (the softmax that asks gives NaN
// for the whole row either way).
TEXT ·rowMaxAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVUPS (SI), Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JLE  rmxred

rmxloop:
	VMAXPS (SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JG   rmxloop

rmxred:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func scalAVX2(x *float32, s float32, n int)
// x[j] *= s for j < n (n a multiple of 8).
TEXT ·scalAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	VBROADCASTSS s+8(FP), Y1
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ  scdone

scloop:
	VMULPS (DI), Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ  scloop

scdone:
	VZEROUPPER
	RET

// func dsRowAVX2(ds *float32, p *float32, dot float32, scale float32, n int)
// ds[j] = p[j]·(ds[j] − dot)·scale for j < n (n a multiple of 8), in that
// order: the softmax backward of attention.
TEXT ·dsRowAVX2(SB), NOSPLIT, $0-32
	MOVQ ds+0(FP), DI
	MOVQ p+8(FP), SI
	VBROADCASTSS dot+16(FP), Y2
	VBROADCASTSS scale+20(FP), Y3
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JEQ  dsdone

dsloop:
	VMOVUPS (DI), Y0
	VSUBPS Y2, Y0, Y0
	VMULPS (SI), Y0, Y0
	VMULPS Y3, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNZ  dsloop

dsdone:
	VZEROUPPER
	RET

// func adamwAVX2(w *float32, gr *float32, m *float32, v *float32, n int, k *float32)
// AdamW.Step's update for j < n (a multiple of 8), its operations in its
// order, no fused multiply-add; k holds scale, β1, 1−β1, β2, 1−β2, the two
// bias corrections, the decay factor, lr and eps.
TEXT ·adamwAVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSS 0(AX), Y6   // scale
	VBROADCASTSS 4(AX), Y7   // β1
	VBROADCASTSS 8(AX), Y8   // 1−β1
	VBROADCASTSS 12(AX), Y9  // β2
	VBROADCASTSS 16(AX), Y10 // 1−β2
	VBROADCASTSS 20(AX), Y11 // 1−β1^t
	VBROADCASTSS 24(AX), Y12 // 1−β2^t
	VBROADCASTSS 28(AX), Y13 // decay
	VBROADCASTSS 32(AX), Y14 // lr
	VBROADCASTSS 36(AX), Y15 // eps
	SHRQ $3, CX
	JEQ  adone

aloop:
	VMULPS (SI), Y6, Y0 // g·scale
	VMULPS (R8), Y7, Y1 // β1·m
	VMULPS Y0, Y8, Y2   // (1−β1)·g
	VADDPS Y2, Y1, Y1   // m
	VMOVUPS Y1, (R8)
	VMULPS (R9), Y9, Y2 // β2·v
	VMULPS Y0, Y10, Y3  // (1−β2)·g
	VMULPS Y0, Y3, Y3   // ·g
	VADDPS Y3, Y2, Y2   // v
	VMOVUPS Y2, (R9)
	VDIVPS Y11, Y1, Y1  // m̂
	VDIVPS Y12, Y2, Y2  // v̂
	VSQRTPS Y2, Y2
	VADDPS Y15, Y2, Y2  // sqrt(v̂)+eps
	VMULPS Y1, Y14, Y1  // lr·m̂
	VDIVPS Y2, Y1, Y1
	VMULPS (DI), Y13, Y3 // w·decay
	VSUBPS Y1, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  aloop

adone:
	VZEROUPPER
	RET

// func packATSlab12(dst *float32, src *float32, lda int, kc int, tiles int)
// func packATSlab6(dst *float32, src *float32, lda int, kc int, tiles int)
// packATransSlab for tiles of 12 (6) rows: for p < kc and t < tiles, the
// 12 (6) floats at src[p·lda + 12t] go to dst[t·kc·12 + 12p]. Rows are read
// left to right, each once, with the row four ahead prefetched.
TEXT ·packATSlab12(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ kc+24(FP), CX
	MOVQ tiles+32(FP), BX
	SHLQ $2, R8          // row stride in bytes
	MOVQ CX, R9
	IMULQ $48, R9        // panel bytes
	MOVQ R8, R12
	SHLQ $2, R12         // prefetch distance: four rows
	TESTQ CX, CX
	JEQ  p12done
	TESTQ BX, BX
	JEQ  p12done

p12row:
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ BX, DX

p12tile:
	PREFETCHT0 (R10)(R12*1)
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), X1
	VMOVUPS Y0, 0(R11)
	VMOVUPS X1, 32(R11)
	ADDQ $48, R10
	ADDQ R9, R11
	DECQ DX
	JNZ  p12tile
	ADDQ R8, SI
	ADDQ $48, DI
	DECQ CX
	JNZ  p12row

p12done:
	VZEROUPPER
	RET

TEXT ·packATSlab6(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ kc+24(FP), CX
	MOVQ tiles+32(FP), BX
	SHLQ $2, R8
	MOVQ CX, R9
	IMULQ $24, R9
	MOVQ R8, R12
	SHLQ $2, R12
	TESTQ CX, CX
	JEQ  p6done
	TESTQ BX, BX
	JEQ  p6done

p6row:
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ BX, DX

p6tile:
	PREFETCHT0 (R10)(R12*1)
	VMOVUPS 0(R10), X0
	MOVQ 16(R10), AX
	VMOVUPS X0, 0(R11)
	MOVQ AX, 16(R11)
	ADDQ $24, R10
	ADDQ R9, R11
	DECQ DX
	JNZ  p6tile
	ADDQ R8, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  p6row

p6done:
	VZEROUPPER
	RET

// func copyRowsAVX2(dst *float32, src *float32, ld int, rows int, w8 int)
// dst[r·8·w8 + j] = src[r·ld + j] for r < rows, j < 8·w8: rows of a
// strided matrix packed contiguously (a B panel), the row eight ahead
// prefetched.
TEXT ·copyRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ rows+24(FP), CX
	MOVQ w8+32(FP), BX
	TESTQ CX, CX
	JEQ  crdone
	TESTQ BX, BX
	JEQ  crdone
	MOVQ R8, R9
	SHLQ $3, R9 // eight rows

crrow:
	PREFETCHT0 (SI)(R9*1)
	MOVQ SI, R10
	MOVQ BX, DX

crblk:
	VMOVUPS (R10), Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, R10
	ADDQ $32, DI
	DECQ DX
	JNZ  crblk
	ADDQ R8, SI
	DECQ CX
	JNZ  crrow

crdone:
	VZEROUPPER
	RET
