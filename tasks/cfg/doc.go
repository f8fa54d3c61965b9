// Package cfg is the grammar task (PAPER.md, Experiment 2): a layered
// context-free grammar after Allen-Zhu & Li (Physics of Language Models,
// Part 1, the cfg3 family), its generator and chart parser, and the task
// built on it — vocabulary, sampling, typed problems, answer checks. It
// implements tasks.Task (Task, Problem) and registers itself as "cfg".
// docs/GRAMMAR.md prints the default grammar.
//
// # The grammar
//
// Three terminals a, b, c (token ids 0, 1, 2). Non-terminals stand in
// levels: the root S at level 1, then 2–3 non-terminals a level (named A2,
// B2, C2, A3, …); each has 2–3 rules of 3–4 symbols of the next level, and
// the last level's rules are strings of terminals. No rule is empty, so
// every derivation has the same depth and the language is finite: 4
// levels (the default) give sentences of 81–256 terminals at most, 93–192
// for the default grammar. Generate draws a grammar from a seed (the same
// seed and Shape, the same grammar); DefaultSeed with DefaultShape(4) is
// the task's grammar. A grammar prints as a rule table (String, Markdown)
// and round-trips through JSON (MarshalJSON, UnmarshalGrammar), so a model
// set stores the grammar it was trained on (Task.Settings).
//
// # The parser
//
// Parser is a dynamic program over the layered rules, bottom-up by level
// (CYK-like, with a prefix closure; the recurrences are on Parser). One
// pass over a string s gives a Verdict: whether s is a sentence, the
// length of its longest valid prefix (so the first position where s stops
// beginning any sentence), and which terminals may come next. Derive
// returns one derivation of a valid prefix: for each level, the
// non-terminals covering s, and which are still open where s stops — the
// derivation's stack at each position; when s has several parses it is
// the one with the lowest-numbered rules top down and the earliest child
// boundaries. Grammar.Check and Grammar.Derive are safe for concurrent use
// (they draw Parsers from a pool). On the project's 2-core machine a
// 175-symbol default-grammar sentence parses in 0.07–0.22 ms and a
// 256-symbol one in 0.11–0.19 ms, depending on the load (the benchmarks in
// bench_test.go).
//
// # The task
//
// Vocabulary (ids fixed; they index checkpoint embedding rows): a 0, b 1,
// c 2, [ANS] 3, [EOS] 4, [PAD] 5, [BOS] 6, [BOT] 7, [EOT] 8 — 9 tokens.
// [ANS] ends the prompt (the tree's [ROUTE]); [BOS] starts a Dual-Talker's
// decoding; [BOT] and [EOT] bracket COCONUT's continuous thoughts.
//
// A problem is a sampled sentence cut after 1..len−1 symbols (uniform):
// the prompt is the prefix then [ANS], the answer the next AnswerLen (8)
// tokens of the sentence followed by [EOS] — 8 symbols, or the rest of the
// sentence and [EOS]. The pretraining variant (Task.Pretraining) cuts the
// same way and continues to the end. Any grammatical continuation is a
// right answer: CheckAnswer accepts terminals that keep a valid prefix and
// [EOS] only where the string is a sentence, and names the first wrong
// step. Rival is another grammatical terminal at a step; Mistakes are a
// terminal that breaks the sentence (kind Rival) and a premature [EOS]
// (kind End).
//
// The text form is the prefix, [ANS] and the answer, e.g. "bccbabcb[ANS]
// bbbbccb"; Task.Parse reads it (whitespace anywhere, any case) and
// reports a *tasks.ParseError at the character that breaks the grammar.
// A typed prefix without an answer gets Grammar.Continue's: the first
// grammatical terminal (a, b, c order) at each step.
//
// # Invariants
//
//   - Grammars, Tasks and Problems are immutable and safe for concurrent
//     use; a Parser is not (one per goroutine, or Grammar's methods).
//   - Every sampled sentence is a member; every prompt's prefix is a
//     non-empty proper valid prefix (Task.InDistribution); every reference
//     answer passes CheckAnswer.
//   - For one generator state, Sample gives one problem; for one seed and
//     shape, Generate gives one grammar.
package cfg
