//go:build !amd64 || purego

package nn

func rmsDgArch(dg, dy, x, rstd []float32, n, ld int) int    { return 0 }
func scaleRowArch(y, x, g []float32, r float32) int         { return 0 }
func rmsDxRowArch(dx, dy, x, g []float32, r, c float32) int { return 0 }
func ropeArch(a, b, cs, sn []float32, inverse bool) int     { return 0 }
func mulArch(dst, src []float32) int                        { return 0 }
func rowMaxArch(x []float32) (float32, int)                 { return 0, 0 }
func scalArch(x []float32, s float32) int                   { return 0 }
func dsRowArch(ds, p []float32, dot, scale float32) int     { return 0 }
func adamwArch(w, g, m, v []float32, k *[10]float32) int    { return 0 }
func copyRowsArch(dst, src []float32, ld, rows, w int) bool { return false }

const hasRowAVX2 = false

func packATransSlabArch(dst, a []float32, lda, i0, pc, kc, mr, tiles int) bool { return false }
