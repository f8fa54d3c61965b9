package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"jrx/assets"
	"jrx/baseline"
	"jrx/internal/safeio"
	"jrx/latent"
	"jrx/nn"
	"jrx/talker"
	"jrx/tasks"
	_ "jrx/tasks/all" // a model set names its task
)

// MaxSetMemory is the most memory jrx lets a model set need (weights, the
// files while they load, and work buffers: see EstimateMemory), whatever
// the machine has: 16 GiB. A set is also refused when it needs more than
// the machine's available memory (MemAvailable in /proc/meminfo).
const MaxSetMemory = 16 << 30

// estimateBatch is the batch size of the evaluations (probes' evalBatch):
// the estimate counts one such batch of work buffers.
const estimateBatch = 128

// Set is a model set: the Reasoner with its target table and the
// Mono-Talker, and, when the set has them, the Dual-Talker and the coupled
// baseline (nil otherwise: a big set trained elsewhere often has neither),
// with each file's SHA-256 and metadata.
//
// A set whose files hold F16 or BF16 tensors, or whose files add up to
// more than MapThreshold, is opened mapped (LoadDir only): the Reasoner
// and the Mono-Talker view their files in place (latent.OpenMapped,
// talker.OpenMonoMapped), so the set costs its files' bytes, and Close
// releases them. Such a set steps and reads out; it cannot train.
type Set struct {
	Source   string // directory, or "embedded"
	Reasoner *latent.Reasoner
	Baseline *baseline.Model
	Mono     *talker.Mono
	Dual     *talker.Dual
	Hashes   map[string]string            // file name → hex SHA-256
	Meta     map[string]map[string]string // file name → checkpoint metadata
	// Task is the task the set was trained on (from the recipe in its
	// metadata), in its evaluation form.
	Task tasks.Task
	// Coconut is the optional COCONUT model (coconut.safetensors; nil when
	// the set has none): a lane of its own.
	Coconut *baseline.Coconut
	// Mapped reports a set opened mapped (see Set).
	Mapped bool

	maps   []*nn.MappedSafetensors
	tables [2]*tokenTable // target, embed: the read-outs of a mapped set
}

// MapThreshold is the total file size from which LoadDir opens a set
// mapped even when every tensor is F32: 256 MiB.
const MapThreshold = 256 << 20

// Close releases a mapped set's files (a no-op for another set). The set
// must not be used after it.
func (s *Set) Close() error {
	var first error
	for _, m := range s.maps {
		if err := m.Close(); err != nil && first == nil {
			first = err
		}
	}
	s.maps = nil
	return first
}

// setFile is one model file whose header has been read and checked, with
// its data not yet read.
type setFile struct {
	h     *nn.SafeHeader
	size  int64
	read  func() ([]byte, error)
	close func()
	// mapped opens the file mapped (nil where the set cannot be).
	mapped func() (*nn.MappedSafetensors, error)
}

// maxAuxFile bounds a file a task reads from its set (a tokenizer.json).
const maxAuxFile = 64 << 20

// LoadDir loads a model set from a directory. Each file is read through
// jrx's guarded reader: a FIFO, a device, a directory (or a link to one)
// is refused unread, and no data section is read before every header and
// the whole set have been checked (see LoadFS).
func LoadDir(dir string) (*Set, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("model set: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model set: %s is not a directory", dir)
	}
	return load(dir, func(name string) (*setFile, error) {
		p := filepath.Join(dir, name)
		o, err := nn.OpenSafetensorsFile(p)
		if err != nil {
			return nil, err
		}
		return &setFile{h: o.Header, size: o.Size(), read: o.ReadAll, close: func() { o.Close() },
			mapped: func() (*nn.MappedSafetensors, error) { return nn.OpenSafetensorsMapped(p) }}, nil
	}, func(name string) ([]byte, error) {
		return safeio.ReadFile(filepath.Join(dir, name), maxAuxFile)
	})
}

