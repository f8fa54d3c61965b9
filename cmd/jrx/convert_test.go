package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/assets"
	"jrx/engine"
	"jrx/nn"
)

// embeddedToDir writes the embedded default set's files into a directory.
func embeddedToDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(assets.Default, "default", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".safetensors") {
			return err
		}
		b, err := assets.Default.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// jrx convert writes every tensor as F16 (each value F32ToF16 of the
// original, checked here tensor by tensor), keeps the metadata but the
// figures, adds "converted", and the result opens as a set.
func TestConvertF16(t *testing.T) {
	src := embeddedToDir(t)
	out := filepath.Join(t.TempDir(), "f16")
	var so, se bytes.Buffer
	if code := run(t.Context(), &cliEnv{stdout: &so, stderr: &se}, []string{"convert", "--model", src, "--out", out, "--dtype", "f16"}); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	files, _ := filepath.Glob(filepath.Join(src, "*.safetensors"))
	if len(files) < 2 {
		t.Fatalf("source set has %d files", len(files))
	}
	for _, f := range files {
		a, err := nn.ReadSafetensorsFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := nn.ReadSafetensorsFile(filepath.Join(out, filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		if got := fileDTypes(filepath.Join(out, filepath.Base(f))); got != "F16" {
			t.Errorf("%s: dtypes %s", f, got)
		}
		for k, v := range a.Meta {
			if k == "eval" {
				if _, ok := b.Meta[k]; ok {
					t.Errorf("%s: the figures were kept", f)
				}
				continue
			}
			if b.Meta[k] != v {
				t.Errorf("%s: metadata %q changed", f, k)
			}
		}
		var conv map[string]string
		if err := json.Unmarshal([]byte(b.Meta["converted"]), &conv); err != nil || conv["from"] != "F32" || conv["dtype"] != "F16" {
			t.Errorf("%s: converted %q", f, b.Meta["converted"])
		}
		for _, name := range a.Order {
			x, y := a.W(name), b.W(name)
			if len(x) != len(y) {
				t.Fatalf("%s %s: %d values, want %d", f, name, len(y), len(x))
			}
			for i := range x {
				want := nn.F16ToF32(nn.F32ToF16(x[i]))
				if math.Float32bits(y[i]) != math.Float32bits(want) {
					t.Fatalf("%s %s[%d]: %v, want %v", f, name, i, y[i], want)
				}
			}
		}
	}
	set, err := engine.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	set.Close()
	if !strings.Contains(so.String(), "jrx eval tree --model") {
		t.Errorf("output does not say how to measure the set: %s", so.String())
	}
}

func TestConvertErrors(t *testing.T) {
	src := embeddedToDir(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"convert", "--model", src, "--out", src, "--dtype", "f16"}, 2, "another directory"},
		{[]string{"convert", "--model", src, "--out", t.TempDir()}, 2, "required"},
		{[]string{"convert", "--model", src, "--out", t.TempDir(), "--dtype", "f8"}, 2, "--dtype"},
		{[]string{"convert", "--model", filepath.Join(src, "nope"), "--out", t.TempDir(), "--dtype", "f16"}, 1, "nope"},
	} {
		var so, se bytes.Buffer
		code := run(t.Context(), &cliEnv{stdout: &so, stderr: &se}, c.args)
		if code != c.code || !strings.Contains(se.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args[1:], code, se.String(), c.code, c.want)
		}
	}
}
