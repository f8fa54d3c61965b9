package engine

import (
	"fmt"

	"jrx/baseline"
	"jrx/internal/modelfiles"
	"jrx/latent"
	"jrx/talker"
)

// Model file names inside a model-set directory (their one home is
// internal/modelfiles, shared with package train, which writes them).
const (
	FileReasoner = modelfiles.Reasoner
	FileBaseline = modelfiles.Baseline
	FileMono     = modelfiles.Mono
	FileDual     = modelfiles.Dual
)

// setFile is one file of a model set and how its bytes become a model of
// the Set; load returns the file's checkpoint metadata.
type setFile struct {
	name string
	load func(s *Set, b []byte) (meta map[string]string, err error)
}

// setFiles are the files LoadFS reads, in modelfiles.All's order.
var setFiles = []setFile{
	{FileReasoner, func(s *Set, b []byte) (meta map[string]string, err error) {
		if s.Reasoner, meta, err = latent.Load(b, FileReasoner); err != nil {
			return nil, err
		}
		if s.Reasoner.Target == nil {
			return nil, fmt.Errorf("model set %s: %s has no target_embed (is it a baseline?)", s.Source, FileReasoner)
		}
		return meta, nil
	}},
	{FileBaseline, func(s *Set, b []byte) (meta map[string]string, err error) {
		s.Baseline, meta, err = baseline.Load(b, FileBaseline)
		return meta, err
	}},
	{FileMono, func(s *Set, b []byte) (meta map[string]string, err error) {
		s.Mono, meta, err = talker.LoadMono(b, FileMono)
		return meta, err
	}},
	{FileDual, func(s *Set, b []byte) (meta map[string]string, err error) {
		s.Dual, meta, err = talker.LoadDual(b, FileDual)
		return meta, err
	}},
}

// loadFiles reads every file of setFiles with read (which records its hash)
// and loads it into s, with its metadata; it stops at the first error.
func (s *Set) loadFiles(read func(name string) ([]byte, error)) error {
	for _, f := range setFiles {
		b, err := read(f.name)
		if err != nil {
			return err
		}
		meta, err := f.load(s, b)
		if err != nil {
			return err
		}
		s.Meta[f.name] = meta
	}
	return nil
}
