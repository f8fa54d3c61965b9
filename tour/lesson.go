package tour

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// Lesson is one scripted lesson: a problem, pages that set up a state of
// the explorer (injections, steps taken, selected step) and say what to look
// at, each sentence guarded by the facts it states (Expect).
type Lesson struct {
	// Name is what `jrx tour NAME` opens ("premature-eos").
	Name string
	// Title is its heading; Summary one line for `jrx tour --list`.
	Title, Summary string
	// File is where the lesson was read from ("assets/lessons/…" for a
	// built-in one), for error messages.
	File string
	// Pick, when set, says that Seed is the first seed from 1 at which every
	// expectation of the lesson holds (Pick measures it; a test checks it
	// for the built-in lessons).
	Pick  bool
	Pages []Page

	first Problem // the problem given before the first page
}

// Problem is a page's problem: a seed of the model set's task, or a typed
// problem (its text form) with Seed seeding the noise.
type Problem struct {
	Seed   uint64
	Prompt string
}

// Page is one state of the explorer with its commentary. A page inherits
// the previous page's problem, injections, steps and selection; its own
// lines change them.
type Page struct {
	Title string
	Line  int // the line of its "page:" field
	// Problem is the problem shown.
	Problem Problem
	// Inject are the injections (the engine's grammar; {QUERY} parts are
	// filled in from the problem, e.g. baseline@2={rival 2}).
	Inject []Field
	// Steps is the number of steps taken, -1 for all of them.
	Steps int
	// Select is the selected step, 0 for the last step taken.
	Select int
	// Paras are the commentary's paragraphs.
	Paras []Para
}

// Field is a value with the line it was read from.
type Field struct {
	Text string
	Line int
}

// Para is one paragraph of commentary and the expectations that guard it:
// when one fails, the tour shows a warning instead of the paragraph.
type Para struct {
	Text    string // may hold {QUERY} parts, filled in from the engine
	Line    int
	Expects []Expect
}

// Error is a lesson file's error: the file, the line and what is wrong.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// MaxFileSize caps a lesson file (read with internal/safeio).
const MaxFileSize = 256 << 10

// maxPages and maxLineLen bound what a lesson may hold.
const (
	maxPages   = 64
	maxLineLen = 4096
)

// lessonFields are the fields before the first page; pageFields those of a
// page.
var (
	lessonFields = []string{"lesson", "title", "summary", "seed", "prompt", "pick"}
	pageFields   = []string{"page", "seed", "prompt", "inject", "steps", "select", "say", "expect"}
)

