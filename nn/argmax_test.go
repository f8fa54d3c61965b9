package nn

import (
	"math"
	"testing"
)

func TestArgmax(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		v    []float32
		want int
	}{
		{nil, 0},
		{[]float32{1}, 0},
		{[]float32{1, 3, 2}, 1},
		{[]float32{3, 3, 1}, 0},
		{[]float32{-1e4, -2e4, -5e3}, 2},
		{[]float32{nan, 1, 2}, 2},
		{[]float32{1, nan, 0}, 0},
	}
	for _, c := range cases {
		if got := Argmax(c.v); got != c.want {
			t.Errorf("Argmax(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}
