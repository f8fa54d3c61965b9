package cfg

import "jrx/tasks"

// Example is the text of a problem of the task's grammar (a sentence's
// prefix), drawn with tasks.ExampleSeed: a typed problem inside the
// training distribution.
func (t *Task) Example() string {
	return t.SampleProblem(tasks.NewRNG(tasks.ExampleSeed)).Text()
}
