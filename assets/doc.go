// Package assets embeds the default checkpoints (go:embed) and demo scripts,
// so that the first run of jrx needs no set-up.
//
// Default holds the directory "default" with the shipped tree model set
// (reasoner, baseline, Mono- and Dual-Talker safetensors files); Grammar
// the directory "cfg" with the grammar set (the same and COCONUT). Lessons
// holds the guided tour's built-in lessons, "lessons/NN-name.lesson", in
// the text format of docs/TOUR.md (read by package tour).
package assets

import "embed"

// Default is the embedded default model set, under "default/".
//
//go:embed all:default
var Default embed.FS

// Grammar is the embedded grammar model set (jrx train cfg), under "cfg/";
// a build may hold only its README (then there is none).
//
//go:embed all:cfg
var Grammar embed.FS

// Lessons are the built-in lessons of the tour, under "lessons/".
//
//go:embed lessons/*.lesson
var Lessons embed.FS
