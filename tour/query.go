package tour

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"jrx/engine"
	"jrx/tasks"
)

// A query reads one fact from a page's session: a lane's verdict, the
// nearest token at a step, a mixture weight. Expectations compare a query
// with a wanted value; {QUERY} in a say: or inject: line is replaced by
// its value. The queries are listed in docs/TOUR.md (and in queryHelp).
type query struct {
	src   string
	kind  string // lane, truth, target, rival, steps, taken, nearest, embed, cosine, margin, norm, angle, change, mixture, residual, explained, plane
	lane  string // lane queries
	field string // lane and plane queries: the field; mixture: the token reference or "top"
	step  stepRef
}

// stepRef is a step number, or the page's selected step ("sel").
type stepRef struct {
	n   int
	sel bool
}

func (r stepRef) String() string {
	if r.sel {
		return "sel"
	}
	return strconv.Itoa(r.n)
}

// Value kinds.
const (
	numValue = iota + 1
	tokValue
	textValue
)

type value struct {
	kind int
	num  float64
	tok  int
	text string
}

const queryHelp = "lane NAME verdict|left|rejoined|stopped|diverges|correct|tokens|dlatent, lane NAME token N, reasoner dlatent, " +
	"truth N, target, rival N, steps, taken, nearest N, embed N, cosine N, margin N, norm N, angle N, change N, " +
	"mixture N TOKEN|top, residual N, explained N, plane N alpha|beta|dist|rank|correct|sibling"

var laneFields = []string{"verdict", "left", "rejoined", "stopped", "diverges", "correct", "tokens", "dlatent", "token"}
var planeFields = []string{"alpha", "beta", "dist", "rank", "correct", "sibling"}

// parseQuery reads a query from the front of words and returns the words
// after it.
func parseQuery(words []string) (query, []string, error) {
	if len(words) == 0 {
		return query{}, nil, errors.New("empty; want a query (" + queryHelp + ")")
	}
	q := query{kind: strings.ToLower(words[0])}
	need := func(n int, what string) error {
		if len(words) < n {
			return fmt.Errorf("%q wants %s", strings.Join(words, " "), what)
		}
		return nil
	}
	var err error
	used := 1
	switch q.kind {
	case "lane":
		if err = need(3, "a lane and a field: lane NAME verdict"); err != nil {
			return q, nil, err
		}
		q.lane, q.field = strings.ToLower(words[1]), strings.ToLower(words[2])
		if !contains(laneFields, q.field) {
			return q, nil, fmt.Errorf("lane %s: unknown field %q (%s)", q.lane, words[2], strings.Join(laneFields, ", "))
		}
		used = 3
		if q.field == "token" {
			if err = need(4, "a step: lane NAME token N"); err != nil {
				return q, nil, err
			}
			if q.step, err = parseStepRef(words[3]); err != nil {
				return q, nil, err
			}
			used = 4
		}
	case "reasoner":
		if err = need(2, "dlatent: reasoner dlatent"); err != nil {
			return q, nil, err
		}
		if strings.ToLower(words[1]) != "dlatent" {
			return q, nil, fmt.Errorf("reasoner %s: the only field is dlatent (or use lane reasoner …)", words[1])
		}
		q.kind, q.lane, q.field, used = "lane", engine.LaneReasoner, "dlatent", 2
	case "target", "steps", "taken":
	case "truth", "rival", "nearest", "embed", "cosine", "margin", "norm", "angle", "change", "residual", "explained":
		if err = need(2, "a step ("+q.kind+" N)"); err != nil {
			return q, nil, err
		}
		if q.step, err = parseStepRef(words[1]); err != nil {
			return q, nil, err
		}
		used = 2
	case "mixture", "plane":
		what := "a step and a token (mixture N TOKEN, or mixture N top)"
		if q.kind == "plane" {
			what = "a step and a field (plane N " + strings.Join(planeFields, "|") + ")"
		}
		if err = need(3, what); err != nil {
			return q, nil, err
		}
		if q.step, err = parseStepRef(words[1]); err != nil {
			return q, nil, err
		}
		q.field, used = words[2], 3
		if q.kind == "plane" {
			q.field = strings.ToLower(q.field)
			if !contains(planeFields, q.field) {
				return q, nil, fmt.Errorf("plane: unknown field %q (%s)", words[2], strings.Join(planeFields, ", "))
			}
		}
	default:
		return q, nil, fmt.Errorf("unknown query %q (%s)", words[0], queryHelp)
	}
	q.src = strings.Join(words[:used], " ")
	return q, words[used:], nil
}

