package engine

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"jrx/tasks"
)

// Kind is what an injection does.
type Kind int

const (
	// Force forces a lane's token at a step (Injection.Lane names the lane
	// by its injection name: "talker" for the Dual-Talker, "baseline"). The
	// lane's later tokens read the forced one: it stays in the coupled
	// baseline's context, and the Dual-Talker decodes on from it. The
	// Reasoner never reads it.
	Force Kind = iota + 1
	// InputCorrupt replaces a fraction of the prompt's letters with other
	// letters (seeded), for every model.
	InputCorrupt
	// Noise adds Gaussian noise of σ = Sigma × max|component| to the latent
	// at a step (or every step) and renormalises it onto the sphere.
	Noise
	// Surgery replaces the latent at a step with L2(Σ w·Ē[token]).
	Surgery
	// ThoughtNoise adds Gaussian noise of σ = Sigma × max|component| to
	// COCONUT's continuous thought at a step (or every thought), without
	// renormalising (thoughts are raw hidden states). Spec thought@T:S,
	// thought:S.
	ThoughtNoise
)

// MixTerm is one weighted token of a latent surgery.
type MixTerm struct {
	Weight float64 `json:"weight"`
	Token  int     `json:"token"`
	Sym    string  `json:"sym"` // Token as the vocabulary spells it
}

// Injection is one recorded intervention. Steps count from 1 (the first
// latent); Step 0 with Noise means every step.
type Injection struct {
	Kind Kind
	// Lane is the forced lane's injection name (Force only; see
	// LaneInfo.Inject).
	Lane  string
	Step  int
	Token int
	Sym   string // Token as the vocabulary spells it (Force)
	Frac  float64
	Sigma float64
	Mix   []MixTerm
	// Hyp is a fork's hypothesis (Fork only; see Fork).
	Hyp int
}

// ForceToken is the injection that forces tok into the lane whose
// injection name is lane at step t.
func ForceToken(lane string, t, tok int, v tasks.Vocab) Injection {
	return Injection{Kind: Force, Lane: lane, Step: t, Token: tok, Sym: v.Sym(tok)}
}

// Reaches reports whether the injection can change the lane's tokens:
// forcing reaches its own lane, input corruption every lane (all read the
// prompt), noise and surgery the lanes that read latents.
func (in Injection) Reaches(l LaneInfo) bool {
	switch in.Kind {
	case Force:
		return l.Inject != "" && in.Lane == l.Inject
	case InputCorrupt:
		return in.Frac > 0
	case Noise, Surgery, Fork:
		return l.ReadsLatents
	case ThoughtNoise:
		return l.Thinks
	}
	return false
}

// injectNames lists the injection names of the set's lanes, for errors.
func injectNames(set *Set) string {
	var out []string
	for _, l := range set.Lanes() {
		if l.Inject != "" {
			out = append(out, l.Inject)
		}
	}
	return strings.Join(out, ", ")
}

// Grammar is the injection syntax, for help texts.
const Grammar = `talker@T=X       force the Dual-Talker's token at step T to X (its later tokens read it)
baseline@T=X     force the coupled baseline's token at step T to X (it stays in its context)
input:P          replace a fraction P (0 < P ≤ 1, or N%) of the prompt's letters with wrong ones
noise@T:S        Gaussian noise of σ = S × max|component| on the latent at step T (0 < S ≤ 100)
noise:S          the same at every step
thought@T:S      the same on COCONUT's continuous thought at step T (thought:S: every thought)
latent@T=0.6*O+0.4*L
                 latent surgery: replace step T's latent with that mixture of
                 target-table embeddings, renormalised; later steps are recomputed.
                 Weights are decimals (1e-5 and -0.5 work; 0 or 1e-6..1e6 in size);
                 a mixture that cancels out (0*O, 0.5*O-0.5*O) is refused
Steps count from 1; X, O, L are tokens (letters A–Z, or [EOS]).`

