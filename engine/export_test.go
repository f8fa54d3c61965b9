package engine

// Internals for the external tests.
var (
	ContainmentWorkers = containment
	WrongToken         = wrongToken
	MaxAbsDiff         = maxAbsDiff
)
