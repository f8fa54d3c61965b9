package engine

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"jrx/baseline"
	"jrx/internal/safeio"
	"jrx/latent"
	"jrx/nn"
	"jrx/talker"
	"jrx/tasks/tree"
)

// hostileConfigs are the configs of a small, consistent, untrained set for
// depth-2 trees (a 13-token problem, a 3-step route), which the cases below
// spoil one field at a time.
type hostileConfigs struct {
	r, b  latent.Config
	m, d  talker.Config
	depth int
}

func smallConfigs() hostileConfigs {
	r := latent.DefaultConfig(tree.VocabSize)
	r.D, r.A, r.Heads, r.F, r.Layers, r.Context = 8, 8, 2, 16, 1, 13
	b := r
	b.Stage = "baseline"
	t := talker.Config{Vocab: tree.VocabSize, D: 8, A: 8, Heads: 2, F: 16, Layers: 1, EncLayers: 1, DecLayers: 1,
		Context: 3, RopeBase: 10000, BOS: tree.IDBOS}
	m, d := t, t
	m.Format, d.Format = talker.FormatMono, talker.FormatDual
	return hostileConfigs{r: r, b: b, m: m, d: d, depth: 2}
}

// write saves the set into a new directory. Configs are saved as they are
// (an invalid one is written into the metadata of a valid small model).
func (c hostileConfigs) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	extra := map[string]string{"recipe": `{"task":"tree","depth":` + itoa(c.depth) + `}`}
	// Build each model from a valid config of the same shapes as far as
	// possible, then put the (possibly hostile) config in its metadata.
	small := smallConfigs()
	save := func(name string, src nn.TensorSource, cfgJSON string) {
		meta := map[string]string{"config": cfgJSON}
		for k, v := range extra {
			meta[k] = v
		}
		if err := nn.WriteSafetensors(filepath.Join(dir, name), src, meta); err != nil {
			t.Fatal(err)
		}
	}
	shapeOK := func(cfg latent.Config) latent.Config {
		if cfg.Validate() != nil || cfg.NumParams() > 1<<20 {
			return small.r
		}
		return cfg
	}
	r, err := latent.New(shapeOK(c.r), true, false)
	if err != nil {
		t.Fatal(err)
	}
	r.Init(1)
	save(FileReasoner, reasonerSource{r}, c.r.JSON())
	bn, err := latent.New(shapeOK(c.b), false, false)
	if err != nil {
		t.Fatal(err)
	}
	bn.Init(2)
	save(FileBaseline, baseline.New(bn).Net.P, c.b.JSON())
	tk := func(cfg, fallback talker.Config) talker.Config {
		if cfg.Validate() != nil || cfg.NumParams() > 1<<20 {
			return fallback
		}
		return cfg
	}
	m, err := talker.NewMono(tk(c.m, small.m))
	if err != nil {
		t.Fatal(err)
	}
	m.Init(3)
	save(FileMono, m.P, jsonOf(c.m))
	d, err := talker.NewDual(tk(c.d, small.d))
	if err != nil {
		t.Fatal(err)
	}
	d.Init(4)
	save(FileDual, d.P, jsonOf(c.d))
	return dir
}

// reasonerSource presents a Reasoner's tensors with its target table.
type reasonerSource struct{ r *latent.Reasoner }

