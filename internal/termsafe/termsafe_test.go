package termsafe

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStringAndLine(t *testing.T) {
	cases := []struct{ in, str, line string }{
		{"plain text, ünïcode ✓", "plain text, ünïcode ✓", "plain text, ünïcode ✓"},
		{"", "", ""},
		{"clear\x1b[2Jscreen", `clear\x1b[2Jscreen`, `clear\x1b[2Jscreen`},
		{"title\x1b]0;owned\x07", `title\x1b]0;owned\x07`, `title\x1b]0;owned\x07`},
		{"two\nlines\tand tab", "two\nlines\tand tab", `two\x0alines\x09and tab`},
		{"over\rwrite", `over\x0dwrite`, `over\x0dwrite`},
		{"del\x7f", `del\x7f`, `del\x7f`},
		{"c1 csi \u009b2J", `c1 csi \u009b2J`, `c1 csi \u009b2J`},
		{"rtl \u202eevil", `rtl \u202eevil`, `rtl \u202eevil`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`, `bad \xff\xfe utf8`},
		{"nul\x00", `nul\x00`, `nul\x00`},
	}
	for _, c := range cases {
		if got := String(c.in); got != c.str {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.str)
		}
		if got := Line(c.in); got != c.line {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
		}
	}
}

// randomText mixes printable ASCII, controls, C1, bidi, multi-byte and
// invalid bytes.
func randomText(rng *rand.Rand) string {
	pool := []string{"a", "Z", "[", "\\", "\"", "é", "✓", "\x1b", "\x07", "\r", "\n", "\t", "\x00", "\x7f",
		"\u0085", "\u009b", "\u009d", "\u202e", "\u2066", "\u2028", "\xff", "\xc2", "😀"}
	var b strings.Builder
	for range rng.IntN(40) {
		b.WriteString(pool[rng.IntN(len(pool))])
	}
	return b.String()
}

func TestNothingUnsafeGetsThrough(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		s := randomText(rng)
		for name, out := range map[string]string{"String": String(s), "Line": Line(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q: invalid UTF-8", name, s, out)
			}
			for _, r := range out {
				if r == '\n' || r == '\t' {
					if name == "Line" {
						t.Fatalf("Line(%q) = %q keeps a %q", s, out, r)
					}
					continue
				}
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029 {
					t.Fatalf("%s(%q) = %q lets %U through", name, s, out, r)
				}
			}
		}
	}
}

func TestJSONKeepsMeaning(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		s := randomText(rng)
		b, err := json.Marshal(map[string]any{"k" + s: []string{s, "x"}})
		if err != nil {
			t.Fatal(err)
		}
		out := JSON(b)
		if !json.Valid(out) {
			t.Fatalf("JSON(%s) = %s is not valid JSON", b, out)
		}
		var a, z any
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &z); err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a)
		jz, _ := json.Marshal(z)
		if string(ja) != string(jz) {
			t.Fatalf("JSON changed the meaning of %s: %s", b, out)
		}
		if String(string(out)) != string(out) {
			t.Fatalf("JSON(%s) = %s still holds something String would escape", b, out)
		}
	}
	// Whitespace between tokens is kept, and raw invalid bytes inside a
	// string read as U+FFFD, as a decoder reads them.
	if got := string(JSON([]byte("{\n\t\"a\": \"\xff\u009b\"\r\n}"))); got != "{\n\t\"a\": \"\\ufffd\\u009b\"\r\n}" {
		t.Fatalf("got %q", got)
	}
}
