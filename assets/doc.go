// Package assets embeds the default checkpoints (go:embed) and demo scripts,
// so that the first run of jrx needs no set-up.
//
// Default holds the directory "default" with the shipped model set
// (reasoner, baseline, Mono- and Dual-Talker safetensors files). Lessons
// holds the guided tour's built-in lessons, "lessons/NN-name.lesson", in
// the text format of docs/TOUR.md (read by package tour).
package assets

import "embed"

// Default is the embedded default model set, under "default/".
//
//go:embed all:default
var Default embed.FS

// Lessons are the built-in lessons of the tour, under "lessons/".
//
//go:embed lessons/*.lesson
var Lessons embed.FS
