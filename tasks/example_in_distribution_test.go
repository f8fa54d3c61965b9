package tasks_test

import (
	"testing"

	"jrx/tasks"
	"jrx/tasks/cfg"
	"jrx/tasks/tree"
)

// Every task's example parses back and lies inside the task's training
// distribution, at every depth: the explorer shows it as what to type.
func TestExamplesAreInDistribution(t *testing.T) {
	var ts []tasks.Task
	for _, d := range []int{2, 3, 4} {
		tk, err := tree.NewTask(tree.Config{Depth: d}, tree.LeafOnly)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tk)
	}
	g, err := cfg.Factory(nil)
	if err != nil {
		t.Fatal(err)
	}
	ts = append(ts, g)
	for _, tk := range ts {
		if _, ok := tk.(tasks.Exampler); !ok {
			t.Errorf("%s: no Example method", tk.Name())
		}
		ex := tasks.Example(tk)
		p, err := tk.Parse(ex)
		if err != nil {
			t.Fatalf("%s: the example %q does not parse: %v", tk.Name(), ex, err)
		}
		if err := tk.InDistribution(p); err != nil {
			t.Errorf("%s: the example %q is outside the training distribution (%s): %v", tk.Name(), ex, tk.Distribution(), err)
		}
	}
	// The tree's example has the task's depth: a 4-level task's example is
	// a 4-level tree (the dialog used to show a 3-level one).
	tk, _ := tree.NewTask(tree.Config{Depth: 4}, tree.LeafOnly)
	p, _ := tk.Parse(tasks.Example(tk))
	if got := tree.Of(p).Levels(); got != tk.Levels() {
		t.Fatalf("the 4-level task's example has %d levels", got)
	}
}
