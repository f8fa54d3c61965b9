//go:build amd64 && !purego

#include "textflag.h"

// GELU (tanh form) and its derivative, 16 (AVX-512) or 8 (AVX2+FMA) values
// at a time. With u = sqrt(2/π)·(x + 0.044715x³) and h = (1 + tanh(u))/2 =
// 1/(1 + e), e = exp(−2u) (tanh(u) = 1 − 2/(exp(2u) + 1)):
//
//	GELU(x)  = x·h
//	GELU'(x) = h + 2·sqrt(2/π)·x·(1 + 3·0.044715x²)·h·(1 − h),  1 − h = e·h
//
// x is clamped to [−9, 9] for u (|2u| ≤ 66.4: exp stays finite and normal,
// h is exactly 1 above 9, and below −9 GELU and GELU' are below 3e-27 in
// magnitude), and to −9 from below for the product x·h, so +Inf gives
// GELU = +Inf, GELU' = 1 and −Inf gives GELU(−9) ≈ −1.3e-28, GELU'(−9) ≈
// −2.5e-27 instead of NaN. The clamps are MAXPS/MINPS with x as the second
// source, so a NaN x stays NaN.
//
// exp(z) = 2^k·exp(r), k = round(z·log2 e) by the 1.5·2^23 shifter (its low
// bits, shifted into the exponent field, are 2^k), r = z − k·ln 2 in two
// parts (Cody–Waite), exp(r) = 1 + r + r²·P(r) with Cephes' expf
// polynomial. 1/(1 + e) is a true division (VDIVPS), not an approximate
// reciprocal, and both paths do the same operations: the results depend
// only on the inputs, bit for bit the same on AVX2 and AVX-512 CPUs.

// geluK<> holds the constants, each repeated 8 times (32 bytes) so the
// AVX2 code can use them as memory operands; AVX-512 broadcasts them.
#define C8(off, v) DATA geluK<>+(off)(SB)/4, v; DATA geluK<>+(off+4)(SB)/4, v; DATA geluK<>+(off+8)(SB)/4, v; DATA geluK<>+(off+12)(SB)/4, v; DATA geluK<>+(off+16)(SB)/4, v; DATA geluK<>+(off+20)(SB)/4, v; DATA geluK<>+(off+24)(SB)/4, v; DATA geluK<>+(off+28)(SB)/4, v

C8(0, $0xc1100000)   // −9: lower clamp
C8(32, $0x41100000)  // 9: upper clamp
C8(64, $0xbd922279)  // −2·sqrt(2/π)·0.044715
C8(96, $0xbfcc422a)  // −2·sqrt(2/π)
C8(128, $0x3fb8aa3b) // log2 e
C8(160, $0x4b40007f) // 1.5·2^23 + 127 (round-to-integer shifter with the exponent bias)
C8(192, $0xbf318000) // −ln 2 (high part, 0.693359375)
C8(224, $0x395e8083) // −ln 2 (low part, −2.12194440e-4)
C8(256, $0x39506967) // P5 1.9875691500e-4
C8(288, $0x3ab743ce) // P4 1.3981999507e-3
C8(320, $0x3c088908) // P3 8.3334519073e-3
C8(352, $0x3d2aa9c1) // P2 4.1665795894e-2
C8(384, $0x3e2aaaaa) // P1 1.6666665459e-1
C8(416, $0x3f000000) // P0 5.0000001201e-1
C8(448, $0x3f800000) // 1
C8(480, $0x3e5b33b6) // 2·sqrt(2/π)·3·0.044715
C8(512, $0x3fcc422a) // 2·sqrt(2/π)
GLOBL geluK<>(SB), RODATA|NOPTR, $544

// ---- AVX-512 ----