func (s reasonerSource) Names() []string { return append(s.r.P.Names(), latent.NameTarget) }
func (s reasonerSource) Shape(n string) []int {
	if n == latent.NameTarget {
		return []int{s.r.Cfg.Vocab, s.r.Cfg.D}
	}
	return s.r.P.Shape(n)
}
func (s reasonerSource) W(n string) []float32 {
	if n == latent.NameTarget {
		return s.r.Target
	}
	return s.r.P.W(n)
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestLoadSmallSet: the untrained small set loads; the checks below fail
// only for what each case spoils.
func TestLoadSmallSet(t *testing.T) {
	set, err := LoadDir(smallConfigs().write(t))
	if err != nil {
		t.Fatal(err)
	}
	if set.Depth() != 2 {
		t.Errorf("depth %d", set.Depth())
	}
}

func TestLoadRefusesHostileConfigs(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(c *hostileConfigs)
		want  []string
	}{
		{"vocab 20 everywhere", func(c *hostileConfigs) {
			c.r.Vocab, c.b.Vocab, c.m.Vocab, c.d.Vocab = 20, 20, 20, 20
			c.d.BOS = 19
		}, []string{FileReasoner, "vocabulary of 20 tokens", "tree task has 33"}},
		{"vocab 2^20", func(c *hostileConfigs) { c.r.Vocab = 1 << 20 }, []string{FileReasoner, "vocabulary of 1048576"}},
		{"mono vocab", func(c *hostileConfigs) { c.m.Vocab = 34 }, []string{FileMono, "vocabulary of 34"}},
		{"reasoner context 12", func(c *hostileConfigs) { c.r.Context = 12 }, []string{FileReasoner, "context of 12 positions", "needs 13"}},
		{"reasoner context 2", func(c *hostileConfigs) { c.r.Context = 2 }, []string{FileReasoner, "context of 2 positions", "needs 13"}},
		{"baseline context 12", func(c *hostileConfigs) { c.b.Context = 12 }, []string{FileBaseline, "context of 12 positions"}},
		{"dual context 2", func(c *hostileConfigs) { c.d.Context = 2 }, []string{FileDual, "context of 2 latents", "takes 3 steps"}},
		{"mono context 1", func(c *hostileConfigs) { c.m.Context = 1 }, []string{FileMono, "context of 1 latents"}},
		{"recipe depth 5", func(c *hostileConfigs) { c.depth = 5 }, []string{"depth 5", "want 2..4 levels"}},
		{"talker width", func(c *hostileConfigs) { c.d.D, c.d.A = 16, 16 }, []string{FileDual, "width 16", "8 wide"}},
		{"negative rope base", func(c *hostileConfigs) { c.r.RopeBase = -10000 }, []string{FileReasoner, "rope_base -10000"}},
		{"talker rope base", func(c *hostileConfigs) { c.m.RopeBase = -1 }, []string{FileMono, "rope_base -1"}},
		{"heads do not divide", func(c *hostileConfigs) { c.r.Heads = 3 }, []string{FileReasoner, "not a multiple of heads 3"}},
		{"odd head width", func(c *hostileConfigs) { c.r.Heads = 8 }, []string{FileReasoner, "even"}},
		{"d 4096 x 64 layers", func(c *hostileConfigs) {
			c.r.D, c.r.A, c.r.F, c.r.Layers, c.r.Heads = 4096, 4096, 16384, 64, 32
		}, []string{FileMono, "width 8"}}, // the Talkers read 8 wide: refused before any estimate
		{"d 4096 x 64 layers everywhere", func(c *hostileConfigs) {
			for _, r := range []*latent.Config{&c.r, &c.b} {
				r.D, r.A, r.F, r.Layers, r.Heads = 4096, 4096, 16384, 64, 32
			}
			for _, m := range []*talker.Config{&c.m, &c.d} {
				m.D, m.A, m.F, m.Heads = 4096, 4096, 16384, 32
			}
		}, []string{"need about", "GB of memory", "most of it for"}},
		// The shipped shape of attention (4 heads, 6 layers) at context
		// 16384: its batched prefill alone holds 4·16384² scores a layer.
		{"context 16384", func(c *hostileConfigs) { c.r.Context, c.r.Heads, c.r.Layers = 16384, 4, 6 }, []string{"need about", "GB of memory", FileReasoner}},
		{"context 65536", func(c *hostileConfigs) { c.r.Context, c.b.Context = 65536, 65536 }, []string{"need about", "GB of memory"}},
		{"context 65537", func(c *hostileConfigs) { c.r.Context = 65537 }, []string{FileReasoner, "sizes out of range"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := smallConfigs()
			tc.spoil(&c)
			dir := c.write(t)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := LoadDir(dir)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("loaded")
			}
			t.Log(strings.ReplaceAll(err.Error(), dir, "DIR"))
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the set %s", err, dir)
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > 32<<20 {
				t.Errorf("allocated %d bytes before refusing", a)
			}
		})
	}
}

