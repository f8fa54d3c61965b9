//go:build openblas && cgo

// Optional OpenBLAS backend: needs cgo and Debian's libopenblas-dev, and the
// link flag, which package nn cannot carry itself (a cgo package may not
// hold Go assembly):
//
//	CGO_LDFLAGS=-lopenblas go build -tags openblas ./...
//
// It becomes the default path, "openblas" in
// KernelName; JRX_KERNEL=avx512|avx2|generic still selects the pure-Go
// kernels. Dot and Axpy keep the best native kernels (a cgo call costs more
// than a short vector). Results come from OpenBLAS's own kernels: the
// bit-identity across thread counts that the native driver guarantees is
// not promised here.

package nn

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

var openblasImpl = &gemmImpl{
	name: "openblas",
	whole: func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		tA, tB := blas.NoTrans, blas.NoTrans
		if transA {
			tA = blas.Trans
		}
		if transB {
			tB = blas.Trans
		}
		netlib.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	},
}

var _ = registerOpenBLAS()

func registerOpenBLAS() bool {
	native := append(archImpls(), genericImpl)[0]
	openblasImpl.dot, openblasImpl.axpy, openblasImpl.gemv = native.dot, native.axpy, native.gemv
	extraImpls = append(extraImpls, openblasImpl)
	return true
}

// openblasCoreType names the OpenBLAS kernel family for this CPU, or "" to
// let OpenBLAS detect it.
func openblasCoreType() string {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL:
		return "SKYLAKEX"
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return "HASWELL"
	}
	return ""
}

// OpenBLAS reads OPENBLAS_CORETYPE when the shared library is loaded, before
// any Go code runs; so when the variable is unset (and a core type is known)
// the process re-executes itself once with it set. JRX_OPENBLAS_NOEXEC=1
// turns this off.
func init() {
	if _, set := os.LookupEnv("OPENBLAS_CORETYPE"); set || os.Getenv("JRX_OPENBLAS_NOEXEC") != "" {
		return
	}
	ct := openblasCoreType()
	if ct == "" {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	env := append(os.Environ(), "OPENBLAS_CORETYPE="+ct, "JRX_OPENBLAS_NOEXEC=1")
	err = syscall.Exec(exe, os.Args, env)
	fmt.Fprintf(os.Stderr, "nn: could not re-exec with OPENBLAS_CORETYPE=%s: %v\n", ct, err)
}
