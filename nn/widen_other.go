//go:build !amd64 || purego

package nn

func widenAsm(DType) bool { return false }

func matVec16Arch(y, x []float32, w []uint16, t DType, in, out, c0, c1 int) bool { return false }

func dot16Arch(x []float32, w []uint16, t DType) (float32, bool) { return 0, false }

func f32ColsArch(y, x, W []float32, in, out, c0, c1 int) bool { return false }

func pairSplitCols(DType, int) int { return 0 }

// Without the assembly nothing is pair-split (pairSplitCols is 0), so
// these are only ever asked for nothing.
func gemvPairSplit(part, x []float32, w []uint16, rows, ldw, n int) {
	if rows > 0 && n > 0 {
		panic("nn: no pair-split kernel on this platform")
	}
}

func addPairSplit(y, p []float32, n int) {
	if n > 0 {
		panic("nn: no pair-split kernel on this platform")
	}
}
