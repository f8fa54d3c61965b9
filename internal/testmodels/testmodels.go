// Package testmodels trains, once per test binary, a tiny model set on
// 2-level trees (a few seconds) for tests that need real, trained models.
package testmodels

import (
	"context"
	"os"
	"sync"

	"jrx/engine"
	"jrx/train"
)

var (
	once sync.Once
	dir  string
	set  *engine.Set
	err  error
)

// Tiny returns the tiny model set and its directory (shared; do not modify).
func Tiny() (*engine.Set, string, error) {
	once.Do(func() {
		dir, err = os.MkdirTemp("", "jrx-tiny-models-")
		if err != nil {
			return
		}
		if err = (&train.Trainer{Recipe: train.TinyRecipe(), Dir: dir}).Run(context.Background()); err != nil {
			return
		}
		set, err = engine.LoadDir(dir)
	})
	return set, dir, err
}
