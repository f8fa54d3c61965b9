package nn

// Bridges between nn's flat float32 buffers and gorgonia.org/tensor. They
// live in a _test.go file on purpose: nothing in the binary uses gorgonia,
// and linking it pulled ~50 packages (arrow, flatbuffers, two protobufs)
// and their init code into every jrx start. The tests keep the bridge and
// the pinned go4.org/unsafe/assume-no-moving-gc checked (see tensor_test.go).
//
// Keep gorgonia usage simple: its T() is a lazy in-place transpose and
// Reshape fails on views. Gorgonia cannot hold zero-element tensors (it
// panics building them), so the constructors here refuse them explicitly.

import (
	"fmt"

	"gorgonia.org/tensor"
)

// Dense returns t as a *tensor.Dense of t.Shape that SHARES t.Data: writes
// through either are visible in both. A 0-d tensor becomes a gorgonia
// scalar. It panics if t has zero elements or len(t.Data) does not match
// t.Shape (see DenseFromFlat).
func (t *SafeTensor) Dense() *tensor.Dense {
	return DenseFromFlat(t.Data, t.Shape...)
}

// DenseFromFlat wraps data as a row-major *tensor.Dense of the given shape,
// SHARING data (no copy). No shape (or an empty one) means a 0-d scalar and
// needs len(data) == 1. Like other shape errors in nn it panics, with a
// clear message, if the shape has a negative dimension, if its element
// count differs from len(data), or if it has zero elements (which gorgonia
// cannot represent).
func DenseFromFlat(data []float32, shape ...int) *tensor.Dense {
	n, err := stShapeElems(shape)
	if err != nil {
		panic(fmt.Sprintf("nn.DenseFromFlat: %v", err))
	}
	if n != len(data) {
		panic(fmt.Sprintf("nn.DenseFromFlat: shape %v needs %d values, got %d", stFmtShape(shape), n, len(data)))
	}
	if n == 0 {
		panic(fmt.Sprintf("nn.DenseFromFlat: shape %v has no elements; gorgonia cannot represent empty tensors", stFmtShape(shape)))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// FlatFromDense returns a row-major COPY of t's values and its shape (a new
// slice; an empty one for a scalar). Views and lazily transposed tensors
// are materialized first, so the values are in t's logical order. It
// returns an error for a nil tensor, a dtype other than float32, or a
// masked tensor.
func FlatFromDense(t *tensor.Dense) ([]float32, []int, error) {
	if t == nil {
		return nil, nil, fmt.Errorf("nn.FlatFromDense: nil tensor")
	}
	if t.Dtype() != tensor.Float32 {
		return nil, nil, fmt.Errorf("nn.FlatFromDense: dtype %v, want float32", t.Dtype())
	}
	if t.IsMasked() {
		return nil, nil, fmt.Errorf("nn.FlatFromDense: masked tensors are not supported")
	}
	shape := append([]int{}, t.Shape()...)
	if t.IsScalar() {
		v, ok := t.Data().(float32)
		if !ok {
			return nil, nil, fmt.Errorf("nn.FlatFromDense: scalar holds %T, want float32", t.Data())
		}
		return []float32{v}, shape, nil
	}
	if t.IsMaterializable() {
		m, ok := t.Materialize().(*tensor.Dense)
		if !ok {
			return nil, nil, fmt.Errorf("nn.FlatFromDense: cannot materialize view")
		}
		t = m
	}
	data, ok := t.Data().([]float32)
	if !ok {
		return nil, nil, fmt.Errorf("nn.FlatFromDense: data is %T, want []float32", t.Data())
	}
	if n := tensor.Shape(shape).TotalSize(); n != len(data) {
		return nil, nil, fmt.Errorf("nn.FlatFromDense: shape %v has %d elements but data has %d", shape, n, len(data))
	}
	return append([]float32{}, data...), shape, nil
}
