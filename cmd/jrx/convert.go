package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"jrx/engine"
	"jrx/internal/safeio"
	"jrx/internal/termsafe"
	"jrx/nn"
)

func init() {
	register(&command{
		name:    "convert",
		summary: "write a model set's weights in another dtype (f16, bf16 or f32)",
		usage:   "--model DIR --out DIR --dtype f16|bf16|f32",
		help: `Writes the model files of the set in --model (reasoner, baseline, mono,
dual, coconut .safetensors; and its tokenizer.json) into --out with every
tensor stored as --dtype: f16 and bf16 halve the files (rounded to nearest
even), f32 widens a 16-bit set exactly. The metadata is kept (config,
recipe, seeds, the grammar's rules) but for the recorded figures ("eval"),
which belong to the weights before the conversion: the files get a
"converted" entry instead ({"from": …, "dtype": …}); measure the converted
set with 'jrx eval'. Training states (*.state.safetensors) and eval.json are
not copied. --out is created; a model file already there is replaced.`,
		run: runConvert,
	})
}

// convertFiles are the files a converted set holds, when the source has
// them.
var convertFiles = []string{engine.FileReasoner, engine.FileBaseline, engine.FileMono, engine.FileDual, engine.FileCoconut}

func runConvert(ctx context.Context, env *cliEnv, args []string) error {
	fset := newFlags(lookup("convert"), env)
	model := fset.String("model", "", "the model set's directory")
	out := fset.String("out", "", "directory to write the converted set into (created)")
	dtName := fset.String("dtype", "", "f16, bf16 or f32")
	if err := parseFlags(fset, env, args); err != nil {
		return err
	}
	if err := noArgs(fset); err != nil {
		return err
	}
	if *model == "" || *out == "" || *dtName == "" {
		return usagef("--model, --out and --dtype are required")
	}
	dt, err := nn.ParseDType(*dtName)
	if err != nil {
		return usagef("--dtype: %v", err)
	}
	if a, errA := filepath.Abs(*model); errA == nil {
		if b, errB := filepath.Abs(*out); errB == nil && a == b {
			return usagef("--out is --model: write the converted set into another directory")
		}
	}
	// The source must be a set jrx opens (its checks run first).
	src, err := engine.LoadDir(*model)
	if err != nil {
		return err
	}
	src.Close()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var before, after int64
	for _, name := range convertFiles {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(*model, name)
		st, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		f, err := nn.ReadSafetensorsFile(path)
		if err != nil {
			return err
		}
		from := fileDTypes(path)
		meta := map[string]string{}
		for k, v := range f.Meta {
			meta[k] = v
		}
		delete(meta, "eval")
		conv, _ := json.Marshal(map[string]string{"from": from, "dtype": dt.String()})
		meta["converted"] = string(conv)
		dst := filepath.Join(*out, name)
		if err := nn.WriteSafetensorsAs(dst, f, meta, dt); err != nil {
			return err
		}
		st2, err := os.Stat(dst)
		if err != nil {
			return err
		}
		before += st.Size()
		after += st2.Size()
		fmt.Fprintf(env.stdout, "%s  %s → %s  %s\n", termsafe.Line(dst), fmtMB(st.Size()), fmtMB(st2.Size()), dt)
	}
	if tok := filepath.Join(*model, "tokenizer.json"); fileExists(tok) {
		b, err := safeio.ReadFile(tok, 64<<20)
		if err != nil {
			return err
		}
		if err := safeio.WriteFile(filepath.Join(*out, "tokenizer.json"), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return err
		}
	}
	// The converted set must open.
	set, err := engine.LoadDir(*out)
	if err != nil {
		return fmt.Errorf("the converted set does not open: %w", err)
	}
	set.Close()
	fmt.Fprintf(env.stdout, "converted %s (%s) into %s (%s); measure it with: jrx eval %s --model %s\n",
		termsafe.Line(*model), fmtMB(before), termsafe.Line(*out), fmtMB(after), set.Task.Name(), termsafe.Line(*out))
	return nil
}

// fileDTypes names the dtypes of a safetensors file's tensors ("F32",
// "F16", "F32+BF16") from its header alone, or "?" when that cannot be read.
func fileDTypes(path string) string {
	r, err := nn.OpenSafetensorsFile(path)
	if err != nil {
		return "?"
	}
	defer r.Close()
	h := r.Header // checked when opened; the data is not read
	seen := map[string]bool{}
	var s string
	for _, info := range h.Infos {
		d := info.DType.String()
		if !seen[d] {
			if s != "" {
				s += "+"
			}
			s += d
			seen[d] = true
		}
	}
	return s
}

func fmtMB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
