package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"jrx/tasks"
)

// Kind is what an injection does.
type Kind int

const (
	// TalkerToken forces the Dual-Talker's token at a step; its later
	// tokens read the forced one.
	TalkerToken Kind = iota + 1
	// BaselineToken forces the coupled baseline's token at a step; it stays
	// in the baseline's context.
	BaselineToken
	// InputCorrupt replaces a fraction of the prompt's letters with other
	// letters (seeded), for every model.
	InputCorrupt
	// Noise adds Gaussian noise of σ = Sigma × max|component| to the latent
	// at a step (or every step) and renormalises it onto the sphere.
	Noise
	// Surgery replaces the latent at a step with L2(Σ w·Ē[token]).
	Surgery
)

// MixTerm is one weighted token of a latent surgery.
type MixTerm struct {
	Weight float64 `json:"weight"`
	Token  int     `json:"token"`
}

// Injection is one recorded intervention. Steps count from 1 (the first
// latent); Step 0 with Noise means every step.
type Injection struct {
	Kind  Kind
	Step  int
	Token int
	Frac  float64
	Sigma float64
	Mix   []MixTerm
}

// Grammar is the injection syntax, for help texts.
const Grammar = `talker@T=X       force the Dual-Talker's token at step T to X (its later tokens read it)
baseline@T=X     force the coupled baseline's token at step T to X (it stays in its context)
input:P          replace a fraction P (0..1, or N%) of the prompt's letters with wrong ones
noise@T:S        Gaussian noise of σ = S × max|component| on the latent at step T
noise:S          the same at every step
latent@T=0.6*O+0.4*L
                 latent surgery: replace step T's latent with that mixture of
                 target-table embeddings, renormalised; later steps are recomputed
Steps count from 1; X, O, L are tokens (letters A–Z, or [EOS]).`

// ParseInjection reads one injection spec. Errors quote the spec and say
// what is wrong.
func ParseInjection(spec string) (Injection, error) {
	s := strings.TrimSpace(spec)
	bad := func(format string, a ...any) (Injection, error) {
		return Injection{}, fmt.Errorf("injection %q: %s", spec, fmt.Sprintf(format, a...))
	}
	name, rest, sep := cut(s)
	switch name {
	case "talker", "baseline":
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
		tok, err := parseToken(tokStr)
		if err != nil {
			return bad("%v", err)
		}
		k := TalkerToken
		if name == "baseline" {
			k = BaselineToken
		}
		return Injection{Kind: k, Step: step, Token: tok}, nil
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
		return Injection{Kind: InputCorrupt, Frac: f}, nil
	case "noise":
		step := 0
		sigma := rest
		if sep == '@' {
			st, sg, ok := strings.Cut(rest, ":")
			if !ok {
				return bad("missing ':SIGMA' (e.g. noise@2:0.1)")
			}
			var err error
			if step, err = parseStep(st); err != nil {
				return bad("%v", err)
			}
			sigma = sg
		} else if sep != ':' {
			return bad("want noise:SIGMA or noise@STEP:SIGMA")
		}
		f, err := parseFrac(sigma)
		if err != nil {
			return bad("%v", err)
		}
		if f > 100 {
			return bad("sigma %g is out of range (0..100)", f)
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
		mix, err := parseMix(expr)
		if err != nil {
			return bad("%v", err)
		}
		return Injection{Kind: Surgery, Step: step, Mix: mix}, nil
	case "":
		return bad("empty")
	}
	return bad("unknown kind %q (talker, baseline, input, noise or latent)", name)
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

func parseToken(s string) (int, error) {
	s = strings.TrimSpace(s)
	v := tasks.NewVocab()
	if id, ok := v.ID(strings.ToUpper(s)); ok && len(s) == 1 {
		return id, nil
	}
	if id, ok := v.ID(s); ok {
		return id, nil
	}
	if id, ok := v.ID(strings.ToUpper(s)); ok {
		return id, nil
	}
	return 0, fmt.Errorf("unknown token %q (letters A–Z, or %s)", s, strings.Join([]string{",", "[ROOT]", "[TARGET]", "[ROUTE]", "[EOS]"}, " "))
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

func parseMix(expr string) ([]MixTerm, error) {
	var out []MixTerm
	expr = strings.ReplaceAll(strings.TrimSpace(expr), " ", "")
	if expr == "" {
		return nil, fmt.Errorf("empty mixture")
	}
	// Split on '+' (a leading '-' on a weight is allowed).
	for _, term := range strings.Split(strings.ReplaceAll(expr, "-", "+-"), "+") {
		if term == "" {
			continue
		}
		w, tok := 1.0, term
		if a, b, ok := strings.Cut(term, "*"); ok {
			f, err := strconv.ParseFloat(a, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("weight %q is not a number", a)
			}
			w, tok = f, b
		} else if strings.HasPrefix(term, "-") {
			w, tok = -1, term[1:]
		}
		id, err := parseToken(tok)
		if err != nil {
			return nil, err
		}
		out = append(out, MixTerm{Weight: w, Token: id})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty mixture")
	}
	if len(out) > 32 {
		return nil, fmt.Errorf("%d terms; at most 32", len(out))
	}
	return out, nil
}

// String is the canonical spec, which ParseInjection reads back.
func (in Injection) String() string {
	v := tasks.NewVocab()
	switch in.Kind {
	case TalkerToken:
		return fmt.Sprintf("talker@%d=%s", in.Step, v.Sym(in.Token))
	case BaselineToken:
		return fmt.Sprintf("baseline@%d=%s", in.Step, v.Sym(in.Token))
	case InputCorrupt:
		return "input:" + strconv.FormatFloat(in.Frac, 'g', -1, 64)
	case Noise:
		if in.Step == 0 {
			return "noise:" + strconv.FormatFloat(in.Sigma, 'g', -1, 64)
		}
		return fmt.Sprintf("noise@%d:%s", in.Step, strconv.FormatFloat(in.Sigma, 'g', -1, 64))
	case Surgery:
		var b strings.Builder
		for i, t := range in.Mix {
			if i > 0 && t.Weight >= 0 {
				b.WriteByte('+')
			}
			b.WriteString(strconv.FormatFloat(t.Weight, 'g', -1, 64))
			b.WriteByte('*')
			b.WriteString(v.Sym(t.Token))
		}
		return fmt.Sprintf("latent@%d=%s", in.Step, b.String())
	}
	return fmt.Sprintf("Injection(%d)", int(in.Kind))
}

// TokenLevel reports whether the injection only touches a Talker's or the
// baseline's tokens (never the Reasoner: its latents must not change).
func (in Injection) TokenLevel() bool { return in.Kind == TalkerToken || in.Kind == BaselineToken }

// MarshalText and UnmarshalText store an injection as its spec.
func (in Injection) MarshalText() ([]byte, error) { return []byte(in.String()), nil }

// UnmarshalText parses a spec.
func (in *Injection) UnmarshalText(b []byte) error {
	v, err := ParseInjection(string(b))
	if err != nil {
		return err
	}
	*in = v
	return nil
}
