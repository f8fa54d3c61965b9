package main

import "testing"

func TestParseCPULine(t *testing.T) {
	total, steal, ok := parseCPULine("cpu  2292425 0 52476 573463 934 0 5463 84781 0 0")
	if !ok || steal != 84781 || total != 2292425+52476+573463+934+5463+84781 {
		t.Fatalf("total %d steal %d ok %v", total, steal, ok)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5 6 7 8", "cpu 1 2 3", "cpu 1 2 3 4 5 6 7 x", "intr 1 2 3 4 5 6 7 8"} {
		if _, _, ok := parseCPULine(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	p := 12.34
	if got := stealNote(&p); got != "; CPU stolen by the hypervisor during the run: 12.3% (a shared, busy host: expect lower and noisier numbers)" {
		t.Errorf("note %q", got)
	}
	if stealNote(nil) != "" {
		t.Error("unknown steal gives a note")
	}
}
