package text

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tokenizer is a BPE tokenizer read from a Hugging Face tokenizer.json
// (model type "BPE": vocab and ranked merges). Two families are read:
//
//   - byte-level (GPT-2, and files with a ByteLevel pre-tokenizer): the
//     text is split with GPT-2's pattern, each piece's bytes are mapped to
//     printable characters (bytes_to_unicode), and merges apply within a
//     piece;
//   - SentencePiece-style (Llama 2: a Metaspace pre-tokenizer, or a
//     normalizer that prepends "▁" and replaces spaces with it, usually
//     with byte_fallback): spaces become "▁", one is prepended, merges
//     apply over the characters, and a character outside the vocabulary
//     becomes its UTF-8 bytes as <0xNN> tokens.
//
// Added tokens (special tokens such as <|endoftext|>) are matched in the
// text literally before anything else. A pre-tokenizer with another split
// pattern (Llama 3's) is refused rather than tokenized differently.
type Tokenizer struct {
	vocab     map[string]int
	tokens    []string // id → token ("" for an id the file does not name)
	ranks     map[string]int
	byteLevel bool
	fallback  bool // SentencePiece byte fallback
	unk       int  // -1: none
	added     []addedToken
	cache     map[string][]int
}

type addedToken struct {
	id      int
	content string
	special bool
}

// MaxTokenizerFile bounds a tokenizer.json (Llama's is under 2 MB).
const MaxTokenizerFile = 64 << 20

