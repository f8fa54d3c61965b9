package tree

import (
	"fmt"
	"strings"
)

// Token ids of the tree-search vocabulary. They are fixed: checkpoints store
// embedding rows in this order, so never renumber them.
//
//	id  0..25  the letters A..Z (letter k is 'A'+k)
//	id 26      ","
//	id 27      "[ROOT]"
//	id 28      "[TARGET]"
//	id 29      "[ROUTE]"
//	id 30      "[EOS]"
//	id 31      "[PAD]"
//	id 32      "[BOS]"  (Dual-Talker decoder start only; the Reasoner never sees it)
const (
	NumLetters = 26 // ids 0..25 are the letters A..Z

	IDComma  = 26
	IDRoot   = 27
	IDTarget = 28
	IDRoute  = 29
	IDEOS    = 30
	IDPAD    = 31
	IDBOS    = 32

	VocabSize = 33
)

var vocabSyms = func() [VocabSize]string {
	var s [VocabSize]string
	for i := 0; i < NumLetters; i++ {
		s[i] = string(rune('A' + i))
	}
	s[IDComma] = ","
	s[IDRoot] = "[ROOT]"
	s[IDTarget] = "[TARGET]"
	s[IDRoute] = "[ROUTE]"
	s[IDEOS] = "[EOS]"
	s[IDPAD] = "[PAD]"
	s[IDBOS] = "[BOS]"
	return s
}()

// Vocab is the tree-search vocabulary; it implements tasks.Vocab. Its ids
// are the constants above. The zero value (and a nil *Vocab) is the
// vocabulary.
type Vocab struct{}

// NewVocab returns the (only) tree-search vocabulary.
func NewVocab() *Vocab { return &Vocab{} }

// Size is the number of tokens, 33.
func (v *Vocab) Size() int { return VocabSize }

// ID returns the id of a symbol spelled exactly as Sym spells it ("A", ",",
// "[ROOT]", ...). It is case-sensitive; ParseTree is the lenient reader.
func (v *Vocab) ID(sym string) (int, bool) {
	if len(sym) == 1 && sym[0] >= 'A' && sym[0] <= 'Z' {
		return int(sym[0] - 'A'), true
	}
	for id := NumLetters; id < VocabSize; id++ {
		if vocabSyms[id] == sym {
			return id, true
		}
	}
	return -1, false
}

// Sym returns the symbol of an id; an out-of-range id gives "[?<id>]".
func (v *Vocab) Sym(id int) string {
	if id < 0 || id >= VocabSize {
		return fmt.Sprintf("[?%d]", id)
	}
	return vocabSyms[id]
}

// IsLetter reports whether id is one of the letters A..Z (a tree node).
func (v *Vocab) IsLetter(id int) bool { return IsLetter(id) }

// Short is how the panels show id: letters as themselves, [EOS] as "EOS",
// anything else as Sym spells it; a negative id is "?".
func (v *Vocab) Short(id int) string {
	switch {
	case id < 0:
		return "?"
	case IsLetter(id):
		return string(rune('A' + id))
	case id == IDEOS:
		return "EOS"
	}
	return v.Sym(id)
}

// Lookup reads a token as a person types it: a letter in either case, a
// symbol exactly or in any case, and a bracket name without its brackets
// ("eos" for "[EOS]").
func (v *Vocab) Lookup(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if id, ok := v.ID(strings.ToUpper(s)); ok && len(s) == 1 {
		return id, true
	}
	if id, ok := v.ID(s); ok {
		return id, true
	}
	u := strings.ToUpper(s)
	if id, ok := v.ID(u); ok {
		return id, true
	}
	if len(u) > 1 && !strings.HasPrefix(u, "[") {
		if id, ok := v.ID("[" + u + "]"); ok {
			return id, true
		}
	}
	return -1, false
}

// Content is the letters, ids 0..25: what input corruption replaces.
func (v *Vocab) Content() []int {
	out := make([]int, NumLetters)
	for i := range out {
		out[i] = i
	}
	return out
}

// EOS, PAD and BOS are the special ids.
func (v *Vocab) EOS() int { return IDEOS }
func (v *Vocab) PAD() int { return IDPAD }
func (v *Vocab) BOS() int { return IDBOS }

// IsLetter reports whether id is one of the letters A..Z (a tree node).
func IsLetter(id int) bool { return id >= 0 && id < NumLetters }

// Symbols returns the symbols in id order (for a checkpoint's config).
func (v *Vocab) Symbols() []string {
	out := make([]string, VocabSize)
	copy(out, vocabSyms[:])
	return out
}

// CheckSymbols returns an error unless syms is exactly Symbols(), e.g. the
// vocabulary stored in a checkpoint.
func (v *Vocab) CheckSymbols(syms []string) error {
	if len(syms) != VocabSize {
		return fmt.Errorf("tasks: vocabulary has %d symbols, want %d", len(syms), VocabSize)
	}
	for i, s := range syms {
		if s != vocabSyms[i] {
			return fmt.Errorf("tasks: vocabulary id %d is %q, want %q", i, s, vocabSyms[i])
		}
	}
	return nil
}

// Format joins the symbols of ids with no separator, which for a tree
// sequence is the paper's text form ("NL,NO,...[ROOT]N[TARGET]K...").
func (v *Vocab) Format(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(v.Sym(id))
	}
	return b.String()
}