// LoadFS loads a model set from dir inside fsys; source names it in errors.
// It reads every file's header, checks every config and the set as a whole
// (see Check) and the memory it needs (EstimateMemory) before it allocates
// a model.
func LoadFS(fsys fs.FS, dir, source string) (*Set, error) {
	return load(source, func(name string) (*setFile, error) {
		p := path.Join(dir, name)
		if st, err := fs.Stat(fsys, p); err == nil && st.Size() > nn.MaxSafetensorsFile {
			return nil, fmt.Errorf("%s: %s, more than the %s limit", name, safeio.FormatBytes(st.Size()), safeio.FormatBytes(nn.MaxSafetensorsFile))
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		h, err := nn.ParseSafetensorsHeader(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return &setFile{h: h, size: int64(len(b)), read: func() ([]byte, error) { return b, nil }, close: func() {}}, nil
	}, func(name string) ([]byte, error) {
		p := path.Join(dir, name)
		if st, err := fs.Stat(fsys, p); err == nil && st.Size() > maxAuxFile {
			return nil, fmt.Errorf("%s: %s, more than the %s limit", name, safeio.FormatBytes(st.Size()), safeio.FormatBytes(maxAuxFile))
		}
		return fs.ReadFile(fsys, p)
	})
}

// Configs are the four configurations of a model set and the task it was
// trained for, as read from the files' headers.
type Configs struct {
	Reasoner, Baseline latent.Config
	Mono, Dual         talker.Config
	Task               tasks.Task
	// NoBaseline and NoDual say that the set lacks those files.
	NoBaseline, NoDual bool
	// Mapped: the set is opened mapped (the memory estimate counts the
	// files once and no training or evaluation buffers).
	Mapped bool
}

var setFiles = [4]string{FileReasoner, FileBaseline, FileMono, FileDual}

// decodeModel decodes one of a set's files into s.
func decodeModel(name string, b []byte, s *Set) (meta map[string]string, err error) {
	switch name {
	case FileReasoner:
		s.Reasoner, meta, err = latent.Load(b, name)
	case FileBaseline:
		s.Baseline, meta, err = baseline.Load(b, name)
	case FileMono:
		s.Mono, meta, err = talker.LoadMono(b, name)
	case FileDual:
		s.Dual, meta, err = talker.LoadDual(b, name)
	default:
		err = fmt.Errorf("%s: not a file of a model set", name)
	}
	return meta, err
}

// taskWithFiles is a task that reads files from its set's directory (the
// text task's tokenizer.json).
type taskWithFiles interface {
	Files() []string
	WithFiles(read func(name string) ([]byte, error)) (tasks.Task, error)
}

func load(source string, open func(name string) (*setFile, error), aux func(name string) ([]byte, error)) (*Set, error) {
	fail := func(format string, args ...any) (*Set, error) {
		return nil, fmt.Errorf("model set %s: %s", source, fmt.Sprintf(format, args...))
	}
	var files [4]*setFile
	defer func() {
		for _, f := range files {
			if f != nil {
				f.close()
			}
		}
	}()
	for i, name := range setFiles {
		f, err := open(name)
		if errors.Is(err, fs.ErrNotExist) && (name == FileBaseline || name == FileDual) {
			continue // optional
		}
		if errors.Is(err, fs.ErrNotExist) {
			return fail("missing %s (a set holds %s and %s, and may hold %s and %s)", name, FileReasoner, FileMono, FileBaseline, FileDual)
		}
		if err != nil {
			return nil, fmt.Errorf("model set %s: %w", source, err)
		}
		files[i] = f
	}

	// Every config, from the headers alone.
	var c Configs
	var err error
	if c.Reasoner, err = latent.ParseConfig(files[0].h.Meta); err != nil {
		return fail("%s: %v", FileReasoner, err)
	}
	if !files[0].h.Has(latent.NameTarget) {
		return fail("%s has no %s (is it a baseline?)", FileReasoner, latent.NameTarget)
	}
	c.NoBaseline, c.NoDual = files[1] == nil, files[3] == nil
	if !c.NoBaseline {
		if c.Baseline, err = latent.ParseConfig(files[1].h.Meta); err != nil {
			return fail("%s: %v", FileBaseline, err)
		}
		if files[1].h.Has(latent.NameTarget) || c.Baseline.Stage != "baseline" {
			return fail("%s: not a baseline checkpoint (stage %q)", FileBaseline, c.Baseline.Stage)
		}
	}
	if c.Mono, err = talker.ParseConfig(files[2].h.Meta, talker.FormatMono); err != nil {
		return fail("%s: %v", FileMono, err)
	}
	if !c.NoDual {
		if c.Dual, err = talker.ParseConfig(files[3].h.Meta, talker.FormatDual); err != nil {
			return fail("%s: %v", FileDual, err)
		}
	}
	if c.Task, err = taskOf(files[0].h.Meta, c.Mono.Context); err != nil {
		return fail("%v", err)
	}
	if ft, ok := c.Task.(taskWithFiles); ok && len(ft.Files()) > 0 {
		if c.Task, err = ft.WithFiles(aux); err != nil {
			return fail("%v", err)
		}
	}

	// The set as a whole, then its memory, then each file's tensors
	// against its config: all before anything is allocated.
	if err := c.Check(); err != nil {
		return fail("%v", err)
	}
	var fileBytes int64
	narrow := false
	for _, f := range files {
		if f != nil {
			fileBytes += f.size
			narrow = narrow || len(f.h.DTypes()) > 1 || f.h.DTypes()[nn.F32] == 0 && len(f.h.Infos) > 0
		}
	}
	c.Mapped = files[0].mapped != nil && (narrow || fileBytes > MapThreshold)
	if err := c.checkMemory(fileBytes, memAvailable()); err != nil {
		return fail("%v", err)
	}
	shapes := [4]func() map[string][]int{func() map[string][]int { return c.Reasoner.Shapes(true) },
		func() map[string][]int { return c.Baseline.Shapes(false) }, c.Mono.Shapes, c.Dual.Shapes}
	for i, f := range files {
		if f == nil {
			continue
		}
		if err := f.h.Expect(shapes[i]()); err != nil {
			return fail("%s: %v", setFiles[i], err)
		}
	}

	// Read, hash and decode (every value must be finite).
	s := &Set{Source: source, Hashes: map[string]string{}, Meta: map[string]map[string]string{}, Task: c.Task, Mapped: c.Mapped}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	for i, name := range setFiles {
		if files[i] == nil {
			continue
		}
		if c.Mapped && (name == FileReasoner || name == FileMono) {
			if err := s.openMapped(files[i], name); err != nil {
				return fail("%v", err)
			}
			continue
		}
		b, err := files[i].read()
		if err != nil {
			return nil, fmt.Errorf("model set %s: %w", source, err)
		}
		sum := sha256.Sum256(b)
		s.Hashes[name] = hex.EncodeToString(sum[:])
		if s.Meta[name], err = decodeModel(name, b, s); err != nil {
			return fail("%v", err)
		}
	}
	if err := s.loadCoconut(open, c); err != nil {
		return fail("%v", err)
	}
	if c.Mapped {
		s.tables = [2]*tokenTable{newTokenTable(s.Reasoner.TargetMat(), c.Reasoner.D), newTokenTable(s.Reasoner.EmbedMat(), c.Reasoner.D)}
	}
	ok = true
	return s, nil
}

// openMapped opens one of a mapped set's models over its mapped file.
func (s *Set) openMapped(f *setFile, name string) error {
	f.close()
	m, err := f.mapped()
	if err != nil {
		return err
	}
	s.maps = append(s.maps, m)
	sum := sha256.Sum256(m.Bytes())
	s.Hashes[name] = hex.EncodeToString(sum[:])
	if name == FileReasoner {
		s.Reasoner, s.Meta[name], err = latent.OpenMapped(m, name)
	} else {
		s.Mono, s.Meta[name], err = talker.OpenMonoMapped(m, name)
	}
	return err
}

// taskOf builds a set's task from the recipe in the Reasoner's metadata. A
// set without a recipe is a tree set whose depth the Talkers' context tells
// (context = depth + 1).
func taskOf(reasonerMeta map[string]string, monoContext int) (tasks.Task, error) {
	recipe := reasonerMeta["recipe"]
	if recipe == "" {
		return tasks.New("tree", json.RawMessage(fmt.Sprintf(`{"depth":%d}`, monoContext-1)))
	}
	var head struct {
		Task string `json:"task"`
	}
	if err := json.Unmarshal([]byte(recipe), &head); err != nil {
		return nil, fmt.Errorf("%s: recipe metadata is not JSON: %w", FileReasoner, err)
	}
	if head.Task == "" {
		head.Task = "tree"
	}
	return tasks.New(head.Task, json.RawMessage(recipe))
}

// Check verifies that the four models fit together and hold the task they
// were trained for: one vocabulary, the task's; Talkers reading the
// Reasoner's width; contexts that hold a whole problem (Reasoner, baseline)
// and a whole answer (Talkers).
func (c Configs) Check() error {
	vocab := c.Task.Vocab().Size()
	for _, m := range []struct {
		name  string
		vocab int
	}{{FileReasoner, c.Reasoner.Vocab}, {FileBaseline, c.Baseline.Vocab}, {FileMono, c.Mono.Vocab}, {FileDual, c.Dual.Vocab}} {
		if !c.has(m.name) {
			continue
		}
		if m.vocab != vocab {
			return fmt.Errorf("%s has a vocabulary of %d tokens; the %s task has %d", m.name, m.vocab, c.Task.Name(), vocab)
		}
	}
	for _, m := range []struct {
		name string
		d    int
	}{{FileMono, c.Mono.D}, {FileDual, c.Dual.D}} {
		if !c.has(m.name) {
			continue
		}
		if m.d != c.Reasoner.D {
			return fmt.Errorf("%s reads latents of width %d; the Reasoner's are %d wide", m.name, m.d, c.Reasoner.D)
		}
	}
	steps := c.Task.MaxAnswer()
	need := c.Task.MaxPrompt() + steps
	what := problemName(c.Task)
	for _, m := range []struct {
		name string
		ctx  int
	}{{FileReasoner, c.Reasoner.Context}, {FileBaseline, c.Baseline.Context}} {
		if !c.has(m.name) {
			continue
		}
		if m.ctx < need {
			return fmt.Errorf("%s has a context of %d positions; a %s problem needs %d (a %d-token prompt and %d answer steps)", m.name, m.ctx, what, need, need-steps, steps)
		}
	}
	for _, m := range []struct {
		name string
		ctx  int
	}{{FileMono, c.Mono.Context}, {FileDual, c.Dual.Context}} {
		if !c.has(m.name) {
			continue
		}
		if m.ctx < steps {
			return fmt.Errorf("%s has a context of %d latents; the answer of a %s problem takes %d steps", m.name, m.ctx, what, steps)
		}
	}
	return nil
}

// has reports whether the set has the named file.
func (c Configs) has(name string) bool {
	switch name {
	case FileBaseline:
		return !c.NoBaseline
	case FileDual:
		return !c.NoDual
	}
	return true
}

// problemName names a task's problems in messages ("depth-4", "cfg").
func problemName(t tasks.Task) string {
	if d, ok := t.(interface{ Levels() int }); ok {
		return fmt.Sprintf("depth-%d", d.Levels())
	}
	return t.Name()
}

// MemoryEstimate is the memory a model set needs, roughly, in bytes.
type MemoryEstimate struct {
	Weights float64 // parameters, their gradient buffers, the target table
	Files   float64 // the files' bytes, held while they load
	Work    float64 // the larger of a session's and an evaluation's buffers
	// Largest names the model with the largest share (weights + work).
	Largest string
}

// Total is the sum of the parts.
func (m MemoryEstimate) Total() float64 { return m.Weights + m.Files + m.Work }

// EstimateMemory estimates the memory a set of these configs needs (c must
// pass Check): the weights, each model's session buffers at its full context
// (KV cache, the Reasoner's and baseline's batched prefill), and one
// evaluation batch of estimateBatch problems, whichever of the two is larger.
func (c Configs) EstimateMemory(fileBytes int64) MemoryEstimate {
	steps := c.Task.MaxAnswer()
	seq := c.Task.MaxPrompt() + steps
	B := estimateBatch
	type part struct {
		name                string
		weights, sess, eval float64
	}
	reasonerLike := func(name string, cfg latent.Config, target bool) part {
		sc := cfg.Stack()
		p := part{name: name, weights: nn.ParamBytes(float64(cfg.NumParams()))}
		if target {
			p.weights += 4 * float64(cfg.Vocab) * float64(cfg.D)
		}
		p.sess = nn.CacheBytes(sc, cfg.Context) + nn.ActsBytes(sc, false, 1, cfg.Context, 0)
		p.eval = nn.ActsBytes(sc, false, B, seq, 0) + 4*float64(B*seq)*float64(cfg.Vocab)
		return p
	}
	mono := c.Mono.StackOf(c.Mono.Layers)
	logits := func(b int, v int) float64 { return 3 * 4 * float64(b*steps) * float64(v) }
	parts := []part{
		reasonerLike(FileReasoner, c.Reasoner, true),
		{name: FileBaseline},
		{name: FileMono, weights: nn.ParamBytes(float64(c.Mono.NumParams())),
			sess: nn.CacheBytes(mono, c.Mono.Context),
			eval: nn.ActsBytes(mono, false, B, steps, 0) + logits(B, c.Mono.Vocab)},
		{name: FileDual},
	}
	if !c.NoBaseline {
		parts[1] = reasonerLike(FileBaseline, c.Baseline, false)
	}
	if !c.NoDual {
		enc, dec := c.Dual.StackOf(c.Dual.EncLayers), c.Dual.StackOf(c.Dual.DecLayers)
		parts[3] = part{name: FileDual, weights: nn.ParamBytes(float64(c.Dual.NumParams())),
			sess: nn.ActsBytes(enc, false, 1, steps, 0) + nn.ActsBytes(dec, true, 1, steps, steps) + logits(1, c.Dual.Vocab),
			eval: nn.ActsBytes(enc, false, B, steps, 0) + nn.ActsBytes(dec, true, B, steps, steps) + logits(B, c.Dual.Vocab)}
	}
	if c.Mapped {
		// The Reasoner and the Mono-Talker are their mapped files; a
		// session holds their KV caches and one prompt's prefill work.
		parts[0] = part{name: FileReasoner, sess: nn.CacheBytes(c.Reasoner.Stack(), c.Reasoner.Context) + prefillBytes(c.Reasoner.Stack(), c.Task.MaxPrompt())}
		parts[2] = part{name: FileMono, sess: nn.CacheBytes(mono, c.Mono.Context) + 4*float64(c.Mono.Vocab)}
	}
	m := MemoryEstimate{Files: float64(fileBytes)}
	if c.Mapped {
		m.Files = 0
	}
	var sess, eval, largest float64
	for i, p := range parts {
		if !c.has(setFiles[i]) {
			continue
		}
		if c.Mapped {
			p.eval = 0 // a mapped set is not evaluated in batches
		}
		m.Weights += p.weights
		sess += p.sess
		eval = max(eval, p.eval)
		if share := p.weights + max(p.sess, p.eval); share > largest {
			largest, m.Largest = share, p.name
		}
	}
	m.Work = max(sess, eval)
	if c.Mapped {
		m.Weights += float64(fileBytes)
	}
	return m
}

// prefillBytes is FrozenStack.Prefill's work for a T-token prompt.
func prefillBytes(sc nn.StackConfig, T int) float64 {
	t := float64(T)
	return 4 * (float64(sc.Heads)*t*t + 2*t*float64(sc.F) + 8*t*float64(max(sc.D, sc.A)) + float64(sc.D)*float64(max(sc.A, sc.F)))
}

// checkMemory refuses a set whose estimate is over MaxSetMemory or over
// avail (when avail > 0: the machine's available memory).
func (c Configs) checkMemory(fileBytes int64, avail int64) error {
	m := c.EstimateMemory(fileBytes)
	limit, why := float64(MaxSetMemory), fmt.Sprintf("jrx's limit for a model set is %s", safeio.FormatBytes(MaxSetMemory))
	if avail > 0 && float64(avail) < limit {
		limit, why = float64(avail), fmt.Sprintf("this machine has %s available", safeio.FormatBytes(avail))
	}
	if m.Total() <= limit {
		return nil
	}
	return fmt.Errorf("the models need about %s of memory (weights %s, work buffers %s, most of it for %s); %s",
		fmtBytes(m.Total()), fmtBytes(m.Weights), fmtBytes(m.Work), m.Largest, why)
}

func fmtBytes(f float64) string {
	if f > 1e18 {
		return fmt.Sprintf("%.1e bytes", f)
	}
	return safeio.FormatBytes(int64(f))
}

// memAvailable returns MemAvailable from /proc/meminfo in bytes, or 0 where
// there is no such file (the fixed cap alone applies).
var memAvailable = func() int64 {
	b, err := safeio.ReadFile("/proc/meminfo", 1<<20)
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("MemAvailable:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}

// LoadEmbedded loads the model set compiled into the binary.
func LoadEmbedded() (*Set, error) {
	return LoadFS(assets.Default, "default", "embedded")
}

// Load loads dir, or the embedded set when dir is empty.
func Load(dir string) (*Set, error) {
	if dir == "" {
		return LoadEmbedded()
	}
	return LoadDir(dir)
}

// EmbeddedTasks are the tasks that may have an embedded model set.
var EmbeddedTasks = []string{"tree", "cfg"}

// LoadTask loads dir, or, when dir is empty, the embedded set of task
// ("" or "tree": the default set; "cfg": the grammar set). With both a
// directory and a task, the directory's set must be of that task.
func LoadTask(dir, task string) (*Set, error) {
	if dir != "" {
		s, err := LoadDir(dir)
		if err == nil && task != "" && s.Task.Name() != task {
			s.Close()
			return nil, fmt.Errorf("model set %s is a %s set, not %s", dir, s.Task.Name(), task)
		}
		return s, err
	}
	switch task {
	case "", "tree":
		return LoadEmbedded()
	case "cfg":
		if _, err := fs.Stat(assets.Grammar, path.Join("cfg", FileReasoner)); err != nil {
			return nil, fmt.Errorf("this build has no embedded grammar model set; train one with 'jrx train cfg --out DIR' and open it with --model DIR")
		}
		return LoadFS(assets.Grammar, "cfg", "embedded cfg")
	}
	return nil, fmt.Errorf("no embedded model set for task %q (embedded: %s); give --model DIR", task, strings.Join(EmbeddedTasks, ", "))
}

// Depth is the depth (levels) of a task that has one — the tree task's —
// and 0 for another task.
func (s *Set) Depth() int {
	if d, ok := s.Task.(interface{ Levels() int }); ok {
		return d.Levels()
	}
	return 0
}
