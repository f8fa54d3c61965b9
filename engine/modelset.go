package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	"jrx/assets"
	"jrx/baseline"
	"jrx/latent"
	"jrx/talker"
	"jrx/tasks"
	_ "jrx/tasks/all" // a model set names its task
)

// Set is a complete model set: the Reasoner with its target table, both
// Talkers and the coupled baseline, with each file's SHA-256 and metadata.
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
}

// LoadDir loads a model set from a directory.
func LoadDir(dir string) (*Set, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("model set: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model set: %s is not a directory", dir)
	}
	return LoadFS(os.DirFS(dir), ".", dir)
}

// LoadFS loads a model set from dir inside fsys; source names it in errors.
func LoadFS(fsys fs.FS, dir, source string) (*Set, error) {
	s := &Set{Source: source, Hashes: map[string]string{}, Meta: map[string]map[string]string{}}
	read := func(name string) ([]byte, error) {
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("model set %s: missing %s (a set holds %s, %s, %s and %s)", source, name, FileReasoner, FileBaseline, FileMono, FileDual)
		}
		if err != nil {
			return nil, fmt.Errorf("model set %s: %w", source, err)
		}
		h := sha256.Sum256(b)
		s.Hashes[name] = hex.EncodeToString(h[:])
		return b, nil
	}
	b, err := read(FileReasoner)
	if err != nil {
		return nil, err
	}
	if s.Reasoner, s.Meta[FileReasoner], err = latent.Load(b, FileReasoner); err != nil {
		return nil, err
	}
	if s.Reasoner.Target == nil {
		return nil, fmt.Errorf("model set %s: %s has no target_embed (is it a baseline?)", source, FileReasoner)
	}
	if b, err = read(FileBaseline); err != nil {
		return nil, err
	}
	if s.Baseline, s.Meta[FileBaseline], err = baseline.Load(b, FileBaseline); err != nil {
		return nil, err
	}
	if b, err = read(FileMono); err != nil {
		return nil, err
	}
	if s.Mono, s.Meta[FileMono], err = talker.LoadMono(b, FileMono); err != nil {
		return nil, err
	}
	if b, err = read(FileDual); err != nil {
		return nil, err
	}
	if s.Dual, s.Meta[FileDual], err = talker.LoadDual(b, FileDual); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	task, err := s.taskOf()
	if err != nil {
		return nil, fmt.Errorf("model set %s: %w", source, err)
	}
	s.Task = task
	if err := s.checkTask(); err != nil {
		return nil, err
	}
	return s, nil
}

// taskOf builds the set's task from the recipe in the Reasoner's metadata.
// A set without a recipe is a tree set whose depth the Talkers' context
// tells (context = depth + 1).
func (s *Set) taskOf() (tasks.Task, error) {
	recipe := s.Meta[FileReasoner]["recipe"]
	if recipe == "" {
		return tasks.New("tree", json.RawMessage(fmt.Sprintf(`{"depth":%d}`, s.Mono.Cfg.Context-1)))
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

// checkTask verifies that the models can hold the task: its vocabulary,
// its longest prompt and answer.
func (s *Set) checkTask() error {
	t := s.Task
	r := s.Reasoner.Cfg
	if v := t.Vocab().Size(); r.Vocab != v {
		return fmt.Errorf("model set %s: the models have a vocabulary of %d tokens, the %s task has %d", s.Source, r.Vocab, t.Name(), v)
	}
	need := t.MaxPrompt() + t.MaxAnswer()
	if r.Context < need {
		return fmt.Errorf("model set %s: %s holds %d positions; the %s task needs %d (%s)", s.Source, FileReasoner, r.Context, t.Name(), need, t.Distribution())
	}
	if c := s.Baseline.Net.Cfg.Context; c < need {
		return fmt.Errorf("model set %s: %s holds %d positions; the %s task needs %d (%s)", s.Source, FileBaseline, c, t.Name(), need, t.Distribution())
	}
	for name, c := range map[string]int{FileMono: s.Mono.Cfg.Context, FileDual: s.Dual.Cfg.Context} {
		if c < t.MaxAnswer() {
			return fmt.Errorf("model set %s: %s reads at most %d latents; the %s task's answers take %d", s.Source, name, c, t.Name(), t.MaxAnswer())
		}
	}
	return nil
}

// check verifies that the models fit together.
func (s *Set) check() error {
	r := s.Reasoner.Cfg
	if b := s.Baseline.Net.Cfg; b.Vocab != r.Vocab {
		return fmt.Errorf("model set %s: baseline vocabulary %d differs from the Reasoner's %d", s.Source, b.Vocab, r.Vocab)
	}
	for name, c := range map[string]talker.Config{FileMono: s.Mono.Cfg, FileDual: s.Dual.Cfg} {
		if c.D != r.D || c.Vocab != r.Vocab {
			return fmt.Errorf("model set %s: %s reads width %d / vocabulary %d, the Reasoner has %d / %d", s.Source, name, c.D, c.Vocab, r.D, r.Vocab)
		}
	}
	return nil
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

// Depth is the depth (levels) of a task that has one — the tree task's —
// and 0 for another task.
func (s *Set) Depth() int {
	if d, ok := s.Task.(interface{ Levels() int }); ok {
		return d.Levels()
	}
	return 0
}
