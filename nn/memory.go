package nn

// Memory estimates: what the allocating constructors below take, computed
// without allocating, in float64 so that absurd configurations give huge
// numbers instead of overflowing. A model set is checked against them
// before anything is allocated (engine; docs/LIMITS.md). They must follow
// the constructors: TestMemoryEstimates compares them with the real
// allocations.

// ParamBytes is the memory ParamSet.Alloc takes for n parameters: the
// values and their gradients, 4 bytes each.
func ParamBytes(n float64) float64 { return 2 * 4 * n }

// ActsBytes is the memory Stack.NewActs(maxB, maxT) takes (cross false), or
// Decoder.NewActsMem(maxB, maxT, maxTm) (cross true). F-wide buffers count
// their padded row stride (ffnStride).
func ActsBytes(cfg StackConfig, cross bool, maxB, maxT, maxTm int) float64 {
	d, A, F, H, L := float64(cfg.D), float64(cfg.A), float64(ffnStride(cfg.F)), float64(cfg.Heads), float64(cfg.Layers)
	B, T, Tm := float64(maxB), float64(maxT), float64(maxTm)
	if !cross {
		Tm = 0
	}
	N, Nm := B*T, B*Tm
	attn := func(Nq, Nk, Tq, Tk float64) float64 {
		n := Nq*d + Nq + Nq*A + 2*Nk*A + B*H*Tq*Tk + Nq*A
		if cfg.QKNorm {
			n += Nq*A + Nk*A + Nq*H + Nk*H
		}
		return n
	}
	perLayer := attn(N, N, T, T) + N*d + N*d + N + 2*N*F
	if cross {
		perLayer += attn(N, Nm, T, Tm) + N*d
	}
	floats := (L+1)*N*d + L*perLayer +
		N*d + N + Nm*d + // h, hr, mem
		2*N*d + 2*N*A + 2*max(N, Nm)*A + N*F + // dres, dxn, dq, do, dk, dv, du
		B*H*T*max(T, Tm) + // scratch
		max(T, Tm)*float64(cfg.Dh()) // rope table
	return 4 * floats
}

// CacheBytes is the memory Stack.NewCache(capacity) takes.
func CacheBytes(cfg StackConfig, capacity int) float64 {
	d, A, F, L, c := float64(cfg.D), float64(cfg.A), float64(cfg.F), float64(cfg.Layers), float64(capacity)
	return 4 * (2*L*c*A + c*float64(cfg.Dh()) + 2*d + 4*A + 2*F + c)
}

// InferActsBytes is the memory Stack.NewInferActs(maxB, maxT) takes.
func InferActsBytes(cfg StackConfig, maxB, maxT int) float64 {
	d, A, F, H := float64(cfg.D), float64(cfg.A), float64(ffnStride(cfg.F)), float64(cfg.Heads)
	B, T := float64(maxB), float64(maxT)
	N := B * T
	attn := N*d + N + N*A + 2*N*A + B*H*T*T + N*A
	if cfg.QKNorm {
		attn += 2*N*A + 2*N*H
	}
	block := attn + N*d + N*d + N + 2*N*F
	floats := 2*N*d + block + N*d + N + T*float64(cfg.Dh())
	return 4 * floats
}