func parseStepRef(s string) (stepRef, error) {
	if strings.EqualFold(s, "sel") {
		return stepRef{sel: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return stepRef{}, fmt.Errorf("%q is not a step (1 or more, or sel)", s)
	}
	return stepRef{n: n}, nil
}

// Expect is one checkable fact: a query, a comparison and the value wanted.
type Expect struct {
	Src  string
	Line int
	q    query
	op   string
	want []string // alternatives (a|b), or one number
	num  float64
}

var ops = []string{"=", "!=", "<", "<=", ">", ">="}

// ParseExpect reads an expectation: QUERY [OP] VALUE, e.g. "lane baseline
// verdict propagated|recovered", "reasoner dlatent 0", "mixture 2 truth >
// 0.4". Without an OP the comparison is =; alternatives (a|b) are allowed
// with = and !=, numbers with every OP.
func ParseExpect(src string) (Expect, error) {
	e := Expect{Src: strings.Join(strings.Fields(src), " ")}
	q, rest, err := parseQuery(strings.Fields(src))
	if err != nil {
		return e, err
	}
	e.q, e.op = q, "="
	if len(rest) > 0 && contains(ops, rest[0]) {
		e.op, rest = rest[0], rest[1:]
	}
	if len(rest) != 1 {
		return e, fmt.Errorf("%q: after the query %q want one value (or a|b alternatives), e.g. %s = 0", src, q.src, q.src)
	}
	e.want = strings.Split(rest[0], "|")
	for _, w := range e.want {
		if w == "" {
			return e, fmt.Errorf("%q: an empty alternative in %q", src, rest[0])
		}
	}
	if e.op != "=" && e.op != "!=" {
		if len(e.want) != 1 {
			return e, fmt.Errorf("%q: %s compares with one number, not alternatives", src, e.op)
		}
		if e.num, err = strconv.ParseFloat(e.want[0], 64); err != nil || math.IsNaN(e.num) || math.IsInf(e.num, 0) {
			return e, fmt.Errorf("%q: %s wants a number, got %q", src, e.op, e.want[0])
		}
	}
	return e, nil
}

// env is what queries read: the problem, and the session once it exists.
type env struct {
	set   *engine.Set
	prob  tasks.Problem
	vocab tasks.Vocab
	s     *engine.Session // nil while filling in an inject: line
	sum   engine.Summary
	snaps []*engine.Snapshot
	sel   int
}

func (e *env) stepOf(r stepRef) (int, error) {
	t := r.n
	if r.sel {
		t = e.sel
	}
	if n := len(e.prob.Answer()); t < 1 || t > n {
		return 0, fmt.Errorf("step %d is outside the problem's 1..%d", t, n)
	}
	return t, nil
}

// snap is step t's snapshot, or an error when the step is not taken.
func (e *env) snap(r stepRef) (*engine.Snapshot, int, error) {
	t, err := e.stepOf(r)
	if err != nil {
		return nil, 0, err
	}
	if e.s == nil {
		return nil, t, errors.New("only the problem's facts (truth, target, rival, steps) can be used here")
	}
	if t > len(e.snaps) {
		return nil, t, fmt.Errorf("step %d is not taken on this page (%d taken)", t, len(e.snaps))
	}
	return e.snaps[t-1], t, nil
}

func num(x float64) value { return value{kind: numValue, num: x} }
func tok(t int) value     { return value{kind: tokValue, tok: t} }
func text(s string) value { return value{kind: textValue, text: s} }

// target is the answer's last token before the end (the tree's target).
func target(p tasks.Problem) int {
	a := p.Answer()
	if len(a) < 2 {
		return -1
	}
	return a[len(a)-2]
}

// tokenRef reads a token reference at step t: a symbol of the vocabulary,
// truth, target or rival.
func (e *env) tokenRef(ref string, t int) (int, error) {
	switch strings.ToLower(ref) {
	case "truth":
		return e.prob.Answer()[t-1], nil
	case "target":
		return target(e.prob), nil
	case "rival", "sibling":
		if _, r, ok := e.prob.Rival(t); ok {
			return r, nil
		}
		return -1, fmt.Errorf("step %d has no rival", t)
	}
	if id, ok := e.vocab.Lookup(ref); ok {
		return id, nil
	}
	return -1, fmt.Errorf("%q is not a token of the %s task (nor truth, target or rival)", ref, e.set.Task.Name())
}

// eval reads q's value.
func (e *env) eval(q query) (value, error) {
	switch q.kind {
	case "target":
		return tok(target(e.prob)), nil
	case "steps":
		return num(float64(len(e.prob.Answer()))), nil
	case "truth":
		t, err := e.stepOf(q.step)
		if err != nil {
			return value{}, err
		}
		return tok(e.prob.Answer()[t-1]), nil
	case "rival":
		t, err := e.stepOf(q.step)
		if err != nil {
			return value{}, err
		}
		r, err := e.tokenRef("rival", t)
		return tok(r), err
	}
	if e.s == nil {
		return value{}, fmt.Errorf("%s: only the problem's facts (truth, target, rival, steps) can be used here", q.src)
	}
	switch q.kind {
	case "taken":
		return num(float64(len(e.snaps))), nil
	case "lane":
		return e.lane(q)
	case "mixture":
		sn, t, err := e.snap(q.step)
		if err != nil {
			return value{}, err
		}
		if strings.EqualFold(q.field, "top") {
			if len(sn.Mixture.Atoms) == 0 {
				return value{}, fmt.Errorf("step %d's mixture is empty", t)
			}
			return tok(sn.Mixture.Atoms[0].Token), nil
		}
		id, err := e.tokenRef(q.field, t)
		if err != nil {
			return value{}, err
		}
		for _, a := range sn.Mixture.Atoms {
			if a.Token == id {
				return num(a.Weight), nil
			}
		}
		return num(0), nil
	case "plane":
		sn, t, err := e.snap(q.step)
		if err != nil {
			return value{}, err
		}
		p := sn.Probe
		if p == nil {
			return value{}, fmt.Errorf("step %d has no sibling plane", t)
		}
		switch q.field {
		case "alpha":
			return num(p.Alpha), nil
		case "beta":
			return num(p.Beta), nil
		case "dist":
			return num(p.Dist), nil
		case "rank":
			return num(p.RankPct), nil
		case "correct":
			return tok(p.Correct), nil
		default:
			return tok(p.Sibling), nil
		}
	}
	sn, t, err := e.snap(q.step)
	if err != nil {
		return value{}, err
	}
	switch q.kind {
	case "nearest", "cosine":
		if len(sn.NearestTarget) == 0 {
			return value{}, fmt.Errorf("step %d has no nearest tokens", t)
		}
		if q.kind == "nearest" {
			return tok(sn.NearestTarget[0].Token), nil
		}
		return num(sn.NearestTarget[0].Cos), nil
	case "embed":
		if len(sn.NearestEmbed) == 0 {
			return value{}, fmt.Errorf("step %d has no nearest tokens in E", t)
		}
		return tok(sn.NearestEmbed[0].Token), nil
	case "margin":
		return num(sn.Margin), nil
	case "norm":
		return num(sn.PreNorm), nil
	case "angle":
		return num(sn.Angle), nil
	case "change":
		return num(sn.LatentChange), nil
	case "residual":
		return num(sn.Mixture.Residual), nil
	case "explained":
		return num(sn.Mixture.Explained), nil
	}
	return value{}, fmt.Errorf("unknown query %q", q.src)
}

func (e *env) lane(q query) (value, error) {
	var l *engine.Lane
	for i := range e.sum.Lanes {
		ln := &e.sum.Lanes[i]
		info, _ := e.set.LaneByInject(ln.Name)
		if ln.Name == q.lane || strings.EqualFold(info.Label, q.lane) {
			l = ln
		}
	}
	if l == nil {
		var names []string
		for _, info := range e.set.Lanes() {
			names = append(names, info.Name)
		}
		return value{}, fmt.Errorf("no lane %q in this model set (%s)", q.lane, strings.Join(names, ", "))
	}
	switch q.field {
	case "verdict":
		return text(l.Verdict), nil
	case "left":
		return num(float64(l.Left)), nil
	case "rejoined":
		return num(float64(l.Rejoined)), nil
	case "stopped":
		return num(float64(l.Stopped)), nil
	case "diverges":
		return num(float64(l.FirstDivergence)), nil
	case "dlatent":
		return num(l.MaxLatentChange), nil
	case "correct":
		if l.Correct {
			return text("yes"), nil
		}
		return text("no"), nil
	case "tokens":
		var out []string
		for _, t := range l.Tokens {
			out = append(out, e.vocab.Short(t))
		}
		return text(strings.Join(out, " ")), nil
	}
	t, err := e.stepOf(q.step)
	if err != nil {
		return value{}, err
	}
	if t > len(l.Tokens) {
		return value{}, fmt.Errorf("step %d is not taken on this page (%d taken)", t, len(l.Tokens))
	}
	return tok(l.Tokens[t-1]), nil
}

// format writes a value as the commentary shows it.
func (e *env) format(v value) string {
	switch v.kind {
	case numValue:
		x := v.num
		switch {
		case x == math.Trunc(x) && math.Abs(x) < 1e9, math.Abs(x) >= 99.5:
			return strconv.FormatFloat(x, 'f', 0, 64)
		case math.Abs(x) < 0.005:
			return "0.00" // never "-0.00"
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	case tokValue:
		if v.tok < 0 {
			return "?"
		}
		return e.vocab.Short(v.tok)
	}
	return v.text
}

// check evaluates an expectation: nil when it holds, otherwise an error
// that says what the engine gives.
func (e *env) check(x Expect) error {
	v, err := e.eval(x.q)
	if err != nil {
		return err
	}
	got := e.format(v)
	fail := func() error {
		return fmt.Errorf("expected %s %s %s; the engine gives %s", x.q.src, x.op, strings.Join(x.want, "|"), got)
	}
	if x.op != "=" && x.op != "!=" {
		if v.kind != numValue {
			return fmt.Errorf("%s is %s, not a number: compare it with = or !=", x.q.src, got)
		}
		ok := false
		switch x.op {
		case "<":
			ok = v.num < x.num
		case "<=":
			ok = v.num <= x.num
		case ">":
			ok = v.num > x.num
		case ">=":
			ok = v.num >= x.num
		}
		if !ok {
			return fail()
		}
		return nil
	}
	match := false
	for _, w := range x.want {
		m, err := e.matches(v, w, x.q)
		if err != nil {
			return err
		}
		match = match || m
	}
	if match != (x.op == "=") {
		return fail()
	}
	return nil
}

// matches compares a value with one wanted alternative.
func (e *env) matches(v value, want string, q query) (bool, error) {
	switch v.kind {
	case numValue:
		w, err := strconv.ParseFloat(want, 64)
		if err != nil {
			return false, fmt.Errorf("%s is a number; %q is not", q.src, want)
		}
		return v.num == w, nil
	case tokValue:
		t := 1
		if q.step.n > 0 || q.step.sel {
			t, _ = e.stepOf(q.step)
		}
		id, err := e.tokenRef(want, max(1, t))
		if err != nil {
			return false, err
		}
		return v.tok == id, nil
	}
	return strings.EqualFold(v.text, want), nil
}

// checkTemplate checks the syntax of every {QUERY} in s.
func checkTemplate(s string) error {
	_, err := fill(s, func(q query) (string, error) { return "", nil })
	return err
}

// fill replaces every {QUERY} in s with f's value for it.
func fill(s string, f func(q query) (string, error)) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s, '}')
		if i < 0 {
			if j >= 0 {
				return "", errors.New("a } without its {")
			}
			b.WriteString(s)
			return b.String(), nil
		}
		if j < i {
			if j >= 0 {
				return "", errors.New("a } without its {")
			}
			return "", fmt.Errorf("a { without its }: %q", clip(s[i:]))
		}
		q, rest, err := parseQuery(strings.Fields(s[i+1 : j]))
		if err != nil {
			return "", fmt.Errorf("{%s}: %v", s[i+1:j], err)
		}
		if len(rest) > 0 {
			return "", fmt.Errorf("{%s}: %q after the query %q", s[i+1:j], strings.Join(rest, " "), q.src)
		}
		v, err := f(q)
		if err != nil {
			return "", err
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[j+1:]
	}
}
