package talker

import (
	"math"
	"testing"

	"jrx/internal/testvec"
)

func talkerCfg(c testvec.Case) Config {
	return Config{Vocab: int(c.Config["vocab"]), D: int(c.Config["d"]), A: int(c.Config["attn"]), Heads: int(c.Config["heads"]),
		F: int(c.Config["ffn"]), Layers: int(c.Config["layers"]), EncLayers: int(c.Config["enc_layers"]), DecLayers: int(c.Config["dec_layers"]),
		Context: int(c.Config["context"]), QKNorm: true, RopeBase: 10000, BOS: int(c.Config["bos"])}
}

func checkGrads(t *testing.T, what string, got func(string) []float32, want map[string]testvec.Tensor) {
	t.Helper()
	worst := 0.0
	for name, g := range want {
		e := testvec.RelErr(got(name), g.Data)
		worst = math.Max(worst, e)
		if e > 1e-3 {
			t.Errorf("%s grad %s: rel err %.3g", what, name, e)
		}
	}
	t.Logf("%s: worst grad rel err %.3g over %d tensors", what, worst, len(want))
}

func TestMonoConformance(t *testing.T) {
	cases, err := testvec.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := cases["mono_talker"]
	m, err := NewMono(talkerCfg(c))
	if err != nil {
		t.Fatal(err)
	}
	if missing, err := testvec.Fill(m.P, c.Params); err != nil || len(missing) > 0 {
		t.Fatalf("fill: %v, missing %v", err, missing)
	}
	lat, _ := testvec.Get[testvec.Tensor](c.Inputs, "latents")
	targets, _ := testvec.Get[[]int](c.Inputs, "targets")
	T := lat.Shape[0]
	x := make([]float32, len(lat.Data))
	for i, v := range lat.Data {
		x[i] = float32(v)
	}
	wk := m.NewWork(1, T)
	m.P.ZeroGrad()
	loss := m.Loss(wk, x, targets, nil, 1, T)
	want, _ := testvec.Get[float64](c.Outputs, "ce_loss")
	if e := math.Abs(float64(loss)-want) / want; e > 1e-5 {
		t.Errorf("loss %v, want %v", loss, want)
	}
	logits, _ := testvec.Get[testvec.Tensor](c.Outputs, "logits")
	if e := testvec.RelErr(m.Logits(wk, x, 1, T), logits.Data); e > 1e-5 {
		t.Errorf("logits rel err %.3g", e)
	}
	checkGrads(t, "mono", m.P.G, c.GradsCE)
	// Stepped reading (the engine's path) gives the argmax of the same logits.
	traj := make([][]float32, T)
	for i := range traj {
		traj[i] = x[i*m.Cfg.D : (i+1)*m.Cfg.D]
	}
	toks, err := m.Read(traj)
	if err != nil {
		t.Fatal(err)
	}
	V := m.Cfg.Vocab
	for i, tok := range toks {
		best := 0
		for j := 0; j < V; j++ {
			if logits.Data[i*V+j] > logits.Data[i*V+best] {
				best = j
			}
		}
		if tok != best {
			t.Errorf("step %d: Read gives %d, the vectors' argmax is %d", i, tok, best)
		}
	}
}

func TestDualConformance(t *testing.T) {
	cases, err := testvec.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := cases["dual_talker"]
	m, err := NewDual(talkerCfg(c))
	if err != nil {
		t.Fatal(err)
	}
	if missing, err := testvec.Fill(m.P, c.Params); err != nil || len(missing) > 0 {
		t.Fatalf("fill: %v, missing %v", err, missing)
	}
	if len(m.P.Names()) != len(c.Params) {
		t.Fatalf("Dual-Talker declares %d tensors, the vectors have %d", len(m.P.Names()), len(c.Params))
	}
	lat, _ := testvec.Get[testvec.Tensor](c.Inputs, "latents")
	dec, _ := testvec.Get[[]int](c.Inputs, "decoder_tokens")
	targets, _ := testvec.Get[[]int](c.Inputs, "targets")
	T := lat.Shape[0]
	x := make([]float32, len(lat.Data))
	for i, v := range lat.Data {
		x[i] = float32(v)
	}
	wk := m.NewWork(1, T)
	m.P.ZeroGrad()
	loss := m.Loss(wk, x, dec, targets, nil, 1, T)
	want, _ := testvec.Get[float64](c.Outputs, "ce_loss")
	if e := math.Abs(float64(loss)-want) / want; e > 1e-5 {
		t.Errorf("loss %v, want %v", loss, want)
	}
	checkGrads(t, "dual", m.P.G, c.GradsCE)
	traj := make([][]float32, T)
	for i := range traj {
		traj[i] = x[i*m.Cfg.D : (i+1)*m.Cfg.D]
	}
	mem, err := m.Memory(traj)
	if err != nil {
		t.Fatal(err)
	}
	wantMem, _ := testvec.Get[testvec.Tensor](c.Outputs, "memory")
	if e := testvec.RelErr(mem, wantMem.Data); e > 1e-5 {
		t.Errorf("memory rel err %.3g", e)
	}
	// Greedy decoding forced to the vectors' decoder tokens reproduces the
	// teacher-forced logits' argmax at each step.
	force := map[int]int{}
	for i := 0; i+1 < T; i++ {
		force[i] = dec[i+1]
	}
	out, err := m.Decode(traj, force)
	if err != nil {
		t.Fatal(err)
	}
	logits, _ := testvec.Get[testvec.Tensor](c.Outputs, "logits")
	V := m.Cfg.Vocab
	best := 0
	for j := 0; j < V; j++ {
		if logits.Data[(T-1)*V+j] > logits.Data[(T-1)*V+best] {
			best = j
		}
	}
	if out[T-1] != best {
		t.Errorf("last decoded token %d, the vectors' argmax is %d", out[T-1], best)
	}
}