// ParseInjection reads one injection spec; tokens are read with v (the
// model set's task vocabulary). Errors quote the spec and say what is
// wrong. A forced lane's name is checked against the model set when a
// session is made.
func ParseInjection(spec string, v tasks.Vocab) (Injection, error) {
	s := strings.TrimSpace(spec)
	bad := func(format string, a ...any) (Injection, error) {
		return Injection{}, fmt.Errorf("injection %q: %s", spec, fmt.Sprintf(format, a...))
	}
	name, rest, sep := cut(s)
	if name == "fork" {
		return parseFork(spec, rest, sep, v)
	}
	switch name {
	case "input", "noise", "thought", "latent", "":
	default:
		if !isLaneName(name) || sep == ':' {
			return bad("unknown kind %q (talker, baseline, input, noise or latent)", name)
		}
		if sep != '@' {
			return bad("want %s@STEP=TOKEN", name)
		}
		stepStr, tokStr, ok := strings.Cut(rest, "=")
		if !ok {
			return bad("missing '=TOKEN' (e.g. %s@2=B)", name)
		}
		step, err := parseStep(stepStr)
		if err != nil {
			return bad("%v", err)
		}
		tok, err := parseToken(tokStr, v)
		if err != nil {
			return bad("%v", err)
		}
		return ForceToken(name, step, tok, v), nil
	}
	switch name {
	case "input":
		if sep != ':' {
			return bad("want input:FRACTION (e.g. input:0.1 or input:10%%)")
		}
		f, err := parseFrac(rest)
		if err != nil {
			return bad("%v", err)
		}
		if f > 1 {
			return bad("fraction %g is more than 1", f)
		}
		if f == 0 {
			return bad("fraction 0 corrupts nothing; give a fraction above 0 (e.g. input:0.1)")
		}
		return Injection{Kind: InputCorrupt, Frac: f}, nil
	case "noise", "thought":
		step := 0
		sigma := rest
		if sep == '@' {
			st, sg, ok := strings.Cut(rest, ":")
			if !ok {
				return bad("missing ':SIGMA' (e.g. %s@2:0.1)", name)
			}
			var err error
			if step, err = parseStep(st); err != nil {
				return bad("%v", err)
			}
			sigma = sg
		} else if sep != ':' {
			return bad("want %s:SIGMA or %s@STEP:SIGMA", name, name)
		}
		f, err := parseFrac(sigma)
		if err != nil {
			return bad("%v", err)
		}
		if f > 100 {
			return bad("sigma %g is out of range (0..100)", f)
		}
		if f == 0 {
			eg := name + ":0.1"
			if step > 0 {
				eg = fmt.Sprintf("%s@%d:0.1", name, step)
			}
			return bad("sigma 0 adds no noise; give a sigma above 0 (e.g. %s)", eg)
		}
		if name == "thought" {
			return Injection{Kind: ThoughtNoise, Step: step, Sigma: f}, nil
		}
		return Injection{Kind: Noise, Step: step, Sigma: f}, nil
	case "latent":
		if sep != '@' {
			return bad("want latent@STEP=W*TOKEN+W*TOKEN")
		}
		stepStr, expr, ok := strings.Cut(rest, "=")
		if !ok {
			return bad("missing '=MIXTURE' (e.g. latent@2=0.6*O+0.4*L)")
		}
		step, err := parseStep(stepStr)
		if err != nil {
			return bad("%v", err)
		}
		mix, err := parseMix(expr, v)
		if err != nil {
			return bad("%v", err)
		}
		return Injection{Kind: Surgery, Step: step, Mix: mix}, nil
	}
	return bad("empty")
}

// isLaneName reports whether s can name a lane: a letter, then letters,
// digits, '-' or '_'.
func isLaneName(s string) bool {
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '_')
		if !ok {
			return false
		}
	}
	return s != ""
}

// cut splits "name@rest" or "name:rest".
func cut(s string) (name, rest string, sep byte) {
	i := strings.IndexAny(s, "@:")
	if i < 0 {
		return strings.ToLower(s), "", 0
	}
	return strings.ToLower(strings.TrimSpace(s[:i])), strings.TrimSpace(s[i+1:]), s[i]
}

func parseStep(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 1<<16 {
		return 0, fmt.Errorf("step %q is not a whole number ≥ 1", s)
	}
	return n, nil
}

func parseToken(s string, v tasks.Vocab) (int, error) {
	s = strings.TrimSpace(s)
	if id, ok := v.Lookup(s); ok {
		return id, nil
	}
	return 0, fmt.Errorf("unknown token %q (the vocabulary: %s)", s, vocabList(v))
}

