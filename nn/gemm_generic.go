package nn

// The portable path: a 2×4 register-blocked microkernel in plain Go (8
// accumulators fit the 15 float registers Go uses on amd64 without
// spilling), used where no SIMD path is available.

var genericImpl = &gemmImpl{
	name:  "generic",
	mr:    2,
	nr:    4,
	tiles: []tileKernel{{rows: 2, cols: 4, n: genericKernN, t: genericKernT}},
	dot:   dotGeneric,
	axpy:  AxpyRef,
}

func genericKernN(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	a0 := a[:kc]
	a1 := a[lda : lda+kc]
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	for p := 0; p < kc; p++ {
		bp := b[p*ldb : p*ldb+4 : p*ldb+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		x, y := a0[p], a1[p]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		c10 += y * b0
		c11 += y * b1
		c12 += y * b2
		c13 += y * b3
	}
	genericStore(c[:4], alpha, beta, c00, c01, c02, c03)
	genericStore(c[ldc:ldc+4], alpha, beta, c10, c11, c12, c13)
}

func genericKernT(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	for p := 0; p < kc; p++ {
		bp := b[p*ldb : p*ldb+4 : p*ldb+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		ap := a[p*lda : p*lda+2 : p*lda+2]
		x, y := ap[0], ap[1]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		c10 += y * b0
		c11 += y * b1
		c12 += y * b2
		c13 += y * b3
	}
	genericStore(c[:4], alpha, beta, c00, c01, c02, c03)
	genericStore(c[ldc:ldc+4], alpha, beta, c10, c11, c12, c13)
}

// genericStore writes row = alpha·acc + beta·row for one tile row, rounding
// the products before the add (explicit conversions prevent FMA fusion),
// like the assembly kernels.
func genericStore(row []float32, alpha, beta float32, s0, s1, s2, s3 float32) {
	row = row[:4:4]
	if beta == 0 {
		row[0] = alpha * s0
		row[1] = alpha * s1
		row[2] = alpha * s2
		row[3] = alpha * s3
		return
	}
	row[0] = float32(alpha*s0) + float32(beta*row[0])
	row[1] = float32(alpha*s1) + float32(beta*row[1])
	row[2] = float32(alpha*s2) + float32(beta*row[2])
	row[3] = float32(alpha*s3) + float32(beta*row[3])
}

func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
