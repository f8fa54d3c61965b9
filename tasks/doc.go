// Package tasks holds the synthetic tasks: vocabulary, generators,
// validators, the split between prompt and answer, and the loss masks (tree
// search first).
package tasks
