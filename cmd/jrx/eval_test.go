package main

import (
	"encoding/json"
	"strings"
	"testing"

	"jrx/engine"
	"jrx/internal/testmodels"
)

func TestEvalContainmentOutputs(t *testing.T) {
	_, dir, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "eval", "containment", "--model", dir, "--n", "4", "--seed", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep engine.ContainmentReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	// Depth 2: T = 3 answer steps (route of 2, EOS), EOS forced at 1..2.
	if rep.N != 4 || rep.Seed != 3 || len(rep.Injected) != 3 || len(rep.EOS) != 2 || len(rep.Early) != 1 || len(rep.Corruption) != 7 || len(rep.Noise) != 4 {
		t.Fatalf("report shape: n %d seed %d, %d/%d/%d/%d/%d rows", rep.N, rep.Seed, len(rep.Injected), len(rep.EOS), len(rep.Early), len(rep.Corruption), len(rep.Noise))
	}
	if !strings.Contains(errOut, "sessions") {
		t.Errorf("no progress on stderr: %q", errOut)
	}

	// CSV: the same numbers, in the same order on every run.
	_, csv1, _ := runCLI(t, "eval", "containment", "--model", dir, "--n", "4", "--seed", "3", "--csv")
	_, csv2, _ := runCLI(t, "eval", "containment", "--model", dir, "--n", "4", "--seed", "3", "--csv")
	if csv1 != csv2 {
		t.Fatal("two CSV runs differ")
	}
	lines := strings.Split(strings.TrimSpace(csv1), "\n")
	tables := []string{}
	for _, l := range lines[1:] {
		name := strings.SplitN(l, ",", 2)[0]
		if len(tables) == 0 || tables[len(tables)-1] != name {
			tables = append(tables, name)
		}
	}
	if got := strings.Join(tables, " "); got != "token_errors premature_eos target_too_early input_corruption latent_noise" {
		t.Errorf("CSV tables in order %q", got)
	}
	if want := "premature_eos,1,baseline,exact,"; !strings.Contains(csv1, want) {
		t.Errorf("CSV lacks %q", want)
	}

	_, table, _ := runCLI(t, "eval", "containment", "--model", dir, "--n", "4", "--seed", "3")
	for _, want := range []string{"(seed 3)", "premature EOS", "skipped level", "Input corruption", "Latent noise"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}
