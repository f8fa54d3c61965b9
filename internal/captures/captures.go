package captures

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jrx/app"
	"jrx/engine"
	"jrx/tour"
)

// Spec is one capture: the command line after "jrx", the keys pressed
// after it opens, the terminal size, and (optionally) the name of the
// measurement that chose its --seed (Seeds).
type Spec struct {
	Args []string
	Keys []string
	W, H int
	Seed string
}

// Start and End delimit a capture in Markdown.
const (
	startPrefix = "<!-- capture: "
	End         = "<!-- /capture -->"
)

var markerRe = regexp.MustCompile(`^<!-- capture: (.*?) -->$`)

// ParseMarker reads a capture's opening marker:
//
//	<!-- capture: jrx --seed 1 | keys: → → b . | size: 120x40 | seed: flagship -->
//
// The command comes first; keys, size and seed follow, separated by " | ".
// keys are separated by spaces: → ← ↑ ↓ enter esc space tab bs home end
// pgup pgdn name keys, anything else is typed as it is. size defaults to
// 120x40.
func ParseMarker(line string) (Spec, error) {
	m := markerRe.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return Spec{}, fmt.Errorf("not a capture marker: %q", line)
	}
	parts := strings.Split(m[1], " | ")
	s := Spec{W: 120, H: 40}
	args, err := splitArgs(parts[0])
	if err != nil {
		return s, err
	}
	if len(args) == 0 || args[0] != "jrx" {
		return s, fmt.Errorf("capture %q: the command must start with jrx", parts[0])
	}
	s.Args = args[1:]
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok {
			return s, fmt.Errorf("capture %q: want keys:, size: or seed:, got %q", m[1], p)
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "keys":
			s.Keys = strings.Fields(v)
			for _, key := range s.Keys {
				if _, ok := named[key]; !ok && utf8.RuneCountInString(key) != 1 {
					return s, fmt.Errorf("capture %q: unknown key %q", m[1], key)
				}
			}
		case "size":
			w, h, ok := strings.Cut(v, "x")
			var e1, e2 error
			s.W, e1 = strconv.Atoi(w)
			s.H, e2 = strconv.Atoi(h)
			if !ok || e1 != nil || e2 != nil || s.W < 1 || s.H < 1 {
				return s, fmt.Errorf("capture %q: size %q is not WxH", m[1], v)
			}
		case "seed":
			if _, ok := Seeds[v]; !ok {
				return s, fmt.Errorf("capture %q: no seed measurement %q", m[1], v)
			}
			s.Seed = v
		default:
			return s, fmt.Errorf("capture %q: unknown part %q", m[1], k)
		}
	}
	return s, nil
}

// Marker writes s's opening marker.
func (s Spec) Marker() string {
	parts := []string{"jrx " + joinArgs(s.Args)}
	if len(s.Keys) > 0 {
		parts = append(parts, "keys: "+strings.Join(s.Keys, " "))
	}
	parts = append(parts, fmt.Sprintf("size: %dx%d", s.W, s.H))
	if s.Seed != "" {
		parts = append(parts, "seed: "+s.Seed)
	}
	return startPrefix + strings.Join(parts, " | ") + " -->"
}

// SeedArg is the value of the command's --seed, 0 when it has none.
func (s Spec) SeedArg() uint64 {
	for i, a := range s.Args {
		if a == "--seed" && i+1 < len(s.Args) {
			n, _ := strconv.ParseUint(s.Args[i+1], 10, 64)
			return n
		}
	}
	return 0
}

// WithSeed is s with --seed n.
func (s Spec) WithSeed(n uint64) Spec {
	args := append([]string(nil), s.Args...)
	for i, a := range args {
		if a == "--seed" && i+1 < len(args) {
			args[i+1] = strconv.FormatUint(n, 10)
			s.Args = args
			return s
		}
	}
	s.Args = append(args, "--seed", strconv.FormatUint(n, 10))
	return s
}

// splitArgs splits a command line on spaces; single quotes keep a part
// together.
func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, has := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			in, has = !in, true
		case r == ' ' && !in:
			if has {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if in {
		return nil, fmt.Errorf("an unclosed quote in %q", s)
	}
	if has {
		out = append(out, cur.String())
	}
	return out, nil
}

func joinArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.IndexFunc(a, func(r rune) bool { return !shellSafe(r) }) >= 0 {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// shellSafe runes need no quotes in a shell command line.
func shellSafe(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=@:+%", r)
}

// named maps the marker's key names to key presses and to tmux's names.
var named = map[string]struct {
	code rune
	tmux string
}{
	"→": {tea.KeyRight, "Right"}, "←": {tea.KeyLeft, "Left"}, "↑": {tea.KeyUp, "Up"}, "↓": {tea.KeyDown, "Down"},
	"enter": {tea.KeyEnter, "Enter"}, "esc": {tea.KeyEscape, "Escape"}, "space": {tea.KeySpace, "Space"},
	"tab": {tea.KeyTab, "Tab"}, "bs": {tea.KeyBackspace, "BSpace"}, "home": {tea.KeyHome, "Home"},
	"end": {tea.KeyEnd, "End"}, "pgup": {tea.KeyPgUp, "PPage"}, "pgdn": {tea.KeyPgDown, "NPage"},
}

// KeyMsg is the key press a marker's key names.
func KeyMsg(k string) tea.KeyPressMsg {
	if n, ok := named[k]; ok {
		if n.code == tea.KeySpace {
			return tea.KeyPressMsg{Code: n.code, Text: " "}
		}
		return tea.KeyPressMsg{Code: n.code}
	}
	r, _ := utf8.DecodeRuneInString(k)
	msg := tea.KeyPressMsg{Code: r, Text: k}
	if r >= 'A' && r <= 'Z' {
		msg.Code, msg.ShiftedCode, msg.Mod = r-'A'+'a', r, tea.ModShift
	}
	return msg
}

// TmuxKey is the tmux send-keys argument for a marker's key.
func TmuxKey(k string) string {
	if n, ok := named[k]; ok {
		return n.tmux
	}
	return k
}

// Options is what `jrx ARGS` opens: the app's options for the explorer or
// the tour, made the way cmd/jrx makes them (explore.go, tour.go), with the
// model set already loaded.
func Options(set *engine.Set, args []string) (app.Options, error) {
	load := func(string) (*engine.Set, error) { return set, nil }
	cmd := "explore"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "explore":
		o := app.Options{Load: load}
		for i := 0; i < len(args); i++ {
			if i+1 >= len(args) {
				return o, fmt.Errorf("%s wants a value", args[i])
			}
			switch args[i] {
			case "--seed":
				n, err := strconv.ParseUint(args[i+1], 10, 64)
				if err != nil || n == 0 {
					return o, fmt.Errorf("--seed %q", args[i+1])
				}
				o.Seed = n
			case "--prompt":
				o.Prompt = args[i+1]
			case "--task":
				// Another task's embedded set, loaded as cmd/jrx loads it.
				task := args[i+1]
				if _, err := engine.LoadTask("", task); err != nil {
					return o, err
				}
				o.Load = func(string) (*engine.Set, error) { return engine.LoadTask("", task) }
			default:
				return o, fmt.Errorf("a capture of jrx explore takes --seed, --prompt and --task, not %s", args[i])
			}
			i++
		}
		if o.Seed == 0 {
			return o, errors.New("a capture of the explorer needs --seed (a random problem would not reproduce)")
		}
		return o, nil
	case "tour":
		ls, err := tour.Builtin()
		if err != nil {
			return app.Options{}, err
		}
		start := 0
		if len(args) > 1 {
			return app.Options{}, fmt.Errorf("a capture of jrx tour takes one lesson name, not %v", args)
		}
		if len(args) == 1 {
			l, err := tour.Open(args[0], ls)
			if err != nil {
				return app.Options{}, err
			}
			start = -1
			for i, x := range ls {
				if x == l {
					start = i
				}
			}
			if start < 0 {
				ls, start = []*tour.Lesson{l}, 0
			}
		}
		return app.Options{Seed: ls[start].Seed(), Load: load, Tour: &app.TourStart{Lessons: ls, Lesson: start}}, nil
	}
	return app.Options{}, fmt.Errorf("captures are of jrx explore and jrx tour, not jrx %s", cmd)
}

// Render is what the binary draws for s (or, for `jrx tour --list`, what
// it prints): the explorer or the tour opened
// as `jrx ARGS` would open it, on a terminal of W × H, after each key
// has been handled and the work it started has finished, as text (the
// colours dropped, trailing spaces trimmed: what tmux capture-pane -p
// shows).
func Render(set *engine.Set, s Spec) (string, error) {
	if strings.Join(s.Args, " ") == "tour --list" { // the one command-line output captured
		ls, err := tour.Builtin()
		if err != nil {
			return "", err
		}
		return strings.TrimRight(tour.List(ls), "\n"), nil
	}
	opts, err := Options(set, s.Args)
	if err != nil {
		return "", err
	}
	m := app.New(opts)
	m.Update(tea.WindowSizeMsg{Width: s.W, Height: s.H})
	if drain(m, m.Init()) {
		return "", errors.New("the app quit while opening")
	}
	for _, k := range s.Keys {
		_, cmd := m.Update(KeyMsg(k))
		if drain(m, cmd) {
			return "", fmt.Errorf("key %q quits the app", k)
		}
	}
	if msg, isErr := m.Status(); isErr {
		return "", fmt.Errorf("the app reports an error: %s", msg)
	}
	return Text(m.View().Content), nil
}

// Text is a screen as tmux capture-pane -p shows it: no colours, no
// trailing spaces, no trailing empty lines.
func Text(screen string) string {
	lines := strings.Split(ansi.Strip(screen), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// drain runs cmd and every command that follows, feeding the messages to
// m, synchronously; it reports whether the app asked to quit.
func drain(m *app.Model, cmd tea.Cmd) bool {
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0 && n < 10000; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			return true
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
	return false
}
