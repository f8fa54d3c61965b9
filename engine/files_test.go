package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"jrx/assets"
	"jrx/internal/modelfiles"
)

// embeddedFS copies the embedded set into a MapFS under "set/".
func embeddedFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, name := range modelfiles.All() {
		b, err := fs.ReadFile(assets.Default, path.Join("default", name))
		if err != nil {
			t.Fatal(err)
		}
		m[path.Join("set", name)] = &fstest.MapFile{Data: b}
	}
	return m
}

// A directory holding exactly the files of modelfiles.All (train's output)
// loads: every file, with its metadata and the SHA-256 of its bytes.
func TestLoadFSLoadsEveryFile(t *testing.T) {
	m := embeddedFS(t)
	s, err := LoadFS(m, "set", "test")
	if err != nil {
		t.Fatal(err)
	}
	if s.Reasoner == nil || s.Baseline == nil || s.Mono == nil || s.Dual == nil {
		t.Fatal("a model is missing from the set")
	}
	for _, name := range modelfiles.All() {
		h := sha256.Sum256(m[path.Join("set", name)].Data)
		if got := s.Hashes[name]; got != hex.EncodeToString(h[:]) {
			t.Errorf("%s: hash %s, want %x", name, got, h)
		}
		if s.Meta[name]["config"] == "" {
			t.Errorf("%s: no config metadata", name)
		}
	}
}

// A missing file and a baseline in the Reasoner's place are errors naming
// the file.
func TestLoadFSErrors(t *testing.T) {
	for _, name := range modelfiles.All() {
		m := embeddedFS(t)
		delete(m, path.Join("set", name))
		s, err := LoadFS(m, "set", "test")
		optional := name == FileBaseline || name == FileDual
		switch {
		case optional && err != nil:
			t.Errorf("without the optional %s: error %v", name, err)
		case optional:
			for _, l := range s.Lanes() {
				if (name == FileBaseline && l.Name == LaneBaseline) || (name == FileDual && l.Name == LaneDual) {
					t.Errorf("without %s the set still has lane %s", name, l.Name)
				}
			}
		case err == nil || !strings.Contains(err.Error(), "missing "+name):
			t.Errorf("without %s: error %v", name, err)
		}
	}
	m := embeddedFS(t)
	m[path.Join("set", FileReasoner)] = m[path.Join("set", FileBaseline)]
	if _, err := LoadFS(m, "set", "test"); err == nil || !strings.Contains(err.Error(), "no target_embed") {
		t.Errorf("a baseline as the Reasoner: error %v", err)
	}
}
