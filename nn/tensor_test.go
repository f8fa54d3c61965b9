package nn

// This test imports gorgonia.org/tensor on purpose: it keeps the pinned
// go4.org/unsafe/assume-no-moving-gc (which gorgonia pulls in) linked into
// the nn test binary, so a bad pin shows up as a panic at start. Keep it.

import (
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

func denseMustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want one containing %q", want)
			return
		}
		if msg, _ := r.(string); !strings.Contains(msg, want) {
			t.Errorf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func TestSafeTensorDenseShares(t *testing.T) {
	st := &SafeTensor{Name: "w", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}
	d := st.Dense()
	if !slices.Equal([]int(d.Shape()), []int{2, 3}) || d.Dtype() != tensor.Float32 {
		t.Fatalf("shape %v dtype %v", d.Shape(), d.Dtype())
	}
	v, err := d.At(1, 2)
	if err != nil || v.(float32) != 6 {
		t.Errorf("At(1,2) = %v, %v; want 6 (row-major)", v, err)
	}
	// Shared both ways.
	st.Data[0] = 10
	if v, _ := d.At(0, 0); v.(float32) != 10 {
		t.Errorf("Dense does not see writes to Data")
	}
	if err := d.SetAt(float32(-5), 1, 0); err != nil {
		t.Fatal(err)
	}
	if st.Data[3] != -5 {
		t.Errorf("Data does not see writes to Dense: %v", st.Data)
	}
}

func TestDenseFromFlatScalarAndVector(t *testing.T) {
	s := DenseFromFlat([]float32{2.5})
	if !s.IsScalar() {
		t.Errorf("no shape should give a scalar, got shape %v", s.Shape())
	}
	flat, shape, err := FlatFromDense(s)
	if err != nil || len(shape) != 0 || !slices.Equal(flat, []float32{2.5}) {
		t.Errorf("scalar round trip: %v %v %v", flat, shape, err)
	}
	st := &SafeTensor{Name: "s", Shape: []int{}, Data: []float32{7}}
	if v := st.Dense().ScalarValue(); v.(float32) != 7 {
		t.Errorf("0-d SafeTensor scalar = %v", v)
	}

	v := DenseFromFlat([]float32{1, 2, 3}, 3)
	flat, shape, err = FlatFromDense(v)
	if err != nil || !slices.Equal(shape, []int{3}) || !slices.Equal(flat, []float32{1, 2, 3}) {
		t.Errorf("vector round trip: %v %v %v", flat, shape, err)
	}
}

func TestFlatFromDenseCopiesAndMaterializes(t *testing.T) {
	data := []float32{1, 2, 3, 4, 5, 6}
	d := DenseFromFlat(data, 2, 3)
	flat, shape, err := FlatFromDense(d)
	if err != nil || !slices.Equal(shape, []int{2, 3}) || !slices.Equal(flat, data) {
		t.Fatalf("got %v %v %v", flat, shape, err)
	}
	flat[0] = 100
	if data[0] != 1 {
		t.Errorf("FlatFromDense returned a view, want a copy")
	}

	// Lazy transpose: values come out in the transposed logical order.
	tr := DenseFromFlat([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err := tr.T(); err != nil {
		t.Fatal(err)
	}
	flat, shape, err = FlatFromDense(tr)
	if err != nil || !slices.Equal(shape, []int{3, 2}) || !slices.Equal(flat, []float32{1, 4, 2, 5, 3, 6}) {
		t.Errorf("transposed: %v %v %v", flat, shape, err)
	}

	// Column slice view (non-contiguous).
	m := DenseFromFlat([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3)
	col, err := m.Slice(nil, tensor.S(1))
	if err != nil {
		t.Fatal(err)
	}
	flat, shape, err = FlatFromDense(col.(*tensor.Dense))
	if err != nil || !slices.Equal(shape, []int{3}) || !slices.Equal(flat, []float32{2, 5, 8}) {
		t.Errorf("column view: %v %v %v", flat, shape, err)
	}
	// Row slice view (contiguous, but the backing runs past it).
	row, err := m.Slice(tensor.S(1))
	if err != nil {
		t.Fatal(err)
	}
	flat, shape, err = FlatFromDense(row.(*tensor.Dense))
	if err != nil || !slices.Equal(shape, []int{3}) || !slices.Equal(flat, []float32{4, 5, 6}) {
		t.Errorf("row view: %v %v %v", flat, shape, err)
	}
}

func TestFlatFromDenseErrors(t *testing.T) {
	if _, _, err := FlatFromDense(nil); err == nil {
		t.Errorf("nil accepted")
	}
	f64 := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2}))
	_, _, err := FlatFromDense(f64)
	if err == nil || !strings.Contains(err.Error(), "float64") || !strings.Contains(err.Error(), "want float32") {
		t.Errorf("float64 dense: %v", err)
	}
	i32 := tensor.New(tensor.WithShape(2), tensor.WithBacking([]int32{1, 2}))
	if _, _, err := FlatFromDense(i32); err == nil || !strings.Contains(err.Error(), "int32") {
		t.Errorf("int32 dense: %v", err)
	}
	masked := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2}, []bool{true, false}))
	if _, _, err := FlatFromDense(masked); err == nil || !strings.Contains(err.Error(), "masked") {
		t.Errorf("masked dense: %v", err)
	}
}

func TestDenseFromFlatPanics(t *testing.T) {
	denseMustPanic(t, "needs 6 values, got 5", func() { DenseFromFlat(make([]float32, 5), 2, 3) })
	denseMustPanic(t, "needs 1 values, got 2", func() { DenseFromFlat(make([]float32, 2)) })
	denseMustPanic(t, "negative", func() { DenseFromFlat(nil, -1) })
	denseMustPanic(t, "no elements", func() { DenseFromFlat(nil, 0, 3) })
	denseMustPanic(t, "no elements", func() { (&SafeTensor{Shape: []int{0}}).Dense() })
}

// TestSafetensorsDenseRoundTrip moves a checkpoint tensor through gorgonia
// and back into a file.
func TestSafetensorsDenseRoundTrip(t *testing.T) {
	st := &SafeTensor{Name: "probe", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}
	flat, shape, err := FlatFromDense(st.Dense())
	if err != nil {
		t.Fatal(err)
	}
	src := newSTSource().add("probe", shape, flat)
	var buf strings.Builder
	if err := EncodeSafetensors(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	f, err := ParseSafetensors([]byte(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Tensors["probe"]
	if !slices.Equal(got.Shape, st.Shape) || !slices.Equal(got.Data, st.Data) {
		t.Errorf("got %+v", got)
	}
}