// vocabList spells a vocabulary for an error message, runs of single
// letters as a range ("A–Z").
func vocabList(v tasks.Vocab) string {
	syms := v.Symbols()
	var out []string
	for i := 0; i < len(syms); {
		j := i
		for j+1 < len(syms) && len(syms[j]) == 1 && len(syms[j+1]) == 1 && syms[j+1][0] == syms[j][0]+1 {
			j++
		}
		if j-i >= 2 {
			out = append(out, syms[i]+"–"+syms[j])
		} else {
			out = append(out, syms[i:j+1]...)
		}
		i = j + 1
	}
	return strings.Join(out, " ")
}

// parseFrac reads "0.1" or "10%".
func parseFrac(s string) (float64, error) {
	s = strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(s, "%") {
		s, scale = strings.TrimSuffix(s, "%"), 0.01
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, fmt.Errorf("%q is not a non-negative number", s)
	}
	return f * scale, nil
}

// Bounds of a surgery's weights. A mixture is renormalised, so only the
// ratios of its weights matter; twelve orders of magnitude keep every
// ratio far from float64's underflow and overflow.
const (
	minMixWeight = 1e-6
	maxMixWeight = 1e6
	maxMixTerms  = 32
)

// MixCancelTolerance is how much of a surgery's mixture must survive
// cancellation: a mixture Σ w·e whose norm is at most MixCancelTolerance ×
// Σ |w|·‖e‖ has no direction (its weights cancel), and is an error rather
// than a latent.
const MixCancelTolerance = 1e-9

// parseMix reads W*TOKEN terms joined by '+' or '-', e.g. 0.6*O+0.4*L,
// 1e-5*O, -0.5*A+B. A weight is a plain decimal number, with an optional
// exponent (whose sign is part of the number, not a separator); a term
// without a weight has weight 1.
func parseMix(expr string, v tasks.Vocab) ([]MixTerm, error) {
	expr = strings.Join(strings.Fields(expr), "")
	if expr == "" {
		return nil, errors.New("empty mixture")
	}
	var out []MixTerm
	for i := 0; i < len(expr); {
		neg := false
		switch expr[i] {
		case '+', '-':
			neg = expr[i] == '-'
			i++
		default:
			if i > 0 {
				return nil, fmt.Errorf("missing '+' or '-' before %q", expr[i:])
			}
		}
		j := termEnd(expr, i)
		term := expr[i:j]
		if term == "" {
			return nil, fmt.Errorf("a term is missing in %q", expr)
		}
		w, tok := 1.0, term
		if a, b, ok := strings.Cut(term, "*"); ok {
			if !isDecimal(a) {
				return nil, fmt.Errorf("weight %q is not a number", a)
			}
			f, err := strconv.ParseFloat(a, 64)
			if err != nil || math.IsInf(f, 0) || (f != 0 && (f < minMixWeight || f > maxMixWeight)) {
				return nil, fmt.Errorf("weight %s is out of range (0, or %g to %g in magnitude)", a, minMixWeight, maxMixWeight)
			}
			w, tok = f, b
		} else if c := term[0]; c >= '0' && c <= '9' || c == '.' {
			return nil, fmt.Errorf("term %q: want WEIGHT*TOKEN, with a decimal weight such as 0.5 or 1e-5", term)
		}
		if neg {
			w = -w
		}
		id, err := parseToken(tok, v)
		if err != nil {
			return nil, err
		}
		out = append(out, MixTerm{Weight: w, Token: id, Sym: v.Sym(id)})
		if len(out) > maxMixTerms {
			return nil, fmt.Errorf("more than %d terms", maxMixTerms)
		}
		i = j
	}
	if err := checkMixCancels(out); err != nil {
		return nil, err
	}
	return out, nil
}

// termEnd is the end of the term that starts at i: the next '+' or '-'
// that is not the sign of a weight's exponent (as in 1e-5*O).
func termEnd(expr string, i int) int {
	star := false
	for k := i; k < len(expr); k++ {
		switch c := expr[k]; c {
		case '*':
			star = true
		case '+', '-':
			if !star && k > i && (expr[k-1] == 'e' || expr[k-1] == 'E') && isMantissa(expr[i:k-1]) {
				continue // an exponent's sign
			}
			return k
		}
	}
	return len(expr)
}

