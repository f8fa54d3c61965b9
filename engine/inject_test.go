package engine_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"jrx/engine"
	"jrx/tasks/tree"
)

// Specs that used to be misread or accepted as silent no-ops.
func TestInjectionEdgeCases(t *testing.T) {
	good := map[string]string{
		"latent@2=1e-5*O":             "latent@2=1e-05*O",
		"latent@2=1E+2*O-2.5e-3*L":    "latent@2=100*O-0.0025*L",
		"latent@2=.5*O+5.*L":          "latent@2=0.5*O+5*L",
		"latent@2=-0.5*O + 1e-05*E":   "latent@2=-0.5*O+1e-05*E",
		"latent@2=E-O":                "latent@2=1*E-1*O",
		"latent@2=0*O+1*L":            "latent@2=0*O+1*L",
		"latent@2=0.5*O-0.25*O":       "latent@2=0.5*O-0.25*O",
		"latent@3=-0*O+2*L":           "latent@3=-0*O+2*L",
		"noise:1e-3":                  "noise:0.001",
		"input:1":                     "input:1",
		"latent@1=1e6*A+1e-6*B":       "latent@1=1e+06*A+1e-06*B",
		"latent@2=0.5*[EOS]+0.5*O":    "latent@2=0.5*[EOS]+0.5*O",
		"latent@2=0.5*e-0.5*[eos]":    "latent@2=0.5*E-0.5*[EOS]",
		"latent@2=1e-5*E-1e-05*[EOS]": "latent@2=1e-05*E-1e-05*[EOS]",
	}
	for spec, want := range good {
		in, err := engine.ParseInjection(spec, tree.NewVocab())
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if in.String() != want {
			t.Errorf("%q: canonical %q, want %q", spec, in.String(), want)
		}
		back, err := engine.ParseInjection(in.String(), tree.NewVocab())
		if err != nil || !reflect.DeepEqual(back, in) {
			t.Errorf("%q: round trip %v %+v", spec, err, back)
		}
	}
	// Weights are checked against values written here by hand.
	in, _ := engine.ParseInjection("latent@2=1e-5*O-2.5E+1*L", tree.NewVocab())
	if len(in.Mix) != 2 || in.Mix[0].Weight != 1e-5 || in.Mix[1].Weight != -25 {
		t.Errorf("weights %+v, want 1e-5 and -25", in.Mix)
	}
	bad := map[string]string{
		"latent@2=0*O":                 "every weight is 0",
		"latent@2=0*O-0*L":             "every weight is 0",
		"latent@2=0.5*O-0.5*O":         "cancel out",
		"latent@2=O-O":                 "cancel out",
		"latent@2=0.1*O+0.2*O-0.3*O":   "cancel out",
		"latent@2=0.5*O-0.5*O+L-L":     "cancel out",
		"noise:0":                      "sigma 0 adds no noise",
		"noise@2:0":                    "e.g. noise@2:0.1",
		"noise:0%":                     "sigma 0",
		"noise:1e-400":                 "sigma 0",
		"input:0":                      "fraction 0 corrupts nothing",
		"input:0%":                     "fraction 0",
		"latent@2=1e-7*O":              "out of range",
		"latent@2=2e6*O":               "out of range",
		"latent@2=1e400*O":             "out of range",
		"latent@2=0x1p-2*O":            "want WEIGHT*TOKEN",
		"latent@2=inf*O":               "not a number",
		"latent@2=NaN*O":               "not a number",
		"latent@2=1e*O":                "not a number",
		"latent@2=1e--5*O":             "want WEIGHT*TOKEN",
		"latent@2=1_0*O":               "not a number",
		"latent@2=0.5*O--0.5*L":        "a term is missing",
		"latent@2=0.5*O+":              "a term is missing",
		"latent@2=":                    "empty mixture",
		"latent@2=1e-5":                "want WEIGHT*TOKEN",
		"latent@2=" + manyTerms(33):    "more than 32 terms",
		"latent@2=0.5*O+0.5*L-1e-5*Q+": "a term is missing",
	}
	for spec, want := range bad {
		_, err := engine.ParseInjection(spec, tree.NewVocab())
		if err == nil {
			t.Errorf("%q: accepted", spec)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q does not say %q", spec, err, want)
		}
	}
	if _, err := engine.ParseInjection("latent@2="+manyTerms(32), tree.NewVocab()); err != nil {
		t.Errorf("32 terms: %v", err)
	}
}

