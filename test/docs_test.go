package test

import (
	"context"
	"strings"
	"testing"

	"jrx/engine"
	"jrx/internal/captures"
)

// Every capture in README.md and docs/*.md is what the binary draws now
// (rendered the way the binary renders it, see package captures; the tmux
// test of the tour checks that the two agree), and every capture with a
// seed measurement shows the seed the measurement picks. When this fails,
// run make docs and read the diff.
func TestDocsCapturesAreCurrent(t *testing.T) {
	set, err := engine.LoadEmbedded()
	if err != nil {
		t.Fatalf("the embedded model set: %v", err)
	}
	files, err := captures.Files("..")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := captures.Check(context.Background(), set, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		switch {
		case r.Err != nil:
			t.Errorf("%s:%d: %v", r.File, r.Line, r.Err)
		case r.Stale():
			t.Errorf("%s:%d: the capture differs from what the binary draws (run make docs): %s", r.File, r.Line, r.Diff())
		}
	}
	// The captures the docs promise are there.
	want := map[string]string{
		"README.md flagship":     "jrx --seed 1 | keys: e 2 b . t enter | size: 120x40 | seed: flagship",
		"verdict sequence":       "jrx --seed 1 | keys: → → b . | size: 120x40",
		"verdict sequence, then": "jrx --seed 1 | keys: → → b . → | size: 120x40",
	}
	for what, m := range want {
		found := false
		for _, r := range rs {
			found = found || strings.Contains(r.Spec.Marker(), m)
		}
		if !found {
			t.Errorf("no capture of the %s (%s)", what, m)
		}
	}
	t.Logf("%d captures in %d files", len(rs), len(files))
}
