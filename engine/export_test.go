package engine

// Internals for the external tests.
var (
	ContainmentWorkers = containment
	MaxAbsDiff         = maxAbsDiff
)
