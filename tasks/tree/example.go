package tree

import "jrx/tasks"

// Example is the text of a tree of the task's configuration (its depth,
// edge order and a leaf target), drawn with tasks.ExampleSeed: a typed
// problem inside the training distribution.
func (t *Task) Example() string {
	return (&Problem{NewTree(t.cfg, tasks.NewRNG(tasks.ExampleSeed))}).Text()
}
