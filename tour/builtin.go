package tour

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"jrx/assets"
	"jrx/internal/safeio"
)

// Builtin parses the built-in lessons (assets/lessons), in file-name order.
func Builtin() ([]*Lesson, error) {
	names, err := fs.Glob(assets.Lessons, "lessons/*.lesson")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Lesson
	seen := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(assets.Lessons, n)
		if err != nil {
			return nil, err
		}
		l, err := Parse("assets/"+n, b)
		if err != nil {
			return nil, err
		}
		if other, dup := seen[l.Name]; dup {
			return nil, fmt.Errorf("assets/%s: lesson %q is also in %s", n, l.Name, other)
		}
		seen[l.Name] = "assets/" + n
		out = append(out, l)
	}
	return out, nil
}

// List is what jrx tour --list prints: each lesson's number, name, title,
// size and summary.
func List(ls []*Lesson) string {
	var b strings.Builder
	for i, l := range ls {
		fmt.Fprintf(&b, "%d  %-14s %s (%d pages, %d facts checked)\n     %s\n", i+1, l.Name, l.Title, len(l.Pages), l.Expectations(), l.Summary)
	}
	b.WriteString("\nOpen one with: jrx tour NAME (or jrx tour for all of them, in order).\n")
	return b.String()
}

// Open finds what `jrx tour ARG` names: a built-in lesson by name, or a
// lesson file (read through internal/safeio, at most MaxFileSize bytes).
func Open(arg string, builtin []*Lesson) (*Lesson, error) {
	for _, l := range builtin {
		if l.Name == arg {
			return l, nil
		}
	}
	if !strings.ContainsAny(arg, "/\\") && path.Ext(arg) == "" {
		var names []string
		for _, l := range builtin {
			names = append(names, l.Name)
		}
		return nil, fmt.Errorf("no built-in lesson %q (%s; or give a lesson file's path)", arg, strings.Join(names, ", "))
	}
	b, err := safeio.ReadFile(arg, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("lesson file: %w", err)
	}
	return Parse(arg, b)
}