// Constants in Z15..Z31.
#define LOADK512 \
	VBROADCASTSS geluK<>+0(SB), Z16; \
	VBROADCASTSS geluK<>+32(SB), Z17; \
	VBROADCASTSS geluK<>+64(SB), Z18; \
	VBROADCASTSS geluK<>+96(SB), Z19; \
	VBROADCASTSS geluK<>+128(SB), Z20; \
	VBROADCASTSS geluK<>+160(SB), Z21; \
	VBROADCASTSS geluK<>+192(SB), Z22; \
	VBROADCASTSS geluK<>+224(SB), Z23; \
	VBROADCASTSS geluK<>+256(SB), Z24; \
	VBROADCASTSS geluK<>+288(SB), Z25; \
	VBROADCASTSS geluK<>+320(SB), Z26; \
	VBROADCASTSS geluK<>+352(SB), Z27; \
	VBROADCASTSS geluK<>+384(SB), Z28; \
	VBROADCASTSS geluK<>+416(SB), Z29; \
	VBROADCASTSS geluK<>+448(SB), Z30; \
	VBROADCASTSS geluK<>+480(SB), Z31; \
	VBROADCASTSS geluK<>+512(SB), Z15

// GELU512: x in Z0 → Z1 = max(x, −9), Z2 = clamp(x, −9, 9), Z3 = Z2², Z6 = e,
// Z7 = h, Z8 = GELU(x). Clobbers Z4, Z5. Steps: z = −2u = Z2·(K0 + K1·Z3)
// (Z4); t = z·log2 e + shifter (Z5); k = t − shifter (Z6); r = z − k·ln 2
// (Z4); 2^k = t << 23 (Z5); P(r) by Horner (Z6); e = (1 + r + r²·P)·2^k;
// h = 1/(1 + e); GELU = Z1·h.
#define GELU512 \
	VMAXPS      Z0, Z16, Z1; \
	VMINPS      Z1, Z17, Z2; \
	VMULPS      Z2, Z2, Z3; \
	VMOVAPS     Z18, Z4; \
	VFMADD213PS Z19, Z3, Z4; \
	VMULPS      Z2, Z4, Z4; \
	VMOVAPS     Z20, Z5; \
	VFMADD213PS Z21, Z4, Z5; \
	VSUBPS      Z21, Z5, Z6; \
	VFMADD231PS Z22, Z6, Z4; \
	VFMADD231PS Z23, Z6, Z4; \
	VPSLLD      $23, Z5, Z5; \
	VMOVAPS     Z24, Z6; \
	VFMADD213PS Z25, Z4, Z6; \
	VFMADD213PS Z26, Z4, Z6; \
	VFMADD213PS Z27, Z4, Z6; \
	VFMADD213PS Z28, Z4, Z6; \
	VFMADD213PS Z29, Z4, Z6; \
	VMULPS      Z4, Z4, Z7; \
	VFMADD213PS Z4, Z7, Z6; \
	VADDPS      Z30, Z6, Z6; \
	VMULPS      Z5, Z6, Z6; \
	VADDPS      Z30, Z6, Z7; \
	VDIVPS      Z7, Z30, Z7; \
	VMULPS      Z7, Z1, Z8

// DGELU512: after GELU512, Z9 = GELU'(x) = h + (D0 + D1·Z3)·Z2·(e·h)·h.
// Clobbers Z6.
#define DGELU512 \
	VMULPS      Z7, Z6, Z6; \
	VMOVAPS     Z31, Z9; \
	VFMADD213PS Z15, Z3, Z9; \
	VMULPS      Z2, Z9, Z9; \
	VMULPS      Z6, Z9, Z9; \
	VFMADD213PS Z7, Z7, Z9

// func geluFwdAVX512(y *float32, u *float32, n int)
// y = GELU(u); n must be a positive multiple of 16.
TEXT ·geluFwdAVX512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ n+16(FP), CX
	LOADK512
loop:
	VMOVUPS (SI), Z0
	GELU512
	VMOVUPS Z8, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JGT     loop
	VZEROUPPER
	RET

