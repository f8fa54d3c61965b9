package tasks

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

// Vocab is the tree-search vocabulary. Its ids are the constants above; the
// fields repeat the special ids for callers that hold a *Vocab. The zero
// value is not useful: use NewVocab. All methods accept a nil *Vocab and
// then behave as the standard vocabulary.
type Vocab struct {
	Comma, Root, Target, Route, EOS, PAD, BOS int
}

// NewVocab returns the (only) tree-search vocabulary.
func NewVocab() *Vocab {
	return &Vocab{
		Comma: IDComma, Root: IDRoot, Target: IDTarget, Route: IDRoute,
		EOS: IDEOS, PAD: IDPAD, BOS: IDBOS,
	}
}

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
