package tasks_test

import (
	"fmt"
	"log"
	"slices"
	"strings"

	"jrx/tasks"
	_ "jrx/tasks/all" // registers every task
)

// The registry; the tree task's problem of seed 7, whose answer is
// checked against a route found by hand from the problem's text; and the
// task's own check of that answer and of a wrong one.
func Example() {
	// Names lists every registered task, sorted ([cfg text tree]); the
	// synthetic tasks build with their defaults (the text task needs its
	// tokenizer file, so it has none).
	names := tasks.Names()
	builds := true
	for _, name := range []string{"tree", "cfg"} {
		t, err := tasks.New(name, nil)
		builds = builds && err == nil && t.Name() == name
	}
	fmt.Println("tree registered:", slices.Contains(names, "tree"), "sorted:", slices.IsSorted(names), "every name builds its task:", builds)

	task, err := tasks.New("tree", nil) // the defaults: 4 levels, leaf targets
	if err != nil {
		log.Fatal(err)
	}
	p := tasks.SampleSeed(task, 7)
	v := task.Vocab()

	// The text is "PC,PD,…[ROOT]R[TARGET]T": edges parent→child, the root,
	// the target. Walk from the target up to the root.
	text := p.Text()
	edges, rest, _ := strings.Cut(text, "[ROOT]")
	root, target, _ := strings.Cut(rest, "[TARGET]")
	parent := map[string]string{}
	for _, e := range strings.Split(edges, ",") {
		parent[e[1:]] = e[:1]
	}
	route := []string{target}
	for n := target; n != root; {
		n = parent[n]
		route = append([]string{n}, route...)
	}
	route = append(route, v.Sym(v.EOS()))

	ans := p.Answer()
	var syms []string
	for _, id := range ans {
		syms = append(syms, v.Sym(id))
	}
	fmt.Println("steps:", len(ans), "answer equals the route walked by hand:", slices.Equal(syms, route))
	fmt.Println("the task accepts its answer:", p.CheckAnswer(ans) == nil)

	// The natural mistake at step 2, the sibling of the correct child, is a
	// wrong answer.
	_, rival, _ := p.Rival(2)
	wrong := slices.Clone(ans)
	wrong[1] = rival
	fmt.Println("and refuses the rival at step 2:", p.CheckAnswer(wrong) != nil)

	// The text form reads back to the same prompt.
	q, err := task.Parse(text)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("text round-trips:", slices.Equal(q.Prompt(), p.Prompt()))

	// Output:
	// tree registered: true sorted: true every name builds its task: true
	// steps: 5 answer equals the route walked by hand: true
	// the task accepts its answer: true
	// and refuses the rival at step 2: true
	// text round-trips: true
}
