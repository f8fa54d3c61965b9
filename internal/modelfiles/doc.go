// Package modelfiles is the one home of the file names of a model set: the
// four safetensors files that train writes into its output directory and
// engine reads back (from a directory or the embedded assets/default).
//
// It sits below both, because train and engine are on the same floor and
// neither may import the other; it imports nothing. engine re-exports the
// names as engine.FileReasoner, FileBaseline, FileMono and FileDual for its
// callers.
//
// # Invariants
//
//   - A model set is exactly the files of All, in one directory.
//   - The names are part of the on-disk format: shipped sets and every
//     directory written by jrx train use them, so they never change.
package modelfiles
