package cfg

import (
	"fmt"
	"strings"
)

// Token ids of the grammar vocabulary. They are fixed: checkpoints store
// embedding rows in this order, so never renumber them.
//
//	id 0, 1, 2  the terminals a, b, c
//	id 3        "[ANS]"  ends the prompt: the answer (the continuation) follows
//	id 4        "[EOS]"  the sentence ends
//	id 5        "[PAD]"  fills batches
//	id 6        "[BOS]"  Dual-Talker decoder start only; the Reasoner never sees it
//	id 7        "[BOT]"  COCONUT: begin of continuous thoughts
//	id 8        "[EOT]"  COCONUT: end of continuous thoughts
const (
	IDa = 0
	IDb = 1
	IDc = 2

	IDAns = 3
	IDEOS = 4
	IDPAD = 5
	IDBOS = 6
	IDBOT = 7
	IDEOT = 8

	VocabSize = 9
)

var vocabSyms = [VocabSize]string{"a", "b", "c", "[ANS]", "[EOS]", "[PAD]", "[BOS]", "[BOT]", "[EOT]"}

// IsTerminal reports whether id is one of the terminals a, b, c.
func IsTerminal(id int) bool { return id >= 0 && id < NumTerminals }

// Vocab is the grammar vocabulary; it implements tasks.Vocab. The zero
// value (and a nil *Vocab) is the vocabulary.
type Vocab struct{}

// NewVocab returns the (only) grammar vocabulary.
func NewVocab() *Vocab { return &Vocab{} }

// Size is the number of tokens, 9.
func (v *Vocab) Size() int { return VocabSize }

// Sym is the canonical spelling of id; an out-of-range id gives "[?<id>]".
func (v *Vocab) Sym(id int) string {
	if id < 0 || id >= VocabSize {
		return fmt.Sprintf("[?%d]", id)
	}
	return vocabSyms[id]
}

// Short is how the panels show id: the terminals as themselves, a bracket
// name without its brackets ("EOS"), a negative id as "?".
func (v *Vocab) Short(id int) string {
	switch {
	case id < 0:
		return "?"
	case id >= NumTerminals && id < VocabSize:
		return strings.Trim(vocabSyms[id], "[]")
	}
	return v.Sym(id)
}

// Lookup reads a token as a person types it: a terminal in either case
// ("a", "B"), a bracket name with or without its brackets in any case
// ("[EOS]", "eos", "Ans").
func (v *Vocab) Lookup(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 1 {
		c := s[0] | 0x20 // lower case
		if c >= 'a' && c < 'a'+NumTerminals {
			return int(c - 'a'), true
		}
		return -1, false
	}
	u := strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if u == "" || strings.ContainsAny(u, "[]") {
		return -1, false
	}
	for id := NumTerminals; id < VocabSize; id++ {
		if vocabSyms[id] == "["+u+"]" {
			return id, true
		}
	}
	return -1, false
}

// Symbols returns every Sym in id order (a checkpoint's config).
func (v *Vocab) Symbols() []string {
	out := make([]string, VocabSize)
	copy(out, vocabSyms[:])
	return out
}

// CheckSymbols returns an error unless syms is exactly Symbols(), e.g. the
// vocabulary stored in a checkpoint.
func (v *Vocab) CheckSymbols(syms []string) error {
	if len(syms) != VocabSize {
		return fmt.Errorf("cfg: vocabulary has %d symbols, want %d", len(syms), VocabSize)
	}
	for i, s := range syms {
		if s != vocabSyms[i] {
			return fmt.Errorf("cfg: vocabulary id %d is %q, want %q", i, s, vocabSyms[i])
		}
	}
	return nil
}

// Content is the terminals, ids 0..2: what input corruption replaces.
func (v *Vocab) Content() []int { return []int{IDa, IDb, IDc} }

// EOS, PAD and BOS are the special ids; Ans opens the answer; BOT and EOT
// bracket COCONUT's continuous thoughts.
func (v *Vocab) EOS() int { return IDEOS }
func (v *Vocab) PAD() int { return IDPAD }
func (v *Vocab) BOS() int { return IDBOS }
func (v *Vocab) Ans() int { return IDAns }
func (v *Vocab) BOT() int { return IDBOT }
func (v *Vocab) EOT() int { return IDEOT }

// Format spells ids with no separator: terminals as letters, the others
// as Sym spells them ("abcab[ANS]ca").
func (v *Vocab) Format(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(v.Sym(id))
	}
	return b.String()
}
