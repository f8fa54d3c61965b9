//go:build amd64 && !purego

#include "textflag.h"

// func expSubAVX2(x *float32, n int, mx float32, c *float32)
// x[j] = lyExp(x[j] − mx) for j < n (n a multiple of 8), eight at a time
// with lyExp's operations in its order, each rounded as Go rounds it (no
// fused multiply-add), so the results are its bits. c holds lyExp's
// constants (expConsts).
TEXT ·expSubAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ c+24(FP), SI
	VBROADCASTSS mx+16(FP), Y15
	VBROADCASTSS 0(SI), Y14  // log2(e)
	VBROADCASTSS 4(SI), Y13  // 0.5
	VBROADCASTSS 8(SI), Y12  // C1 = 0.693359375
	VBROADCASTSS 12(SI), Y11 // C2 = -2.12194440e-4
	VBROADCASTSS 48(SI), Y10 // 1
	VBROADCASTSS 52(SI), Y9  // 88.72283
	VBROADCASTSS 56(SI), Y8  // -87.33654
	TESTQ CX, CX
	JEQ edone

eloop:
	VMOVUPS (DI), Y0
	VSUBPS Y15, Y0, Y0          // x = s − mx
	VCMPPS $0x1E, Y9, Y0, Y6    // x > 88.72283 (ordered)
	VCMPPS $0x11, Y8, Y0, Y7    // x < −87.33654 (ordered)
	VMULPS Y14, Y0, Y1
	VADDPS Y13, Y1, Y1
	VROUNDPS $1, Y1, Y1         // z = floor(x·log2e + 0.5)
	VMULPS Y12, Y1, Y2
	VSUBPS Y2, Y0, Y0           // x −= z·C1
	VMULPS Y11, Y1, Y2
	VSUBPS Y2, Y0, Y0           // x −= z·C2
	VMULPS Y0, Y0, Y3           // x2
	VBROADCASTSS 16(SI), Y4     // p0
	VMULPS Y0, Y4, Y4
	VBROADCASTSS 20(SI), Y5
	VADDPS Y5, Y4, Y4
	VMULPS Y0, Y4, Y4
	VBROADCASTSS 24(SI), Y5
	VADDPS Y5, Y4, Y4
	VMULPS Y0, Y4, Y4
	VBROADCASTSS 28(SI), Y5
	VADDPS Y5, Y4, Y4
	VMULPS Y0, Y4, Y4
	VBROADCASTSS 32(SI), Y5
	VADDPS Y5, Y4, Y4
	VMULPS Y0, Y4, Y4
	VBROADCASTSS 36(SI), Y5
	VADDPS Y5, Y4, Y4           // y
	VMULPS Y3, Y4, Y4
	VADDPS Y0, Y4, Y4
	VADDPS Y10, Y4, Y4          // y = y·x2 + x + 1
	VCVTTPS2DQ Y1, Y2           // n
	VPBROADCASTD 40(SI), Y5     // 127 (int)
	VPCMPGTD Y5, Y2, Y3         // n > 127: y·2·2^(n−1)
	VPADDD Y3, Y2, Y2           // n − 1 there
	VADDPS Y4, Y4, Y5           // y·2 (exact)
	VBLENDVPS Y3, Y5, Y4, Y4
	VPBROADCASTD 40(SI), Y5
	VPADDD Y5, Y2, Y2
	VPSLLD $23, Y2, Y2          // 2^n
	VMULPS Y2, Y4, Y4
	VBROADCASTSS 44(SI), Y5     // +Inf
	VBLENDVPS Y6, Y5, Y4, Y4
	VXORPS Y5, Y5, Y5
	VBLENDVPS Y7, Y5, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JNE eloop

edone:
	VZEROUPPER
	RET
