// Package views renders engine snapshots into panels (trajectory, nearest
// tokens, hypothesis mixtures, Talker and baseline lanes, the tree, help,
// status). It holds one Styles struct, one KeyMap and a pure layout
// function; it never calls a model. Rendering a snapshot twice gives the same
// screen.
package views
