// Package assets embeds the default checkpoints (go:embed) and demo scripts,
// so that the first run of jrx needs no set-up.
package assets
