//go:build amd64 && !purego

#include "textflag.h"

// Attention kernels for one query over a KV cache (see attn.go). They give
// the bits of the loops they replace: each score is dotAVX2's sum (four
// accumulators over 32 values a step, then eight at a time into the first,
// the same reduction), each output value the same fused multiply-adds in
// position order as axpy. What they add is fewer calls and prefetching: a
// head's piece of the cache row two positions ahead is prefetched while
// this one is read, since consecutive positions' pieces are a row apart.

// func attnScoresAVX2(q *float32, k *float32, att *float32, n int, heads int, dhb int, rowb int, cpb int, scale float32)
// att[h·cp + j] = (Σ_i q[h·dh + i]·k[j·A + h·dh + i])·scale for j < n,
// h < heads; dhb = dh·4 (a multiple of 32), rowb = A·4, cpb = cp·4.
TEXT ·attnScoresAVX2(SB), NOSPLIT, $0-68
	MOVQ q+0(FP), SI
	MOVQ k+8(FP), DI
	MOVQ att+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ dhb+40(FP), R10
	MOVQ rowb+48(FP), R11
	MOVQ R10, R12
	ANDQ $-128, R12
	VMOVSS scale+64(FP), X8
	TESTQ CX, CX
	JEQ sdone

spos:
	MOVQ SI, R9
	MOVQ DI, R13
	MOVQ R8, DX
	MOVQ heads+32(FP), BX

shead:
	LEAQ (R13)(R11*2), R14
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX

sloop4:
	CMPQ AX, R12
	JGE stail
	PREFETCHT0 0(R14)(AX*1)
	PREFETCHT0 64(R14)(AX*1)
	VMOVUPS 0(R9)(AX*1), Y4
	VFMADD231PS 0(R13)(AX*1), Y4, Y0
	VMOVUPS 32(R9)(AX*1), Y5
	VFMADD231PS 32(R13)(AX*1), Y5, Y1
	VMOVUPS 64(R9)(AX*1), Y6
	VFMADD231PS 64(R13)(AX*1), Y6, Y2
	VMOVUPS 96(R9)(AX*1), Y7
	VFMADD231PS 96(R13)(AX*1), Y7, Y3
	ADDQ $128, AX
	JMP sloop4

stail:
	CMPQ AX, R10
	JGE sreduce
	PREFETCHT0 0(R14)(AX*1)
	VMOVUPS 0(R9)(AX*1), Y4
	VFMADD231PS 0(R13)(AX*1), Y4, Y0
	ADDQ $32, AX
	JMP stail

sreduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMULSS X8, X0, X0
	VMOVSS X0, (DX)
	ADDQ R10, R9
	ADDQ R10, R13
	ADDQ cpb+56(FP), DX
	DECQ BX
	JNE shead

	ADDQ R11, DI
	ADDQ $4, R8
	DECQ CX
	JNE spos

sdone:
	VZEROUPPER
	RET

// func attnValuesAVX2(att *float32, cpb int, v *float32, o *float32, n int, heads int, dhb int, rowb int)
// o[h·dh + i] += att[h·cp + j]·v[j·A + h·dh + i] for j = 0, 1, … n−1 in
// turn (one FMA each, axpy's bits), h < heads; dhb = dh·4 (a multiple of
// 32), rowb = A·4, cpb = cp·4.
TEXT ·attnValuesAVX2(SB), NOSPLIT, $0-64
	MOVQ att+0(FP), R8
	MOVQ v+16(FP), DI
	MOVQ o+24(FP), SI
	MOVQ n+32(FP), CX
	MOVQ dhb+48(FP), R10
	MOVQ rowb+56(FP), R11
	MOVQ R10, R12
	ANDQ $-128, R12
	TESTQ CX, CX
	JEQ vdone

vpos:
	MOVQ SI, R9
	MOVQ DI, R13
	MOVQ R8, DX
	MOVQ heads+40(FP), BX

vhead:
	LEAQ (R13)(R11*2), R14
	VBROADCASTSS (DX), Y0
	XORQ AX, AX

vloop4:
	CMPQ AX, R12
	JGE vtail
	PREFETCHT0 0(R14)(AX*1)
	PREFETCHT0 64(R14)(AX*1)
	VMOVUPS 0(R9)(AX*1), Y1
	VFMADD231PS 0(R13)(AX*1), Y0, Y1
	VMOVUPS Y1, 0(R9)(AX*1)
	VMOVUPS 32(R9)(AX*1), Y2
	VFMADD231PS 32(R13)(AX*1), Y0, Y2
	VMOVUPS Y2, 32(R9)(AX*1)
	VMOVUPS 64(R9)(AX*1), Y3
	VFMADD231PS 64(R13)(AX*1), Y0, Y3
	VMOVUPS Y3, 64(R9)(AX*1)
	VMOVUPS 96(R9)(AX*1), Y4
	VFMADD231PS 96(R13)(AX*1), Y0, Y4
	VMOVUPS Y4, 96(R9)(AX*1)
	ADDQ $128, AX
	JMP vloop4

vtail:
	CMPQ AX, R10
	JGE vnext
	PREFETCHT0 0(R14)(AX*1)
	VMOVUPS 0(R9)(AX*1), Y1
	VFMADD231PS 0(R13)(AX*1), Y0, Y1
	VMOVUPS Y1, 0(R9)(AX*1)
	ADDQ $32, AX
	JMP vtail

vnext:
	ADDQ R10, R9
	ADDQ R10, R13
	ADDQ cpb+8(FP), DX
	DECQ BX
	JNE vhead

	ADDQ R11, DI
	ADDQ $4, R8
	DECQ CX
	JNE vpos

vdone:
	VZEROUPPER
	RET