// Parse reads a lesson in the text format of docs/TOUR.md. file names it
// in errors. It checks the syntax of every line, including every
// expectation's and every {QUERY}'s; Check checks the lesson against a model
// set.
func Parse(file string, src []byte) (*Lesson, error) {
	l := &Lesson{File: file}
	bad := func(line int, format string, a ...any) error {
		return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	type raw struct {
		key, val string
		line     int
	}
	var lines []raw
	sc := bufio.NewScanner(strings.NewReader(string(src)))
	sc.Buffer(make([]byte, 0, 64<<10), maxLineLen+1)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if strings.ContainsRune(text, '\t') {
			text = strings.ReplaceAll(text, "\t", "    ")
		}
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if text[0] == ' ' { // a continuation line
			if len(lines) == 0 {
				return nil, bad(n, "an indented line continues a field, but no field comes before it")
			}
			last := &lines[len(lines)-1]
			if last.key != "say" && last.key != "summary" {
				return nil, bad(n, "only say: and summary: continue on indented lines (this one follows %s:)", last.key)
			}
			last.val += " " + trimmed
			continue
		}
		key, val, ok := strings.Cut(trimmed, ":")
		if !ok {
			return nil, bad(n, "want FIELD: VALUE (a field such as page:, say: or expect:), got %q", clip(trimmed))
		}
		lines = append(lines, raw{strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val), n})
	}
	if err := sc.Err(); err != nil {
		return nil, bad(n+1, "a line is longer than %d bytes", maxLineLen)
	}

	var page *Page
	seedSet := false
	for _, r := range lines {
		if page == nil && r.key != "page" {
			if !contains(lessonFields, r.key) {
				if contains(pageFields, r.key) {
					return nil, bad(r.line, "%s: belongs to a page; start one with page: TITLE", r.key)
				}
				return nil, bad(r.line, "unknown field %q (before the first page: %s)", r.key, strings.Join(lessonFields, ", "))
			}
		} else if page != nil && !contains(pageFields, r.key) {
			if contains(lessonFields, r.key) {
				return nil, bad(r.line, "%s: belongs before the first page", r.key)
			}
			return nil, bad(r.line, "unknown field %q (on a page: %s)", r.key, strings.Join(pageFields, ", "))
		}
		if r.val == "" && r.key != "inject" {
			return nil, bad(r.line, "%s: has no value", r.key)
		}
		switch r.key {
		case "lesson":
			if !isName(r.val) {
				return nil, bad(r.line, "lesson: %q is not a name (lower-case letters, digits and -)", clip(r.val))
			}
			l.Name = r.val
		case "title":
			l.Title = r.val
		case "summary":
			l.Summary = r.val
		case "pick":
			if r.val != "first" {
				return nil, bad(r.line, "pick: the only value is first (the seed is the first from 1 where every expect holds)")
			}
			l.Pick = true
		case "seed", "prompt":
			var p Problem
			if r.key == "seed" {
				s, err := strconv.ParseUint(r.val, 10, 64)
				if err != nil || s == 0 {
					return nil, bad(r.line, "seed: want a whole number from 1, got %q", clip(r.val))
				}
				p.Seed = s
			} else {
				p.Prompt = r.val
				p.Seed = 1
			}
			if page == nil {
				l.problem(p)
				seedSet = true
			} else {
				page.Problem = p
			}
		case "page":
			if len(l.Pages) == maxPages {
				return nil, bad(r.line, "more than %d pages", maxPages)
			}
			next := Page{Title: r.val, Line: r.line, Steps: -1}
			if page != nil {
				next.Problem, next.Inject, next.Steps, next.Select = page.Problem, page.Inject, page.Steps, page.Select
			} else {
				if !seedSet {
					return nil, bad(r.line, "the lesson has no problem: give seed: N or prompt: TEXT before the first page")
				}
				next.Problem = l.first
			}
			l.Pages = append(l.Pages, next)
			page = &l.Pages[len(l.Pages)-1]
		case "inject":
			switch strings.ToLower(r.val) {
			case "none", "":
				page.Inject = nil
			default:
				if err := checkTemplate(r.val); err != nil {
					return nil, bad(r.line, "inject: %v", err)
				}
				page.Inject = append(page.Inject[:len(page.Inject):len(page.Inject)], Field{r.val, r.line})
			}
		case "steps":
			if r.val == "end" {
				page.Steps = -1
				break
			}
			s, err := strconv.Atoi(r.val)
			if err != nil || s < 0 {
				return nil, bad(r.line, "steps: want a number of steps (0 or more) or end, got %q", clip(r.val))
			}
			page.Steps = s
		case "select":
			s, err := strconv.Atoi(r.val)
			if err != nil || s < 0 {
				return nil, bad(r.line, "select: want a step number (1 or more; 0 = the last step taken), got %q", clip(r.val))
			}
			page.Select = s
		case "say":
			if err := checkTemplate(r.val); err != nil {
				return nil, bad(r.line, "say: %v", err)
			}
			page.Paras = append(page.Paras, Para{Text: r.val, Line: r.line})
		case "expect":
			if len(page.Paras) == 0 {
				return nil, bad(r.line, "expect: guards the say: paragraph above it, and this page has none yet")
			}
			e, err := ParseExpect(r.val)
			if err != nil {
				return nil, bad(r.line, "expect: %v", err)
			}
			e.Line = r.line
			p := &page.Paras[len(page.Paras)-1]
			p.Expects = append(p.Expects, e)
		}
	}
	switch {
	case l.Name == "":
		return nil, bad(0, "no lesson: NAME line")
	case l.Title == "":
		return nil, bad(0, "no title: line")
	case len(l.Pages) == 0:
		return nil, bad(0, "no pages (a page starts with page: TITLE)")
	}
	for _, p := range l.Pages {
		if p.Select > 0 && p.Steps >= 0 && p.Select > p.Steps {
			return nil, bad(p.Line, "page %q selects step %d but takes only %d steps", p.Title, p.Select, p.Steps)
		}
		if len(p.Paras) == 0 {
			return nil, bad(p.Line, "page %q says nothing (add a say: line)", p.Title)
		}
	}
	return l, nil
}

// Seed is the lesson's first problem's seed.
func (l *Lesson) Seed() uint64 { return l.first.Seed }

func (l *Lesson) problem(p Problem) { l.first = p }

// WithSeed is the lesson on the problem of seed instead of its own first
// problem (pages that name their own problem keep it).
func (l *Lesson) WithSeed(seed uint64) *Lesson {
	c := *l
	c.Pages = append([]Page(nil), l.Pages...)
	for i := range c.Pages {
		if c.Pages[i].Problem == l.first {
			c.Pages[i].Problem.Seed = seed
		}
	}
	c.first.Seed = seed
	return &c
}

// Expectations counts the lesson's expectations.
func (l *Lesson) Expectations() int {
	n := 0
	for _, p := range l.Pages {
		for _, para := range p.Paras {
			n += len(para.Expects)
		}
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// clip shortens what a user wrote for an error message.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		return string(r[:57]) + "…"
	}
	return s
}
