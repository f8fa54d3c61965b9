package text

import (
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"testing"
)

// gpt2Mini is a byte-level tokenizer.json written by hand; the expected
// encodings below were worked out by hand from its merges (rank order
// decides: " ab" is Ġ + ab because "a b" outranks "Ġ a").
const gpt2Mini = `{
 "added_tokens": [{"id": 10, "content": "<|endoftext|>", "special": true}],
 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false},
 "model": {"type": "BPE",
  "vocab": {"a":0,"b":1,"c":2,"Ġ":3,"ab":4,"Ġa":5,"Ġab":6,"abc":7,"!":8,"Ċ":9,"'":11,"s":12,"'s":13},
  "merges": ["a b", "Ġ a", "Ġa b", "ab c", "' s"]}}`

// llamaMini is a SentencePiece-style (Llama 2) tokenizer.json by hand,
// with byte fallback; merges as pairs, as newer files write them.
const llamaMini = `{
 "added_tokens": [{"id":1,"content":"<s>","special":true},{"id":2,"content":"</s>","special":true}],
 "normalizer": {"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]},
 "pre_tokenizer": null,
 "model": {"type":"BPE","byte_fallback":true,"unk_token":"<unk>",
  "vocab": {"<unk>":0,"<s>":1,"</s>":2,"<0x0A>":3,"<0x21>":4,"▁":5,"h":6,"i":7,"▁h":8,"▁hi":9,"hi":10,"<0xC3>":11,"<0xA9>":12},
  "merges": [["▁","h"],["▁h","i"],["h","i"]]}}`

func TestTokenizerByteLevel(t *testing.T) {
	tok, err := ParseTokenizer([]byte(gpt2Mini))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in   string
		want []int
	}{
		{"abc", []int{7}},
		{" ab", []int{3, 4}},
		{"ab abc!", []int{4, 3, 7, 8}},
		{"a's", []int{0, 13}},
		{"a<|endoftext|>b", []int{0, 10, 1}},
		{"a\n", []int{0, 9}},
		{"a  b", []int{0, 3, 3, 1}},
	} {
		got := tok.Encode(c.in)
		if !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.in, got, c.want)
		}
		if back := tok.Decode(got); back != c.in {
			t.Errorf("Decode(Encode(%q)) = %q", c.in, back)
		}
	}
	if s := tok.Show(3); s != "␣" {
		t.Errorf("Show(Ġ) = %q", s)
	}
	if s := tok.Show(9); s != "⏎" {
		t.Errorf("Show(Ċ) = %q", s)
	}
}

func TestTokenizerSentencePiece(t *testing.T) {
	tok, err := ParseTokenizer([]byte(llamaMini))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in   string
		want []int
	}{
		{"hi hi", []int{9, 9}},
		{"hi\n!", []int{9, 3, 4}},
		{"é", []int{5, 11, 12}},
		// Each piece between added tokens is normalized on its own (as in
		// Hugging Face's tokenizers), so "hi" after <s> gets its "▁" too.
		{"<s>hi", []int{1, 9}},
	} {
		got := tok.Encode(c.in)
		if !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	if got := tok.Decode([]int{9, 3, 4}); got != "hi\n!" {
		t.Errorf("Decode = %q", got)
	}
	if got := tok.Decode([]int{5, 11, 12}); got != "é" {
		t.Errorf("Decode = %q", got)
	}
}

func TestTokenizerRefuses(t *testing.T) {
	for _, b := range []string{
		`{"model":{"type":"WordPiece","vocab":{}}}`,
		`{"model":{"type":"BPE","vocab":{"a":0},"merges":["ab"]},"pre_tokenizer":{"type":"ByteLevel"}}`,
		`{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"x"}},{"type":"ByteLevel"}]}}`,
		`{"model":{"type":"BPE","vocab":{"a":-3},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}`,
		`not json`,
	} {
		if _, err := ParseTokenizer([]byte(b)); err == nil {
			t.Errorf("accepted %s", b)
		}
	}
}

func TestTextTask(t *testing.T) {
	raw := json.RawMessage(`{"task":"text","vocab":20,"steps":3,"max_prompt":6,"tokenizer":"tokenizer.json"}`)
	base, err := Factory(raw)
	if err != nil {
		t.Fatal(err)
	}
	ft := base.(*Task)
	if !slices.Equal(ft.Files(), []string{"tokenizer.json"}) {
		t.Fatalf("Files = %v", ft.Files())
	}
	if _, err := ft.WithFiles(func(string) ([]byte, error) { return nil, fs.ErrNotExist }); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing tokenizer: %v", err)
	}
	task, err := ft.WithFiles(func(string) ([]byte, error) { return []byte(gpt2Mini), nil })
	if err != nil {
		t.Fatal(err)
	}
	p, err := task.Parse("ab abc!")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Prompt(), []int{4, 3, 7, 8}) || !slices.Equal(p.Answer(), []int{-1, -1, -1}) || p.CheckAnswer([]int{1, 2, 3}) != nil {
		t.Errorf("problem: prompt %v answer %v", p.Prompt(), p.Answer())
	}
	if _, err := task.Parse("abc abc abc abc abc abc abc"); err == nil {
		t.Error("a prompt over max_prompt was accepted")
	}
	if _, err := task.Parse("  "); err == nil {
		t.Error("an empty prompt was accepted")
	}
	v := task.Vocab()
	if v.Size() != 20 || v.Sym(7) != "abc" || v.Short(3) != "␣" || v.Sym(15) != "<15>" || v.EOS() != 10 {
		t.Errorf("vocab: size %d sym %q short %q sym15 %q eos %d", v.Size(), v.Sym(7), v.Short(3), v.Sym(15), v.EOS())
	}
	if id, ok := v.Lookup("abc"); !ok || id != 7 {
		t.Errorf("Lookup(abc) = %d %v", id, ok)
	}
	if id, ok := v.Lookup("<15>"); !ok || id != 15 {
		t.Errorf("Lookup(<15>) = %d %v", id, ok)
	}
	// A tokenizer larger than the models' vocabulary is refused.
	small, _ := Factory(json.RawMessage(`{"vocab":5,"tokenizer":"t.json"}`))
	if _, err := small.(*Task).WithFiles(func(string) ([]byte, error) { return []byte(gpt2Mini), nil }); err == nil {
		t.Error("a 14-token tokenizer was accepted for 5-token models")
	}
	// Without a tokenizer, typed text is its bytes.
	bare, _ := Factory(json.RawMessage(`{"vocab":300}`))
	q, _ := bare.Parse("hi")
	if !slices.Equal(q.Prompt(), []int{'h', 'i'}) {
		t.Errorf("bytes prompt %v", q.Prompt())
	}
	for _, bad := range []string{`{"vocab":1}`, `{"vocab":10,"tokenizer":"../x"}`, `{"vocab":10,"steps":-1}`} {
		if _, err := Factory(json.RawMessage(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
