// Package all registers every task jrx has, so that a model set's task can
// be found by the name stored in its checkpoints. Import it for its side
// effect: import _ "jrx/tasks/all". Adding a task adds one line here.
package all

import (
	_ "jrx/tasks/cfg"  // the grammar task (PAPER.md, Experiment 2)
	_ "jrx/tasks/text" // free text with a tokenizer.json (big models trained elsewhere)
	_ "jrx/tasks/tree" // the tree-search task (PAPER.md, Experiment 1)
)
