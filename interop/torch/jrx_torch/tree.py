"""The tree-search task in jrx's token format (tasks/vocab.go, tasks/tree.go, tasks/batch.go).

Ids: letters A–Z 0–25, "," 26, [ROOT] 27, [TARGET] 28, [ROUTE] 29, [EOS] 30,
[PAD] 31, [BOS] 32 (the Dual-Talker decoder's start only). A sequence is
"p c , p c , … [ROOT] r [TARGET] t [ROUTE]" (the prompt), then the route
root→target and [EOS] (the answer). Trees are complete binary trees of
``depth`` levels with distinct letters, drawn here with numpy (the same
distribution as jrx's generator, not the same random numbers).
"""

import re

import numpy as np

NUM_LETTERS = 26
COMMA, ROOT, TARGET, ROUTE, EOS, PAD, BOS = 26, 27, 28, 29, 30, 31, 32
VOCAB = 33
SYMS = [chr(ord("A") + i) for i in range(NUM_LETTERS)] + [",", "[ROOT]", "[TARGET]", "[ROUTE]", "[EOS]", "[PAD]", "[BOS]"]
MIN_DEPTH, MAX_DEPTH = 2, 4


def fmt(ids):
    """Text form of ids (symbols joined without separator)."""
    return "".join(SYMS[i] if 0 <= i < VOCAB else f"[?{i}]" for i in ids)


def num_nodes(depth):
    return (1 << depth) - 1


def seq_len(depth, route_nodes):
    """Length of a whole sequence whose route has route_nodes nodes (51 for a depth-4 leaf)."""
    e = num_nodes(depth) - 1
    return 2 * e + (e - 1) + 5 + route_nodes + 1


def max_seq_len(depth):
    return seq_len(depth, depth)


class Tree:
    """edges [(parent, child)] in sequence order, root, target (letter ids)."""

    def __init__(self, edges, root, target):
        self.edges, self.root, self.target = list(edges), root, target
        self.parent = {c: p for p, c in self.edges}

    def route(self):
        r = [self.target]
        while r[-1] != self.root:
            r.append(self.parent[r[-1]])
        return r[::-1]

    def prompt(self):
        out = []
        for i, (p, c) in enumerate(self.edges):
            if i:
                out.append(COMMA)
            out += [p, c]
        return out + [ROOT, self.root, TARGET, self.target, ROUTE]

    def answer(self):
        return self.route() + [EOS]

    def tokens(self):
        return self.prompt() + self.answer()

    def problem(self):
        """The text a person types (jrx run --prompt): the prompt without [ROUTE]."""
        return fmt(self.prompt()[:-1])


def new_tree(depth, rng, order="shuffled", targets="leaf"):
    """A complete binary tree of depth levels (like tasks.NewTree): letters, target, edge order."""
    if not MIN_DEPTH <= depth <= MAX_DEPTH:
        raise ValueError(f"tree depth {depth} out of range {MIN_DEPTH}..{MAX_DEPTH}")
    n = num_nodes(depth)
    heap = rng.permutation(NUM_LETTERS)[:n].tolist()
    if targets == "leaf":
        ti = n // 2 + int(rng.integers(n // 2 + 1))
    elif targets == "any-depth":
        d = 1 + int(rng.integers(depth - 1))
        ti = (1 << d) - 1 + int(rng.integers(1 << d))
    else:
        raise ValueError(f"unknown target policy {targets!r} (leaf or any-depth)")
    edges = []
    for i in range(n // 2):
        edges += [(heap[i], heap[2 * i + 1]), (heap[i], heap[2 * i + 2])]
    if order == "shuffled":
        edges = [edges[i] for i in rng.permutation(len(edges))]
    elif order != "level":
        raise ValueError(f"unknown edge order {order!r} (shuffled or level)")
    return Tree(edges, heap[0], heap[ti])


_TOKEN = re.compile(r"\[[A-Za-z]+\]|[A-Za-z]|,|\s+")


def parse_ids(text):
    """Token ids of a text such as 'AB,AC[ROOT]A[TARGET]C' (whitespace ignored)."""
    ids, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read {text[pos:pos + 10]!r} at position {pos}")
        s = m.group(0)
        pos = m.end()
        if s.isspace():
            continue
        s = s.upper()
        if s not in SYMS:
            raise ValueError(f"unknown symbol {s!r}")
        ids.append(SYMS.index(s))
    return ids


def parse_problem(text):
    """The prompt ids (ending in [ROUTE]) of a problem text 'AB,AC[ROOT]A[TARGET]C'."""
    ids = parse_ids(text)
    if ids and ids[-1] == ROUTE:
        return ids
    if len(ids) < 4 or ids[-4] != ROOT or ids[-2] != TARGET:
        raise ValueError(f"{text!r} does not end in [ROOT] r [TARGET] t")
    return ids + [ROUTE]


def make_batch(trees, T=0, route_weight=10.0):
    """tasks.MakeBatch: inputs, targets, targets2, w1, w2, wsst as numpy arrays [B, T].

    inputs x_i and targets x_{i+1} for i < L−1 (else [PAD]); targets2 x_{i+2};
    w1 = 1 before [ROUTE], route_weight from [ROUTE] to the position predicting
    [EOS], 0 on padding; w2 = w1 where targets2 is not padding; wsst = 1 on the
    route-and-EOS block.
    """
    seqs = [t.tokens() for t in trees]
    need = max(len(s) - 1 for s in seqs)
    T = T or need
    if T < need:
        raise ValueError(f"T = {T} is shorter than the longest row, which needs {need}")
    B = len(trees)
    b = {k: np.full((B, T), PAD, np.int64) for k in ("inputs", "targets", "targets2")}
    b.update({k: np.zeros((B, T), np.float32) for k in ("w1", "w2", "wsst")})
    for r, (t, x) in enumerate(zip(trees, seqs)):
        L, R = len(x), len(t.prompt()) - 1
        for i in range(L - 1):
            b["inputs"][r, i], b["targets"][r, i] = x[i], x[i + 1]
            w = route_weight if i >= R else 1.0
            b["w1"][r, i] = w
            if i >= R:
                b["wsst"][r, i] = 1
            if i + 2 < L:
                b["targets2"][r, i] = x[i + 2]
                b["w2"][r, i] = w
    return b


def route_ok(tree, tokens):
    """Whether tokens are exactly the answer (the route, then [EOS])."""
    return list(tokens) == tree.answer()
