package train

import (
	"fmt"
	"os"
	"strconv"

	"jrx/nn"
)

// tensorList is an ordered set of named float32 tensors presented to the
// checkpoint writer and reader.
type tensorList struct {
	names  []string
	shapes map[string][]int
	data   map[string][]float32
}

func newTensorList() *tensorList {
	return &tensorList{shapes: map[string][]int{}, data: map[string][]float32{}}
}

func (l *tensorList) add(name string, data []float32, shape ...int) {
	l.names = append(l.names, name)
	l.shapes[name] = shape
	l.data[name] = data
}

func (l *tensorList) Names() []string         { return l.names }
func (l *tensorList) Shape(name string) []int { return l.shapes[name] }
func (l *tensorList) W(name string) []float32 { return l.data[name] }

// loopState is what a stage saves so that a resumed run continues to the
// same numbers: every trained tensor, AdamW's moments and step count, any
// extra tensor the stage keeps (the EMA target table), and the next step.
type loopState struct {
	p      *nn.ParamSet
	opt    *nn.AdamW
	extra  map[string][]float32 // name → data (shape: 1-D)
	step   int
	done   bool
	recipe string
	// key, when set, returns the stage's key of a recipe's JSON: a state
	// saved under another recipe with the same key is resumed too
	// (stagekey.go).
	key func(recipeJSON string) (string, bool)
}

func (s *loopState) list() *tensorList {
	l := newTensorList()
	for _, n := range s.p.Names() {
		l.add("param/"+n, s.p.W(n), s.p.Shape(n)...)
	}
	l.add("adam/m", s.opt.M, len(s.opt.M))
	l.add("adam/v", s.opt.V, len(s.opt.V))
	for _, n := range sortedKeys(s.extra) {
		l.add("extra/"+n, s.extra[n], len(s.extra[n]))
	}
	return l
}

func (s *loopState) save(path string) error {
	meta := map[string]string{
		"format": "jrx-train-state/1",
		"step":   strconv.Itoa(s.step),
		"adam_t": strconv.Itoa(s.opt.T),
		"done":   strconv.FormatBool(s.done),
		"recipe": s.recipe,
	}
	return nn.WriteSafetensors(path, s.list(), meta)
}

// peek reads path's metadata: whether s may load it (the same recipe or
// stage key) and whether its stage finished.
func (s *loopState) peek(path string) (match, done bool, err error) {
	f, err := nn.ReadSafetensorsFile(path)
	if err != nil {
		return false, false, err
	}
	if f.Meta["format"] != "jrx-train-state/1" {
		return false, false, fmt.Errorf("%s: not a jrx training state (format %q)", path, f.Meta["format"])
	}
	return sameStage(f.Meta["recipe"], s.recipe, s.key), f.Meta["done"] == "true", nil
}

// load fills s from path. It returns os.ErrNotExist (wrapped) when there is
// no state file.
func (s *loopState) load(path string) error {
	f, err := nn.ReadSafetensorsFile(path)
	if err != nil {
		return err
	}
	if f.Meta["format"] != "jrx-train-state/1" {
		return fmt.Errorf("%s: not a jrx training state (format %q)", path, f.Meta["format"])
	}
	if !sameStage(f.Meta["recipe"], s.recipe, s.key) {
		return fmt.Errorf("%s: saved with a recipe that differs in what this stage depends on; use another --out directory or start without --resume\nsaved: %s\nnow:   %s", path, f.Meta["recipe"], s.recipe)
	}
	l := s.list()
	if err := f.LoadInto(l); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if s.step, err = strconv.Atoi(f.Meta["step"]); err != nil {
		return fmt.Errorf("%s: bad step %q", path, f.Meta["step"])
	}
	if s.opt.T, err = strconv.Atoi(f.Meta["adam_t"]); err != nil {
		return fmt.Errorf("%s: bad adam_t %q", path, f.Meta["adam_t"])
	}
	s.done = f.Meta["done"] == "true"
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