type hfTokenizer struct {
	Model struct {
		Type         string          `json:"type"`
		Vocab        map[string]int  `json:"vocab"`
		Merges       json.RawMessage `json:"merges"`
		ByteFallback bool            `json:"byte_fallback"`
		UnkToken     *string         `json:"unk_token"`
	} `json:"model"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Normalizer   json.RawMessage `json:"normalizer"`
	AddedTokens  []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
}

// ParseTokenizer reads a tokenizer.json.
func ParseTokenizer(b []byte) (*Tokenizer, error) {
	var h hfTokenizer
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if h.Model.Type != "BPE" {
		return nil, fmt.Errorf("tokenizer.json: model type %q (only BPE is read)", h.Model.Type)
	}
	t := &Tokenizer{vocab: map[string]int{}, ranks: map[string]int{}, unk: -1, fallback: h.Model.ByteFallback, cache: map[string][]int{}}
	maxID := -1
	set := func(tok string, id int) error {
		if id < 0 || id >= 1<<22 {
			return fmt.Errorf("tokenizer.json: token %q has id %d", tok, id)
		}
		t.vocab[tok] = id
		maxID = max(maxID, id)
		return nil
	}
	for tok, id := range h.Model.Vocab {
		if err := set(tok, id); err != nil {
			return nil, err
		}
	}
	for _, a := range h.AddedTokens {
		if a.Content == "" {
			continue
		}
		if err := set(a.Content, a.ID); err != nil {
			return nil, err
		}
		t.added = append(t.added, addedToken{a.ID, a.Content, a.Special})
	}
	// Longest first, so that a token that contains another wins.
	sort.SliceStable(t.added, func(i, j int) bool { return len(t.added[i].content) > len(t.added[j].content) })
	t.tokens = make([]string, maxID+1)
	for tok, id := range t.vocab {
		t.tokens[id] = tok
	}
	merges, err := parseMerges(h.Model.Merges)
	if err != nil {
		return nil, err
	}
	for i, m := range merges {
		if _, dup := t.ranks[m]; !dup {
			t.ranks[m] = i
		}
	}
	if h.Model.UnkToken != nil {
		if id, ok := t.vocab[*h.Model.UnkToken]; ok {
			t.unk = id
		}
	}
	pre := string(h.PreTokenizer)
	switch {
	case strings.Contains(pre, `"Split"`):
		return nil, fmt.Errorf("tokenizer.json: a Split pre-tokenizer with its own pattern is not supported (GPT-2 byte-level and SentencePiece-style files are)")
	case strings.Contains(pre, `"ByteLevel"`):
		t.byteLevel = true
	case strings.Contains(pre, `"Metaspace"`) || strings.Contains(string(h.Normalizer), "▁") || t.fallback:
		t.byteLevel = false
	default:
		return nil, fmt.Errorf("tokenizer.json: neither a ByteLevel nor a Metaspace (SentencePiece) tokenizer")
	}
	return t, nil
}

// parseMerges reads merges as "a b" strings or ["a", "b"] pairs, as
// "a\x00b" keys.
func parseMerges(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		out := make([]string, 0, len(strs))
		for _, s := range strs {
			a, b, ok := strings.Cut(s, " ")
			if !ok {
				return nil, fmt.Errorf("tokenizer.json: merge %q is not two tokens", s)
			}
			out = append(out, a+"\x00"+b)
		}
		return out, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("tokenizer.json: merges: %w", err)
	}
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p[0] + "\x00" + p[1]
	}
	return out, nil
}

// Size is one more than the largest id the file names.
func (t *Tokenizer) Size() int { return len(t.tokens) }

// Token is the id's token as the file spells it ("Ġthe", "▁the", "<0x0A>"),
// "" for an id it does not name.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// ID is the id of a token as the file spells it.
func (t *Tokenizer) ID(tok string) (int, bool) { id, ok := t.vocab[tok]; return id, ok }

// Encode tokenizes text.
func (t *Tokenizer) Encode(text string) []int {
	var out []int
	for len(text) > 0 {
		// The earliest added token, longest at a tie.
		at, which := -1, -1
		for i, a := range t.added {
			if k := strings.Index(text, a.content); k >= 0 && (at < 0 || k < at) {
				at, which = k, i
			}
		}
		if at < 0 {
			out = t.encodePlain(out, text)
			break
		}
		out = t.encodePlain(out, text[:at])
		out = append(out, t.added[which].id)
		text = text[at+len(t.added[which].content):]
	}
	return out
}

func (t *Tokenizer) encodePlain(out []int, text string) []int {
	if text == "" {
		return out
	}
	if !t.byteLevel {
		return t.encodeWord(out, "▁"+strings.ReplaceAll(text, " ", "▁"))
	}
	for _, piece := range splitGPT2(text) {
		var b strings.Builder
		for i := 0; i < len(piece); i++ {
			b.WriteRune(byteToRune[piece[i]])
		}
		out = t.encodeWord(out, b.String())
	}
	return out
}

// encodeWord applies the merges to one pre-token and appends its ids.
func (t *Tokenizer) encodeWord(out []int, word string) []int {
	if ids, ok := t.cache[word]; ok {
		return append(out, ids...)
	}
	var syms []string
	for _, r := range word {
		syms = append(syms, string(r))
	}
	for len(syms) > 1 {
		best, bestRank := -1, int(^uint(0)>>1)
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := t.ranks[syms[i]+"\x00"+syms[i+1]]; ok && r < bestRank {
				best, bestRank = i, r
			}
		}
		if best < 0 {
			break
		}
		a, b := syms[best], syms[best+1]
		merged := syms[:0:0]
		for i := 0; i < len(syms); i++ {
			if i+1 < len(syms) && syms[i] == a && syms[i+1] == b {
				merged = append(merged, a+b)
				i++
				continue
			}
			merged = append(merged, syms[i])
		}
		syms = merged
	}
	var ids []int
	for _, s := range syms {
		if id, ok := t.vocab[s]; ok {
			ids = append(ids, id)
			continue
		}
		if t.fallback {
			for i := 0; i < len(s); i++ {
				if id, ok := t.vocab[fmt.Sprintf("<0x%02X>", s[i])]; ok {
					ids = append(ids, id)
				} else if t.unk >= 0 {
					ids = append(ids, t.unk)
				}
			}
			continue
		}
		if t.unk >= 0 {
			ids = append(ids, t.unk)
		}
	}
	if len(t.cache) < 1<<16 {
		t.cache[word] = ids
	}
	return append(out, ids...)
}

// Decode turns ids back into text (ids the file does not name are
// skipped).
func (t *Tokenizer) Decode(ids []int) string {
	var b []byte
	for _, id := range ids {
		b = append(b, t.pieceBytes(id)...)
	}
	if !t.byteLevel {
		b = bytes.TrimPrefix(b, []byte{' '})
	}
	return string(b)
}

// pieceBytes is the bytes one token stands for.
func (t *Tokenizer) pieceBytes(id int) []byte {
	tok := t.Token(id)
	for _, a := range t.added {
		if a.id == id {
			return []byte(tok)
		}
	}
	if t.byteLevel {
		var b []byte
		for _, r := range tok {
			if c, ok := runeToByte[r]; ok {
				b = append(b, c)
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
		return b
	}
	if len(tok) == 6 && strings.HasPrefix(tok, "<0x") && tok[5] == '>' {
		if v, err := strconv.ParseUint(tok[3:5], 16, 8); err == nil {
			return []byte{byte(v)}
		}
	}
	return []byte(strings.ReplaceAll(tok, "▁", " "))
}

// Show is how a panel shows one token: its text with a space as "␣", a
// newline as "⏎", a tab as "⇥", other control characters and bytes that
// are not whole UTF-8 as <0xNN>.
func (t *Tokenizer) Show(id int) string {
	b := t.pieceBytes(id)
	var s strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&s, "<0x%02X>", b[0])
		case r == ' ':
			s.WriteString("␣")
		case r == '\n':
			s.WriteString("⏎")
		case r == '\t':
			s.WriteString("⇥")
		case unicode.IsControl(r):
			fmt.Fprintf(&s, "<0x%02X>", r)
		default:
			s.WriteRune(r)
		}
		b = b[n:]
	}
	return s.String()
}

// byteToRune is GPT-2's bytes_to_unicode: printable bytes map to
// themselves, the others to U+0100 onwards, in byte order.
var byteToRune, runeToByte = func() ([256]rune, map[rune]byte) {
	var m [256]rune
	inv := map[rune]byte{}
	n := 0
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF {
			m[b] = rune(b)
		} else {
			m[b] = rune(256 + n)
			n++
		}
		inv[m[b]] = byte(b)
	}
	return m, inv
}()

// splitGPT2 splits text with GPT-2's pattern
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (written out by hand: Go's regexp has no look-ahead).
func splitGPT2(text string) []string {
	var out []string
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r):
			return 1
		case unicode.IsNumber(r):
			return 2
		case unicode.IsSpace(r):
			return 3
		}
		return 4
	}
	run := func(i, c int) int { // end of the run of class c from i
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if class(r) != c {
				break
			}
			i += n
		}
		return i
	}
	for i := 0; i < len(text); {
		if text[i] == '\'' {
			matched := false
			for _, c := range []string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"} {
				if strings.HasPrefix(text[i:], c) {
					out = append(out, c)
					i += len(c)
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		start := i
		if r == ' ' && i+1 < len(text) {
			if r2, n2 := utf8.DecodeRuneInString(text[i+1:]); class(r2) != 3 {
				i = run(i+1+n2, class(r2))
				out = append(out, text[start:i])
				continue
			}
		}
		c := class(r)
		if c != 3 {
			i = run(i+n, c)
			out = append(out, text[start:i])
			continue
		}
		end := run(i, 3)
		if end < len(text) && end-i > n {
			// \s+(?!\S): leave the last whitespace character for what follows.
			_, last := utf8.DecodeLastRuneInString(text[i:end])
			end -= last
		}
		out = append(out, text[start:end])
		i = end
	}
	return out
}
