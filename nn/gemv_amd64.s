//go:build amd64 && !purego

#include "textflag.h"

// Matrix–vector products for the single-position (KV-cache) path:
// y[j] += Σ_p x[p]·w[p·ldw + j] for 0 ≤ j < n, with p in ascending order and
// one fused multiply-add per term, exactly as repeated axpy (y += x[p]·row p)
// computes it, so the result is bit-identical to that loop; but y stays in
// registers across all p instead of being loaded and stored once per row.

// func gemvAVX512(x *float32, w *float32, y *float32, in int, ldw int, n int)
// n must be a multiple of 16.
TEXT ·gemvAVX512(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DX
	MOVQ y+16(FP), DI
	MOVQ in+24(FP), R8
	MOVQ ldw+32(FP), R9
	SHLQ $2, R9
	MOVQ n+40(FP), CX

gemv512block128:
	CMPQ CX, $128
	JLT gemv512block16
	VMOVUPS 0(DI), Z0
	VMOVUPS 64(DI), Z1
	VMOVUPS 128(DI), Z2
	VMOVUPS 192(DI), Z3
	VMOVUPS 256(DI), Z4
	VMOVUPS 320(DI), Z5
	VMOVUPS 384(DI), Z6
	VMOVUPS 448(DI), Z7
	MOVQ SI, R10
	MOVQ DX, R11
	MOVQ R8, R12
	TESTQ R12, R12
	JEQ gemv512store128

gemv512loop128:
	VBROADCASTSS (R10), Z8
	VFMADD231PS 0(R11), Z8, Z0
	VFMADD231PS 64(R11), Z8, Z1
	VFMADD231PS 128(R11), Z8, Z2
	VFMADD231PS 192(R11), Z8, Z3
	VFMADD231PS 256(R11), Z8, Z4
	VFMADD231PS 320(R11), Z8, Z5
	VFMADD231PS 384(R11), Z8, Z6
	VFMADD231PS 448(R11), Z8, Z7
	ADDQ $4, R10
	ADDQ R9, R11
	DECQ R12
	JNE gemv512loop128

gemv512store128:
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	VMOVUPS Z4, 256(DI)
	VMOVUPS Z5, 320(DI)
	VMOVUPS Z6, 384(DI)
	VMOVUPS Z7, 448(DI)
	ADDQ $512, DI
	ADDQ $512, DX
	SUBQ $128, CX
	JMP gemv512block128

gemv512block16:
	CMPQ CX, $16
	JLT gemv512done
	VMOVUPS (DI), Z0
	MOVQ SI, R10
	MOVQ DX, R11
	MOVQ R8, R12
	TESTQ R12, R12
	JEQ gemv512store16

gemv512loop16:
	VBROADCASTSS (R10), Z8
	VFMADD231PS (R11), Z8, Z0
	ADDQ $4, R10
	ADDQ R9, R11
	DECQ R12
	JNE gemv512loop16

gemv512store16:
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP gemv512block16

gemv512done:
	VZEROUPPER
	RET

// func gemvAVX2(x *float32, w *float32, y *float32, in int, ldw int, n int)
// n must be a multiple of 8.
TEXT ·gemvAVX2(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DX
	MOVQ y+16(FP), DI
	MOVQ in+24(FP), R8
	MOVQ ldw+32(FP), R9
	SHLQ $2, R9
	MOVQ n+40(FP), CX

gemv2block64:
	CMPQ CX, $64
	JLT gemv2block8
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	MOVQ SI, R10
	MOVQ DX, R11
	MOVQ R8, R12
	TESTQ R12, R12
	JEQ gemv2store64

gemv2loop64:
	VBROADCASTSS (R10), Y8
	VFMADD231PS 0(R11), Y8, Y0
	VFMADD231PS 32(R11), Y8, Y1
	VFMADD231PS 64(R11), Y8, Y2
	VFMADD231PS 96(R11), Y8, Y3
	VFMADD231PS 128(R11), Y8, Y4
	VFMADD231PS 160(R11), Y8, Y5
	VFMADD231PS 192(R11), Y8, Y6
	VFMADD231PS 224(R11), Y8, Y7
	ADDQ $4, R10
	ADDQ R9, R11
	DECQ R12
	JNE gemv2loop64

gemv2store64:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	ADDQ $256, DI
	ADDQ $256, DX
	SUBQ $64, CX
	JMP gemv2block64

gemv2block8:
	CMPQ CX, $8
	JLT gemv2done
	VMOVUPS (DI), Y0
	MOVQ SI, R10
	MOVQ DX, R11
	MOVQ R8, R12
	TESTQ R12, R12
	JEQ gemv2store8

gemv2loop8:
	VBROADCASTSS (R10), Y8
	VFMADD231PS (R11), Y8, Y0
	ADDQ $4, R10
	ADDQ R9, R11
	DECQ R12
	JNE gemv2loop8

gemv2store8:
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP gemv2block8

gemv2done:
	VZEROUPPER
	RET
