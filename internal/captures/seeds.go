package captures

import (
	"context"
	"fmt"

	"jrx/engine"
	"jrx/tour"
)

// A seed measurement names the first problem that shows what a capture
// is about, found with the engine: demo seeds are picked by measurement,
// never by hand. Each is a lesson in the tour's format whose expectations
// say what the problem must show (tour.Pick finds the first seed from 1 at
// which they all hold).
var Seeds = map[string]string{
	// flagship: a premature EOS forced into the baseline at step 2 makes it
	// leave the clean run on a token it chose itself, while the Dual-Talker
	// contains the target forced a level too early at step 2, and the
	// Mono-Talker is right (the README's capture; the condition of
	// pickE2EProblem in test/tui_e2e_test.go).
	"flagship": `lesson: flagship
title: flagship
seed: 1
page: the baseline derails, the Dual-Talker contains a skipped level
inject: baseline@2=[EOS]
inject: talker@2={target}
say: -
expect: lane baseline left > 0
expect: lane dual verdict contained
expect: lane mono verdict correct
`,
}

// MaxSeed is the last seed a measurement tries.
const MaxSeed = 500

// MeasureSeed is the seed the measurement called name picks on set.
func MeasureSeed(ctx context.Context, set *engine.Set, name string) (uint64, error) {
	src, ok := Seeds[name]
	if !ok {
		return 0, fmt.Errorf("no seed measurement %q", name)
	}
	l, err := tour.Parse("seed measurement "+name, []byte(src))
	if err != nil {
		return 0, err
	}
	return tour.Pick(ctx, set, l, 1, MaxSeed, engine.Options{Light: true})
}
