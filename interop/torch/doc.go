// Package torch holds no Go code: it is the home of jrx's PyTorch interop
// (docs/MODEL.md in PyTorch, reading and writing jrx checkpoints, training
// at scale under torchrun) and of the Go test that drives it.
//
// The Python side, next to this file:
//
//	jrx_torch/          the package: Reasoner, Baseline, MonoTalker, DualTalker,
//	                    save/load of jrx checkpoints, the tree task
//	convert.py          foreign checkpoint + mapping file → jrx checkpoint
//	train.py            the training stages under torchrun/DDP → a jrx model set
//	tests/conformance.py  jrx ↔ PyTorch comparisons, driven by torch_test.go
//	tests/vectors.py    models and training losses against testdata/model_vectors.json
//	README.md           how to train at scale and open the result in jrx
//
// Invariants checked by the tests here: the shipped set loaded in PyTorch
// gives jrx's free-running latents (max |Δ| ≤ 1e-4) and every lane's tokens;
// a set made and saved in PyTorch opens in jrx with the same configs,
// parameter counts, latents and tokens; a shipped file loaded and saved by
// jrx_torch is byte-identical; train.py under torchrun with 2 gloo processes
// writes a set that jrx opens, with the ranks' parameters identical; the
// models' outputs and train.py's losses and gradients match the independent
// float64 conformance vectors to 1e-9.
//
// The tests need PyTorch and numpy importable by /usr/bin/python3 (Debian's
// python3-torch; JRX_PYTHON names another interpreter). Without them they
// skip, saying so in the skip message and on stderr (visible with go test
// -v); with JRX_REQUIRE_TORCH=1, or CI set, they fail instead.
//
// Example (what TestShippedSetInPyTorch runs):
//
//	go build -o /tmp/jrx ./cmd/jrx
//	/usr/bin/python3 interop/torch/tests/conformance.py shipped --jrx /tmp/jrx
package torch