// func geluFwdDAVX512(y *float32, yd *float32, u *float32, n int)
// y = GELU(u), yd = GELU'(u); yd may be u. n must be a positive multiple of 16.
TEXT ·geluFwdDAVX512(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ yd+8(FP), DX
	MOVQ u+16(FP), SI
	MOVQ n+24(FP), CX
	LOADK512
loop:
	VMOVUPS (SI), Z0
	GELU512
	DGELU512
	VMOVUPS Z8, (DI)
	VMOVUPS Z9, (DX)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, DX
	SUBQ    $16, CX
	JGT     loop
	VZEROUPPER
	RET

// func geluBwdAVX512(dx *float32, dy *float32, x *float32, n int)
// dx += dy·GELU'(x) (fused multiply-add); n must be a positive multiple of 16.
TEXT ·geluBwdAVX512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	LOADK512
loop:
	VMOVUPS     (SI), Z0
	GELU512
	DGELU512
	VMOVUPS     (DI), Z10
	VFMADD231PS (DX), Z9, Z10
	VMOVUPS     Z10, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	ADDQ        $64, DX
	SUBQ        $16, CX
	JGT         loop
	VZEROUPPER
	RET

// ---- AVX2 + FMA ----

// Y10 = −9, Y11 = 9, Y12 = 1; the other constants are memory operands.
#define LOADK256 \
	VMOVUPS geluK<>+0(SB), Y10; \
	VMOVUPS geluK<>+32(SB), Y11; \
	VMOVUPS geluK<>+448(SB), Y12

// GELU256: as GELU512 on Y registers.
#define GELU256 \
	VMAXPS      Y0, Y10, Y1; \
	VMINPS      Y1, Y11, Y2; \
	VMULPS      Y2, Y2, Y3; \
	VMOVUPS     geluK<>+64(SB), Y4; \
	VFMADD213PS geluK<>+96(SB), Y3, Y4; \
	VMULPS      Y2, Y4, Y4; \
	VMOVUPS     geluK<>+128(SB), Y5; \
	VFMADD213PS geluK<>+160(SB), Y4, Y5; \
	VSUBPS      geluK<>+160(SB), Y5, Y6; \
	VFMADD231PS geluK<>+192(SB), Y6, Y4; \
	VFMADD231PS geluK<>+224(SB), Y6, Y4; \
	VPSLLD      $23, Y5, Y5; \
	VMOVUPS     geluK<>+256(SB), Y6; \
	VFMADD213PS geluK<>+288(SB), Y4, Y6; \
	VFMADD213PS geluK<>+320(SB), Y4, Y6; \
	VFMADD213PS geluK<>+352(SB), Y4, Y6; \
	VFMADD213PS geluK<>+384(SB), Y4, Y6; \
	VFMADD213PS geluK<>+416(SB), Y4, Y6; \
	VMULPS      Y4, Y4, Y7; \
	VFMADD213PS Y4, Y7, Y6; \
	VADDPS      Y12, Y6, Y6; \
	VMULPS      Y5, Y6, Y6; \
	VADDPS      Y12, Y6, Y7; \
	VDIVPS      Y7, Y12, Y7; \
	VMULPS      Y7, Y1, Y8

// DGELU256: as DGELU512.
#define DGELU256 \
	VMULPS      Y7, Y6, Y6; \
	VMOVUPS     geluK<>+480(SB), Y9; \
	VFMADD213PS geluK<>+512(SB), Y3, Y9; \
	VMULPS      Y2, Y9, Y9; \
	VMULPS      Y6, Y9, Y9; \
	VFMADD213PS Y7, Y7, Y9

// func geluFwdAVX2(y *float32, u *float32, n int)
// n must be a positive multiple of 8.
TEXT ·geluFwdAVX2(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ n+16(FP), CX
	LOADK256
loop:
	VMOVUPS (SI), Y0
	GELU256
	VMOVUPS Y8, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JGT     loop
	VZEROUPPER
	RET

// func geluFwdDAVX2(y *float32, yd *float32, u *float32, n int)
// n must be a positive multiple of 8.
TEXT ·geluFwdDAVX2(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ yd+8(FP), DX
	MOVQ u+16(FP), SI
	MOVQ n+24(FP), CX
	LOADK256
loop:
	VMOVUPS (SI), Y0
	GELU256
	DGELU256
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DX)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JGT     loop
	VZEROUPPER
	RET

// func geluBwdAVX2(dx *float32, dy *float32, x *float32, n int)
// n must be a positive multiple of 8.
TEXT ·geluBwdAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	LOADK256
loop:
	VMOVUPS     (SI), Y0
	GELU256
	DGELU256
	VMOVUPS     (DI), Y13
	VFMADD231PS (DX), Y9, Y13
	VMOVUPS     Y13, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, DX
	SUBQ        $8, CX
	JGT         loop
	VZEROUPPER
	RET
