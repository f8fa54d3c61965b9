package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"jrx/engine"
)

// Hostile model files are refused by the real binary with exit 1 and a
// message, and the process's peak memory stays small: nothing is read or
// allocated from a size a file merely declares (issue 10). The child's
// peak RSS (getrusage's ru_maxrss) is the measure, against a control child
// (jrx version): Linux carries the parent's high-water mark into a child
// across fork and exec, so the test process's own size is in both.
func TestHostileFilesStayWithinMemory(t *testing.T) {
	src := tinyDir(t)
	// A header that declares a 47M-element tensor (188 MB) in a small file.
	huge := func() []byte {
		h := map[string]any{
			"__metadata__": map[string]string{"config": "{}"},
			"embed":        map[string]any{"dtype": "F32", "shape": []int{47_000_000}, "data_offsets": []int{0, 188_000_000}},
		}
		js, _ := json.Marshal(h)
		b := make([]byte, 8, 8+len(js)+1024)
		binary.LittleEndian.PutUint64(b, uint64(len(js)))
		return append(append(b, js...), make([]byte, 1024)...)
	}()
	cases := []struct {
		name  string
		setup func(dir string) error
		want  string
	}{
		{"link to /dev/zero", func(dir string) error {
			p := filepath.Join(dir, engine.FileReasoner)
			os.Remove(p)
			return os.Symlink("/dev/zero", p)
		}, "character device"},
		{"1.5 GB sparse file", func(dir string) error {
			return os.Truncate(filepath.Join(dir, engine.FileMono), 1500<<20)
		}, "mono.safetensors"},
		{"a shape larger than the file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, engine.FileDual), huge, 0o644)
		}, "dual.safetensors"},
	}
	control := jrxProcess("version")
	if err := control.Run(); err != nil {
		t.Fatal(err)
	}
	base := control.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copySet(t, src, "set", "", nil)
			if err := c.setup(dir); err != nil {
				t.Fatal(err)
			}
			cmd := jrxProcess("info", "--model", dir)
			out, err := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 1 || err == nil {
				t.Fatalf("exit %d (want 1): %s", code, out)
			}
			if !strings.Contains(string(out), c.want) {
				t.Errorf("message %q does not name %q", out, c.want)
			}
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if rss := ru.Maxrss << 10; rss > base+100<<20 {
				t.Errorf("peak RSS %d MB while refusing the file, %d MB for jrx version (want < +100 MB)", rss>>20, base>>20)
			} else {
				t.Logf("peak RSS %.1f MB (jrx version: %.1f MB)", float64(rss)/(1<<20), float64(base)/(1<<20))
			}
		})
	}
}