// isMantissa reports whether s is digits with at most one '.', and at
// least one digit.
func isMantissa(s string) bool {
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// isDecimal reports whether s is an unsigned decimal number with an
// optional exponent (no hex, no Inf or NaN, no underscores).
func isDecimal(s string) bool {
	m, e := s, ""
	if k := strings.IndexAny(s, "eE"); k >= 0 {
		m, e = s[:k], s[k+1:]
		e = strings.TrimLeft(e, "+-")
		if len(s[k+1:])-len(e) > 1 || e == "" || !isMantissa(e) || strings.Contains(e, ".") {
			return false
		}
	}
	return isMantissa(m)
}

// checkMixCancels refuses a mixture whose weights are all zero, or whose
// terms on the same token cancel: it has no direction at any model.
// (Distinct tokens can cancel too, but only the model's target table
// knows: see SurgeryLatent.)
func checkMixCancels(mix []MixTerm) error {
	var scale float64
	sums := map[int]float64{}
	for _, m := range mix {
		scale += math.Abs(m.Weight)
		sums[m.Token] += m.Weight
	}
	if scale == 0 {
		return errors.New("every weight is 0: the mixture has no direction")
	}
	for _, s := range sums {
		if math.Abs(s) > MixCancelTolerance*scale {
			return nil
		}
	}
	return errors.New("the weights of each token cancel out: the mixture has no direction")
}

// SurgeryLatent writes the surgery's latent L2(Σ w·table[token]) into dst;
// table holds one row of len(dst) values per token (a Reasoner's target
// table). It returns an error, and leaves dst alone, when a token is
// outside the table or when the mixture has (near) zero norm: its norm is
// at most MixCancelTolerance × Σ |w|·‖row‖ (the terms cancel), or below
// 1e-12. The arithmetic is the session's: float64 sums in term order, then
// each component divided by the norm.
func SurgeryLatent(dst []float32, mix []MixTerm, table []float32) error {
	d := len(dst)
	if d == 0 {
		return errors.New("latent surgery: empty latent")
	}
	sum := make([]float64, d)
	var scale float64
	for _, m := range mix {
		if m.Token < 0 || (m.Token+1)*d > len(table) {
			return fmt.Errorf("latent surgery: token %d outside the target table", m.Token)
		}
		row := table[m.Token*d : (m.Token+1)*d]
		var rn float64
		for j, v := range row {
			sum[j] += m.Weight * float64(v)
			rn += float64(v) * float64(v)
		}
		scale += math.Abs(m.Weight) * math.Sqrt(rn)
	}
	var n float64
	for _, v := range sum {
		n += v * v
	}
	n = math.Sqrt(n)
	if n < 1e-12 || n <= MixCancelTolerance*scale || math.IsNaN(n) || math.IsInf(n, 0) {
		return fmt.Errorf("latent surgery: the mixture has no direction (norm %.3g of at most %.3g: its terms cancel)", n, scale)
	}
	for j, v := range sum {
		dst[j] = float32(v / n)
	}
	return nil
}

// String is the canonical spec, which ParseInjection reads back.
func (in Injection) String() string {
	switch in.Kind {
	case Force:
		return fmt.Sprintf("%s@%d=%s", in.Lane, in.Step, in.Sym)
	case InputCorrupt:
		return "input:" + strconv.FormatFloat(in.Frac, 'g', -1, 64)
	case Noise, ThoughtNoise:
		name := "noise"
		if in.Kind == ThoughtNoise {
			name = "thought"
		}
		if in.Step == 0 {
			return name + ":" + strconv.FormatFloat(in.Sigma, 'g', -1, 64)
		}
		return fmt.Sprintf("%s@%d:%s", name, in.Step, strconv.FormatFloat(in.Sigma, 'g', -1, 64))
	case Surgery:
		var b strings.Builder
		for i, t := range in.Mix {
			if i > 0 && !math.Signbit(t.Weight) {
				b.WriteByte('+')
			}
			b.WriteString(strconv.FormatFloat(t.Weight, 'g', -1, 64))
			b.WriteByte('*')
			b.WriteString(t.Sym)
		}
		return fmt.Sprintf("latent@%d=%s", in.Step, b.String())
	}
	if in.Kind == Fork {
		return forkString(in)
	}
	return fmt.Sprintf("Injection(%d)", int(in.Kind))
}

// TokenLevel reports whether the injection only touches a lane's tokens
// (never the Reasoner: its latents must not change).
func (in Injection) TokenLevel() bool { return in.Kind == Force }

// MarshalText stores an injection as its spec (ParseInjection reads it
// back with the model set's vocabulary).
func (in Injection) MarshalText() ([]byte, error) { return []byte(in.String()), nil }