func TestLoadRefusesHostileFiles(t *testing.T) {
	good := smallConfigs().write(t)
	copySet := func(t *testing.T) string {
		dir := t.TempDir()
		for _, f := range []string{FileReasoner, FileBaseline, FileMono, FileDual} {
			b, err := os.ReadFile(filepath.Join(good, f))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		return dir
	}
	t.Run("non-finite weight", func(t *testing.T) {
		dir := copySet(t)
		p := filepath.Join(dir, FileMono)
		f, err := nn.ReadSafetensorsFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f.Tensors["head"].Data[5] = float32(math.NaN())
		// Write the file by hand: the writer refuses NaN.
		b := encodeUnchecked(t, f)
		os.WriteFile(p, b, 0o644)
		_, err = LoadDir(dir)
		if err == nil || !strings.Contains(err.Error(), FileMono) || !strings.Contains(err.Error(), `tensor "head"`) || !strings.Contains(err.Error(), "NaN") {
			t.Errorf("NaN weight: %v", err)
		}
	})
	t.Run("fifo and /dev/zero", func(t *testing.T) {
		dir := copySet(t)
		p := filepath.Join(dir, FileReasoner)
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skip(err)
		}
		done := make(chan error, 1)
		go func() { _, err := LoadDir(dir); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, safeio.ErrNotRegular) || !strings.Contains(err.Error(), p) {
				t.Errorf("FIFO: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a FIFO model file hangs the load")
		}
		os.Remove(p)
		os.Symlink("/dev/zero", p)
		if _, err := LoadDir(dir); !errors.Is(err, safeio.ErrNotRegular) || !strings.Contains(err.Error(), "/dev/zero") {
			t.Errorf("/dev/zero: %v", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		dir := copySet(t)
		os.Remove(filepath.Join(dir, FileMono))
		if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "missing "+FileMono) {
			t.Errorf("missing: %v", err)
		}
	})
	t.Run("without the optional models", func(t *testing.T) {
		// A set of a Reasoner and a Mono-Talker only (a big set trained
		// elsewhere) loads, has those two lanes, and runs a session.
		dir := copySet(t)
		os.Remove(filepath.Join(dir, FileDual))
		os.Remove(filepath.Join(dir, FileBaseline))
		set, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, l := range set.Lanes() {
			names = append(names, l.Name)
		}
		if strings.Join(names, ",") != "reasoner,mono" {
			t.Errorf("lanes %v", names)
		}
		s, err := NewSession(set, NewProblem(set.Task, 3), nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		if got := len(s.Snapshots()[0].Lanes); got != 2 {
			t.Errorf("%d lanes in a snapshot", got)
		}
	})
	t.Run("tensor shape against its config", func(t *testing.T) {
		dir := copySet(t)
		p := filepath.Join(dir, FileBaseline)
		f, _ := nn.ReadSafetensorsFile(p)
		var cfg latent.Config
		json.Unmarshal([]byte(f.Meta["config"]), &cfg)
		cfg.Layers = 2
		f.Meta["config"] = cfg.JSON()
		nn.WriteSafetensors(p, f, f.Meta)
		if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), FileBaseline) || !strings.Contains(err.Error(), `missing tensor "blocks.1.`) {
			t.Errorf("shape: %v", err)
		}
	})
}

