// Package testvec loads testdata/model_vectors.json (the conformance
// vectors computed independently from docs/MODEL.md) for the model
// packages' tests, and compares float32 results with them.
package testvec

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
)

// Tensor is one float64 tensor of the vectors.
type Tensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// Case is one model of the vectors.
type Case struct {
	Config   map[string]float64         `json:"config"`
	Params   map[string]Tensor          `json:"params"`
	Inputs   map[string]json.RawMessage `json:"inputs"`
	Outputs  map[string]json.RawMessage `json:"outputs"`
	GradsCE  map[string]Tensor          `json:"grads_ce"`
	GradsSST map[string]Tensor          `json:"grads_sst"`
}

// Load reads the vectors from the repository's testdata folder.
func Load() (map[string]Case, error) {
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "model_vectors.json"))
	if err != nil {
		return nil, err
	}
	var f struct {
		Cases map[string]Case `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return f.Cases, nil
}

// Get decodes a named input or output.
func Get[T any](from map[string]json.RawMessage, name string) (T, error) {
	var v T
	raw, ok := from[name]
	if !ok {
		return v, fmt.Errorf("vectors: missing %q", name)
	}
	return v, json.Unmarshal(raw, &v)
}

// Setter is anything with writable named tensors (nn.ParamSet).
type Setter interface {
	Has(name string) bool
	Shape(name string) []int
	W(name string) []float32
}

// Fill copies every vector tensor that dst has into it and returns the
// names it could not place.
func Fill(dst Setter, params map[string]Tensor) (missing []string, err error) {
	for name, t := range params {
		if !dst.Has(name) {
			missing = append(missing, name)
			continue
		}
		w := dst.W(name)
		if len(w) != len(t.Data) || fmt.Sprint(dst.Shape(name)) != fmt.Sprint(t.Shape) {
			return nil, fmt.Errorf("tensor %q: shape %v, vectors have %v", name, dst.Shape(name), t.Shape)
		}
		for i, v := range t.Data {
			w[i] = float32(v)
		}
	}
	return missing, nil
}

// RelErr is max_i |got_i − want_i| / max(max_j |want_j|, 1e-12): the error
// relative to the tensor's scale.
func RelErr(got []float32, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var scale, worst float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	scale = math.Max(scale, 1e-12)
	for i, w := range want {
		worst = math.Max(worst, math.Abs(float64(got[i])-w)/scale)
	}
	return worst
}
