package nn

import "fmt"

// ParamSet holds every parameter tensor of a model in ONE contiguous Data
// buffer and its gradients in ONE contiguous Grad buffer of the same layout,
// with named, shaped views into both (llm.c style): the optimiser is one loop
// over Data, a checkpoint is one walk over Names.
//
// Usage: declare every tensor with Add, then call Alloc once; W and G return
// views. Data and Grad are never reallocated after Alloc, so views taken once
// stay valid; loading a checkpoint must copy into W(name), not replace it.
// ParamSet satisfies the checkpoint code's TensorSource (Names, Shape, W).
type ParamSet struct {
	names   []string
	entries map[string]*paramEntry
	data    []float32
	grad    []float32
	total   int
	alloced bool
}

type paramEntry struct {
	shape  []int
	off, n int
}

// NewParamSet returns an empty parameter set.
func NewParamSet() *ParamSet {
	return &ParamSet{entries: make(map[string]*paramEntry)}
}

// Add declares a tensor. It panics after Alloc, on a duplicate name, on an
// empty name, or on a non-positive dimension.
func (p *ParamSet) Add(name string, shape ...int) {
	if p.alloced {
		panic(fmt.Sprintf("nn: ParamSet.Add(%q) after Alloc", name))
	}
	if name == "" {
		panic("nn: ParamSet.Add with empty name")
	}
	if _, dup := p.entries[name]; dup {
		panic(fmt.Sprintf("nn: ParamSet.Add: duplicate tensor %q", name))
	}
	if len(shape) == 0 {
		panic(fmt.Sprintf("nn: ParamSet.Add(%q): no shape", name))
	}
	n := 1
	for _, s := range shape {
		if s <= 0 {
			panic(fmt.Sprintf("nn: ParamSet.Add(%q): bad shape %v", name, shape))
		}
		n *= s
	}
	sh := append([]int(nil), shape...)
	p.entries[name] = &paramEntry{shape: sh, off: p.total, n: n}
	p.names = append(p.names, name)
	p.total += n
}

// Alloc allocates the Data and Grad buffers (zeroed). It panics if called twice.
func (p *ParamSet) Alloc() {
	if p.alloced {
		panic("nn: ParamSet.Alloc called twice")
	}
	p.data = make([]float32, p.total)
	p.grad = make([]float32, p.total)
	p.alloced = true
}

func (p *ParamSet) entry(name string) *paramEntry {
	e, ok := p.entries[name]
	if !ok {
		panic(fmt.Sprintf("nn: ParamSet: unknown tensor %q", name))
	}
	return e
}

func (p *ParamSet) mustAlloc() {
	if !p.alloced {
		panic("nn: ParamSet used before Alloc")
	}
}

// Names returns the tensor names in declaration order (a copy).
func (p *ParamSet) Names() []string { return append([]string(nil), p.names...) }

// Shape returns a copy of the tensor's shape; it panics on an unknown name.
func (p *ParamSet) Shape(name string) []int {
	return append([]int(nil), p.entry(name).shape...)
}

// Has reports whether a tensor of that name was declared.
func (p *ParamSet) Has(name string) bool {
	_, ok := p.entries[name]
	return ok
}

// W returns the tensor's view into Data (capacity-limited, so appends never
// spill into the next tensor). It panics on an unknown name or before Alloc.
func (p *ParamSet) W(name string) []float32 {
	p.mustAlloc()
	e := p.entry(name)
	return p.data[e.off : e.off+e.n : e.off+e.n]
}

// G returns the tensor's view into Grad (capacity-limited).
func (p *ParamSet) G(name string) []float32 {
	p.mustAlloc()
	e := p.entry(name)
	return p.grad[e.off : e.off+e.n : e.off+e.n]
}

// Data returns the whole contiguous parameter buffer.
func (p *ParamSet) Data() []float32 { p.mustAlloc(); return p.data }

// Grad returns the whole contiguous gradient buffer.
func (p *ParamSet) Grad() []float32 { p.mustAlloc(); return p.grad }

// ZeroGrad sets every gradient to 0.
func (p *ParamSet) ZeroGrad() {
	p.mustAlloc()
	lyClear(p.grad)
}

// NumParams returns the total number of scalars declared.
func (p *ParamSet) NumParams() int { return p.total }

// offset returns the tensor's offset and length in Data.
func (p *ParamSet) offset(name string) (off, n int) {
	e := p.entry(name)
	return e.off, e.n
}
