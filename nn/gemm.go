package nn

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major float32
// matrices. op(A) is m×k and op(B) is k×n; C is m×n with row stride ldc.
// If transA is false A is stored m×k with row stride lda, otherwise k×m.
// If transB is false B is stored k×n with row stride ldb, otherwise n×k.
// beta == 0 overwrites C (NaNs in C are not propagated).
//
// PLACEHOLDER: this calls the naive reference kernel; the fast,
// runtime-dispatched, parallel kernel replaces the body.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	SgemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmRef is the naive reference kernel for Sgemm (same contract),
// accumulating each dot product in float32 in index order.
func SgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
