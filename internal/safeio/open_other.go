//go:build !unix

package safeio

import "os"

// openNonblock opens path read-only (systems without FIFOs in the file
// system: the stat before and after the open does the checking).
func openNonblock(path string) (*os.File, error) {
	return os.Open(path)
}
