package captures

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"jrx/engine"
	"jrx/internal/safeio"
)

// Capture is one capture found in a Markdown file.
type Capture struct {
	File string
	Line int // the opening marker's line (1-based)
	Spec Spec
	// Body is the text between the code fences now in the file.
	Body string
	// start and end are the marker lines' indices.
	start, end int
}

// Files are the Markdown files whose captures make docs regenerates:
// README.md and docs/*.md under root.
func Files(root string) ([]string, error) {
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	sort.Strings(docs)
	return append([]string{filepath.Join(root, "README.md")}, docs...), nil
}

// Scan finds the captures of a Markdown text. Each is an opening marker,
// a fenced code block, and the closing marker.
func Scan(file, text string) ([]Capture, error) {
	lines := strings.Split(text, "\n")
	var out []Capture
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(strings.TrimSpace(l), End) {
			return nil, fmt.Errorf("%s:%d: %s without its opening marker", file, i+1, End)
		}
		if !strings.HasPrefix(strings.TrimSpace(l), startPrefix) {
			continue
		}
		spec, err := ParseMarker(l)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, i+1, err)
		}
		c := Capture{File: file, Line: i + 1, Spec: spec, start: i, end: -1}
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimSpace(lines[j]) == End {
				c.end = j
				break
			}
			if strings.HasPrefix(strings.TrimSpace(lines[j]), startPrefix) {
				break
			}
		}
		if c.end < 0 {
			return nil, fmt.Errorf("%s:%d: the capture has no %s", file, i+1, End)
		}
		body := lines[i+1 : c.end]
		if len(body) < 2 || !strings.HasPrefix(body[0], "```") || body[len(body)-1] != "```" {
			return nil, fmt.Errorf("%s:%d: a capture holds one fenced code block (``` … ```) and nothing else", file, i+1)
		}
		c.Body = strings.Join(body[1:len(body)-1], "\n")
		out = append(out, c)
		i = c.end
	}
	return out, nil
}

// Result is a capture checked against what the binary draws now.
type Result struct {
	Capture
	Want string // what the binary draws now
	// SeedWant is the seed the capture's measurement picks (0 without one).
	SeedWant uint64
	Err      error
}

// Stale reports whether the file's capture differs from what the binary
// draws (or its seed from what its measurement picks).
func (r Result) Stale() bool {
	return r.Err == nil && (r.Body != r.Want || (r.SeedWant != 0 && r.SeedWant != r.Spec.SeedArg()))
}

// Check renders every capture of the files with the model set and
// compares it with the file. Captures with a seed measurement are
// rendered at the measured seed.
func Check(ctx context.Context, set *engine.Set, files []string) ([]Result, error) {
	var out []Result
	seeds := map[string]uint64{}
	for _, f := range files {
		b, err := safeio.ReadFile(f, 4<<20)
		if err != nil {
			return nil, err
		}
		cs, err := Scan(f, string(b))
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			r := Result{Capture: c}
			spec := c.Spec
			if spec.Seed != "" {
				seed, ok := seeds[spec.Seed]
				if !ok {
					if seed, err = MeasureSeed(ctx, set, spec.Seed); err != nil {
						return nil, err
					}
					seeds[spec.Seed] = seed
				}
				r.SeedWant = seed
				spec = spec.WithSeed(seed)
			}
			r.Want, r.Err = Render(set, spec)
			out = append(out, r)
		}
	}
	return out, nil
}

// Update rewrites the files' stale captures (their markers too, when a
// measured seed changed) and returns what it rewrote.
func Update(ctx context.Context, set *engine.Set, files []string) ([]Result, error) {
	rs, err := Check(ctx, set, files)
	if err != nil {
		return nil, err
	}
	byFile := map[string][]Result{}
	var changed []Result
	for _, r := range rs {
		if r.Err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.File, r.Line, r.Err)
		}
		if r.Stale() {
			byFile[r.File] = append(byFile[r.File], r)
			changed = append(changed, r)
		}
	}
	for f, rs := range byFile {
		b, err := safeio.ReadFile(f, 4<<20)
		if err != nil {
			return nil, err
		}
		lines := strings.Split(string(b), "\n")
		// From the last capture to the first, so indices stay valid.
		for i := len(rs) - 1; i >= 0; i-- {
			r := rs[i]
			spec := r.Spec
			if r.SeedWant != 0 {
				spec = spec.WithSeed(r.SeedWant)
			}
			repl := append([]string{spec.Marker(), "```"}, strings.Split(r.Want, "\n")...)
			repl = append(repl, "```", End)
			lines = append(lines[:r.start], append(repl, lines[r.end+1:]...)...)
		}
		if err := safeio.WriteBytes(f, []byte(strings.Join(lines, "\n"))); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

// Diff is a short description of how a stale capture differs.
func (r Result) Diff() string {
	if r.SeedWant != 0 && r.SeedWant != r.Spec.SeedArg() {
		return fmt.Sprintf("its marker says --seed %d; the measurement %q picks %d", r.Spec.SeedArg(), r.Spec.Seed, r.SeedWant)
	}
	got, want := strings.Split(r.Body, "\n"), strings.Split(r.Want, "\n")
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("first difference at line %d of the capture:\n  file:   %q\n  binary: %q", i+1, g, w)
		}
	}
	return ""
}
