package cfg_test

import (
	"fmt"

	"jrx/tasks"
	"jrx/tasks/cfg"
)

// A sampled problem of the default task (seed 1), the parser's verdict on
// its prompt, and what a wrong symbol does.
func Example() {
	t, err := tasks.New("cfg", nil)
	if err != nil {
		panic(err)
	}
	p := tasks.SampleSeed(t, 1).(*cfg.Problem)
	g := p.Task().Grammar()
	prefix := p.Prefix()
	fmt.Println(p.Text())
	fmt.Println("prompt tokens:", len(p.Prompt()), "answer tokens:", len(p.Answer()))
	v := g.Check(prefix)
	fmt.Println("valid prefix:", v.ValidPrefix(), "sentence:", v.Member)
	fmt.Println("reference answer:", p.CheckAnswer(p.Answer()))
	if m, ok := tasks.MistakeOf(p.Mistakes(1), tasks.Rival); ok {
		bad := append(prefix, m.Token)
		fmt.Println("with", m.Label+":", g.Check(bad).FirstBad() == len(prefix))
		fmt.Println(p.CheckAnswer([]int{m.Token}))
	}
	// By hand from docs/GRAMMAR.md: "bccb" can only be A4 → bccb, and every
	// rule with A4 first goes on with B4 (abcb | cbb | cabb): a or c, never b.

	// Output:
	// bccb[ANS]cabbabcb
	// prompt tokens: 5 answer tokens: 8
	// valid prefix: true sentence: false
	// reference answer: <nil>
	// with b, which no sentence continues with here: true
	// answer step 0: b: no sentence continues this way
}