func manyTerms(n int) string {
	terms := make([]string, n)
	for i := range terms {
		terms[i] = string(rune('A' + i%26))
	}
	return strings.Join(terms, "+")
}

// SurgeryLatent computes what the session computes for a surgery, bit for
// bit, and refuses a mixture that cancels on the model's table.
func TestSurgeryLatent(t *testing.T) {
	set := tiny(t)
	for _, spec := range []string{"latent@2=0.6*A+0.4*B", "latent@2=1e-5*C", "latent@2=-0.3*D+2*A-1e-3*B"} {
		in := mustInj(t, spec)
		s, err := engine.NewSession(set, problem(t, 5), in, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, set.Reasoner.Cfg.D)
		if err := engine.SurgeryLatent(got, in[0].Mix, set.Reasoner.Target); err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if !sameBits(got, s.Snapshots()[1].Latent) {
			t.Errorf("%s: SurgeryLatent differs from the session's latent at step 2", spec)
		}
		var n float64
		for _, v := range got {
			n += float64(v) * float64(v)
		}
		if math.Abs(n-1) > 1e-6 {
			t.Errorf("%s: |latent|² = %v", spec, n)
		}
	}
	// Distinct tokens whose rows are equal cancel: known only from the table.
	table := []float32{0.6, 0.8, 0.6, 0.8, 1, 0}
	mix := []engine.MixTerm{{Weight: 0.5, Token: 0}, {Weight: -0.5, Token: 1}}
	dst := []float32{7, 7}
	if err := engine.SurgeryLatent(dst, mix, table); err == nil || !strings.Contains(err.Error(), "no direction") {
		t.Errorf("a cancelling mixture: %v", err)
	}
	if dst[0] != 7 || dst[1] != 7 {
		t.Errorf("a refused surgery wrote %v", dst)
	}
	if err := engine.SurgeryLatent(dst, []engine.MixTerm{{Weight: 1, Token: 3}}, table); err == nil {
		t.Error("a token outside the table was accepted")
	}
	// 0.5·row0 + 0.5·row2 = (0.8, 0.4), normalised: (2, 1)/√5.
	if err := engine.SurgeryLatent(dst, []engine.MixTerm{{Weight: 0.5, Token: 0}, {Weight: 0.5, Token: 2}}, table); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(dst[0])-2/math.Sqrt(5)) > 1e-7 || math.Abs(float64(dst[1])-1/math.Sqrt(5)) > 1e-7 {
		t.Errorf("got %v, want (2, 1)/√5", dst)
	}
}

// FuzzParseInjection: ParseInjection never panics, and whatever it
// accepts prints (String) as a spec that parses back to the same
// injection and prints the same.
func FuzzParseInjection(f *testing.F) {
	for _, s := range []string{"talker@2=B", "baseline@1=[EOS]", "input:10%", "input:0.1", "noise@3:0.05", "noise:5%",
		"latent@2=0.6*O+0.4*L", "latent@2=1e-5*O", "latent@2=-0.5*O+E", "latent@1=1E+2*A-2.5e-3*B", "latent@2=0.5*O-0.5*O",
		"noise:0", "latent@2=0*O", "talker@65536=,", "LATENT@2 = .5 * a - 5. * b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		in, err := engine.ParseInjection(spec, tree.NewVocab())
		if err != nil {
			return
		}
		canon := in.String()
		back, err := engine.ParseInjection(canon, tree.NewVocab())
		if err != nil {
			t.Fatalf("%q parsed, but its canonical form %q does not: %v", spec, canon, err)
		}
		if !reflect.DeepEqual(back, in) {
			t.Fatalf("%q → %q → %+v, want %+v", spec, canon, back, in)
		}
		if back.String() != canon {
			t.Fatalf("%q: canonical %q prints again as %q", spec, canon, back.String())
		}
		for _, m := range in.Mix {
			if math.IsNaN(m.Weight) || math.IsInf(m.Weight, 0) {
				t.Fatalf("%q: weight %v", spec, m.Weight)
			}
		}
	})
}