// TestLoadMemoryCap: the estimate is compared with the machine's available
// memory (stubbed here) and with MaxSetMemory.
func TestLoadMemoryCap(t *testing.T) {
	dir := smallConfigs().write(t)
	old := memAvailable
	defer func() { memAvailable = old }()
	memAvailable = func() int64 { return 1 << 20 }
	_, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "this machine has 1.0 MB available") {
		t.Errorf("1 MB available: %v", err)
	}
	memAvailable = func() int64 { return 0 } // unknown: the fixed cap alone
	if _, err := LoadDir(dir); err != nil {
		t.Errorf("unknown available memory: %v", err)
	}
	c := smallConfigs()
	cfgs := Configs{Reasoner: c.r, Baseline: c.b, Mono: c.m, Dual: c.d, Task: treeTask(t, 2)}
	cfgs.Reasoner.Context = 65536
	if err := cfgs.checkMemory(0, 0); err == nil || !strings.Contains(err.Error(), "jrx's limit for a model set is 17.2 GB") {
		t.Errorf("fixed cap: %v", err)
	}
	if got := old(); got < 0 {
		t.Errorf("memAvailable = %d", got)
	}
}

// TestEstimateMemoryEmbedded: the shipped set's estimate is of the order
// of what eval tree was measured to use (373 MB peak RSS for --n 1).
func TestEstimateMemoryEmbedded(t *testing.T) {
	s, err := LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	c := Configs{Reasoner: s.Reasoner.Cfg, Baseline: s.Baseline.Net.Cfg, Mono: s.Mono.Cfg, Dual: s.Dual.Cfg, Task: s.Task}
	m := c.EstimateMemory(15e6)
	if m.Total() < 100e6 || m.Total() > 1e9 {
		t.Errorf("estimate %+v (%s)", m, fmtBytes(m.Total()))
	}
	w := 2*4*float64(s.Reasoner.P.NumParams()+s.Baseline.Net.P.NumParams()+s.Mono.P.NumParams()+s.Dual.P.NumParams()) + 4*float64(len(s.Reasoner.Target))
	if m.Weights != w {
		t.Errorf("weights %v, want %v", m.Weights, w)
	}
}

func jsonOf(c talker.Config) string {
	b, _ := json.Marshal(c)
	return string(b)
}

// encodeUnchecked writes f as a safetensors file without the writer's
// checks (to build files with non-finite values).
func encodeUnchecked(t *testing.T, f *nn.SafeFile) []byte {
	t.Helper()
	clean := &nn.SafeFile{Meta: f.Meta, Tensors: map[string]*nn.SafeTensor{}, Order: f.Order}
	var bad []struct {
		name string
		i    int
		bits uint32
	}
	for n, ts := range f.Tensors {
		d := append([]float32(nil), ts.Data...)
		for i, v := range d {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				bad = append(bad, struct {
					name string
					i    int
					bits uint32
				}{n, i, math.Float32bits(v)})
				d[i] = 0
			}
		}
		clean.Tensors[n] = &nn.SafeTensor{Name: n, Shape: ts.Shape, Data: d}
	}
	var buf strings.Builder
	if err := nn.EncodeSafetensors(&buf, clean, clean.Meta); err != nil {
		t.Fatal(err)
	}
	b := []byte(buf.String())
	h, err := nn.ParseSafetensorsHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range bad {
		for _, info := range h.Infos {
			if info.Name == x.name {
				off := h.DataStart + info.Begin + 4*x.i
				b[off], b[off+1], b[off+2], b[off+3] = byte(x.bits), byte(x.bits>>8), byte(x.bits>>16), byte(x.bits>>24)
			}
		}
	}
	return b
}

// treeTask is the tree task of the given depth.
func treeTask(t testing.TB, depth int) *tree.Task {
	t.Helper()
	task, err := tree.NewTask(tree.Config{Depth: depth}, tree.LeafOnly)
	if err != nil {
		t.Fatal(err)
	}
	return task
}
