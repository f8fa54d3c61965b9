//go:build !amd64 || purego

package nn

func widenAsm(DType) bool { return false }

func matVec16Arch(y, x []float32, w []uint16, t DType, in, out, c0, c1 int) bool { return false }

func dot16Arch(x []float32, w []uint16, t DType) (float32, bool) { return 0, false }

func f32ColsArch(y, x, W []float32, in, out, c0, c1 int) bool { return false }
