package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"jrx/internal/testmodels"
)

// jrx eval cfg on a random-weight grammar set: the table, --json (one
// object with the fields) and --csv; and a tree set is refused.
func TestEvalCfg(t *testing.T) {
	dir := t.TempDir()
	if err := testmodels.RandomGrammarSet(dir); err != nil {
		t.Fatal(err)
	}
	run1 := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := run(context.Background(), &cliEnv{stdout: &out, stderr: &errb}, args)
		return out.String() + errb.String(), code
	}
	out, code := run1("eval", "cfg", "--model", dir, "--n", "3", "--seed", "9")
	if code != 0 || !strings.Contains(out, "Table 7") || !strings.Contains(out, "Table 4") || !strings.Contains(out, "R+Dual") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	js, code := run1("eval", "cfg", "--model", dir, "--n", "3", "--seed", "9", "--json")
	var rep struct {
		N               int                `json:"n"`
		Seed            uint64             `json:"seed"`
		TokenCorruption []map[string]any   `json:"token_corruption"`
		LatentNoise     []map[string]any   `json:"latent_noise"`
		GreedyValid     map[string]float64 `json:"greedy_valid"`
	}
	if i := strings.IndexByte(js, '{'); code != 0 || i < 0 || json.Unmarshal([]byte(js[i:strings.LastIndexByte(js, '}')+1]), &rep) != nil {
		t.Fatalf("--json: exit %d:\n%s", code, js)
	}
	if rep.N != 3 || rep.Seed != 9 || len(rep.TokenCorruption) == 0 || len(rep.LatentNoise) == 0 || len(rep.GreedyValid) != 3 {
		t.Errorf("--json report: %+v", rep)
	}
	for _, k := range []string{"model", "p", "step", "exact", "valid", "relative"} {
		if _, ok := rep.TokenCorruption[0][k]; !ok {
			t.Errorf("token_corruption rows lack %q", k)
		}
	}
	if out, code := run1("eval", "cfg", "--task", "tree", "--n", "2"); code != 1 || !strings.Contains(out, "not cfg") {
		t.Errorf("the embedded tree set: exit %d, %s", code, out)
	}
	// Without --model: the embedded grammar set.
	if out, code := run1("eval", "cfg", "--n", "2", "--json"); code != 0 || !strings.Contains(out, `"greedy_valid"`) {
		t.Errorf("the embedded grammar set: exit %d, %s", code, out)
	}
}

// --task picks the embedded set of a task, and checks a --model set's task.
func TestTaskFlag(t *testing.T) {
	dir := t.TempDir()
	if err := testmodels.RandomGrammarSet(dir); err != nil {
		t.Fatal(err)
	}
	run1 := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := run(context.Background(), &cliEnv{stdout: &out, stderr: &errb}, args)
		return out.String() + errb.String(), code
	}
	if out, code := run1("run", "--model", dir, "--task", "cfg", "--seed", "3"); code != 0 || !strings.Contains(out, "coconut") {
		t.Errorf("a grammar set with --task cfg: exit %d\n%s", code, out)
	}
	if out, code := run1("run", "--model", dir, "--task", "tree"); code != 1 || !strings.Contains(out, "is a cfg set, not tree") {
		t.Errorf("a grammar set with --task tree: exit %d\n%s", code, out)
	}
	if out, code := run1("info", "--task", "nosuch"); code != 1 || !strings.Contains(out, `no embedded model set for task "nosuch"`) {
		t.Errorf("an unknown task: exit %d\n%s", code, out)
	}
	if out, code := run1("info", "--task", "tree"); code != 0 {
		t.Errorf("--task tree (the embedded default set): exit %d\n%s", code, out)
	}
}
