package termplot

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScatterCorners(t *testing.T) {
	// Four corners and a labelled centre on a 4×2 grid (8×8 dots).
	pts := []Point{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0}, {0.5, 0.5, 'A'}, {math.NaN(), 0, 'X'}}
	lines := Scatter(pts, 4, 2)
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if utf8.RuneCountInString(l) != 4 {
			t.Fatalf("line %q is not 4 runes", l)
		}
	}
	r0, r1 := []rune(lines[0]), []rune(lines[1])
	// Top-left cell: dot (0, 0) = bit 0x01; top-right: dot (1, 0) = 0x08;
	// bottom-left: dot (0, 3) = 0x40; bottom-right: (1, 3) = 0x80.
	if r0[0] != 0x2801 || r0[3] != 0x2808 || r1[0] != 0x2840 || r1[3] != 0x2880 {
		t.Fatalf("corners: %q", lines)
	}
	if !strings.ContainsRune(lines[0]+lines[1], 'A') || strings.ContainsRune(lines[0]+lines[1], 'X') {
		t.Fatalf("labels: %q", lines)
	}
	if a, b := Scatter(pts, 4, 2), Scatter(pts, 4, 2); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatal("not deterministic")
	}
}

func TestBars(t *testing.T) {
	lines := Bars([]Bar{{"a", 1}, {"bb", 0.5}, {"c", 0.0625}, {"d", -1}}, 0, 4, "%.2f")
	want := []string{
		"a  ████ 1.00",
		"bb ██   0.50",
		"c  ▎    0.06",
		"d       -1.00",
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, lines[i], want[i])
		}
	}
}
