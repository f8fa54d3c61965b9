package tasks

// Exampler is an optional interface of a Task: a typed problem to show as
// an example (the explorer's typed-problem dialog). It must parse with the
// task's Parse and lie inside its training distribution.
type Exampler interface {
	Example() string
}

// ExampleSeed is the seed of the problem Example draws for a task that
// does not implement Exampler.
const ExampleSeed = 1

// Example is a typed problem of t's training distribution: t's own
// Example when it implements Exampler, otherwise the text of the problem
// SampleSeed draws for ExampleSeed. Either way it comes from the task, so
// it has the model set's depth and shape.
func Example(t Task) string {
	if e, ok := t.(Exampler); ok {
		return e.Example()
	}
	return SampleSeed(t, ExampleSeed).Text()
}
