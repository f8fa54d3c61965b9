package cfg

// CheckContinuation returns the first step (1-based) from which prefix +
// toks cannot be a valid prefix of the grammar, 0 while it can. A token
// of -1 stands for a continuous thought (COCONUT's thoughts replace the
// first answer symbols): it may be any terminal the grammar allows there,
// so a continuation with thoughts is valid when some terminals in their
// place make it valid (at most 3^thoughts fillers are kept), and where the
// sentence can end a thought may stand for its [EOS]. [EOS] is valid where
// the sentence can end, and ends the check; any other non-terminal id is
// invalid.
func (p *Problem) CheckContinuation(toks []int) int {
	g := p.t.g
	cands := [][]int{p.Prefix()}
	for i, tok := range toks {
		var next [][]int
		for _, s := range cands {
			switch {
			case tok < 0:
				if g.IsMember(s) {
					return 0 // the thought may stand for the sentence's end
				}
				for _, x := range g.Check(s).Next() {
					next = append(next, append(append([]int(nil), s...), x))
				}
			case tok == IDEOS:
				if g.IsMember(s) {
					return 0
				}
			case tok < NumTerminals:
				if t := append(append([]int(nil), s...), tok); g.IsValidPrefix(t) {
					next = append(next, t)
				}
			}
		}
		if len(next) == 0 {
			return i + 1
		}
		cands = next
	}
	return 0
}
