package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/engine"
)

// jsonLines decodes jrx run --json's lines by type.
func jsonLines(t *testing.T, out string) map[string][]json.RawMessage {
	t.Helper()
	m := map[string][]json.RawMessage{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var head struct{ Type string }
		if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		m[head.Type] = append(m[head.Type], json.RawMessage(append([]byte(nil), sc.Bytes()...)))
	}
	return m
}

func TestRunBreak(t *testing.T) {
	dir := tinyDir(t)
	// Forcing the baseline's token at step 2 makes it diverge there; the
	// margin condition never holds.
	code, out, errOut := runCLI(t, "run", "--model", dir, "--seed", "3", "--inject", "baseline@2=EOS", "--break", "margin<-1", "--break", "diverge:baseline")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "stopped at step 2 of 3: diverge:baseline") {
		t.Fatalf("no stop at step 2:\n%s", out)
	}
	code, out, _ = runCLI(t, "run", "--model", dir, "--seed", "3", "--break", "angle>181", "--json")
	lines := jsonLines(t, out)
	if code != 0 || len(lines["step"]) != 3 || len(lines["break"]) != 1 || len(lines["summary"]) != 1 {
		t.Fatalf("exit %d, lines %v", code, out)
	}
	var brk struct {
		Held bool
		Hit  *engine.Hit
	}
	if err := json.Unmarshal(lines["break"][0], &brk); err != nil || brk.Held || brk.Hit != nil {
		t.Fatalf("break line %s: %v", lines["break"][0], err)
	}
	code, out, _ = runCLI(t, "run", "--model", dir, "--seed", "3", "--inject", "noise@2:0.5", "--break", "dlatent>1e-6", "--json")
	lines = jsonLines(t, out)
	if err := json.Unmarshal(lines["break"][0], &brk); err != nil || !brk.Held || brk.Hit.Step != 2 || brk.Hit.Spec != "dlatent>1e-06" || len(lines["step"]) != 2 {
		t.Fatalf("exit %d, break %s, %d steps", code, lines["break"], len(lines["step"]))
	}
	for _, bad := range []string{"speed>3", "diverge:nosuch"} {
		if code, _, errOut := runCLI(t, "run", "--model", dir, "--break", bad); code != 2 || !strings.Contains(errOut, "breakpoint") {
			t.Errorf("--break %s: exit %d, %q", bad, code, errOut)
		}
	}
}

func TestRunFork(t *testing.T) {
	dir := tinyDir(t)
	code, out, errOut := runCLI(t, "run", "--model", dir, "--seed", "4", "--fork", "2:-top", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := jsonLines(t, out)
	var fork struct {
		Fork string
		Diff engine.Diff
	}
	if len(lines["fork"]) != 1 || json.Unmarshal(lines["fork"][0], &fork) != nil {
		t.Fatalf("no fork line:\n%s", out)
	}
	if fork.Fork != "fork@2=-top" || fork.Diff.FirstDivergence != 2 || fork.Diff.Steps[0].MaxAbs != 0 || fork.Diff.Steps[1].MaxAbs == 0 {
		t.Fatalf("fork line: %+v", fork)
	}
	var sum struct{ Injections []string }
	if json.Unmarshal(lines["summary"][0], &sum) != nil || len(sum.Injections) != 1 || sum.Injections[0] != "fork@2=-top" {
		t.Fatalf("summary: %s", lines["summary"][0])
	}
	code, out, _ = runCLI(t, "run", "--model", dir, "--seed", "4", "--fork", "2:2")
	if code != 0 || !strings.Contains(out, "fork fork@2=2 against the run") || !strings.Contains(out, "first divergence") {
		t.Fatalf("table: exit %d\n%s", code, out)
	}
	for _, bad := range []string{"2", "x:2", "2:0", "9:2"} {
		if code, _, _ := runCLI(t, "run", "--model", dir, "--seed", "4", "--fork", bad); code == 0 {
			t.Errorf("--fork %s: exit 0", bad)
		}
	}
}

func TestDiffCommand(t *testing.T) {
	dir := tinyDir(t)
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a.json"), filepath.Join(tmp, "b.json")
	if code, _, e := runCLI(t, "run", "--model", dir, "--seed", "6", "--record", a); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := runCLI(t, "run", "--model", dir, "--seed", "6", "--inject", "noise@2:0.5", "--inject", "talker@1=EOS", "--record", b); code != 0 {
		t.Fatal(e)
	}
	code, out, _ := runCLI(t, "diff", a, a)
	if code != 0 || !strings.Contains(out, "no differences: 3 steps") {
		t.Fatalf("self diff: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "diff", a, a, "--json")
	var d engine.Diff
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || !d.Empty() || len(d.Steps) != 3 {
		t.Fatalf("self diff --json: exit %d %s", code, out)
	}
	code, out, _ = runCLI(t, "diff", a, b, "--json")
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Empty() || d.FirstDivergence != 1 || d.Steps[1].MaxAbs == 0 || len(d.Notes) == 0 {
		t.Fatalf("diff: exit %d %s", code, out)
	}
	code, out, _ = runCLI(t, "diff", a, b)
	if code != 0 || !strings.Contains(out, "first divergence") || !strings.Contains(out, "injections:") || !strings.Contains(out, "→[EOS]  ← first divergence") {
		t.Fatalf("diff table: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "diff", a); code != 2 {
		t.Errorf("one file: exit %d", code)
	}
	if code, _, _ := runCLI(t, "diff", a, filepath.Join(tmp, "none.json")); code != 1 {
		t.Errorf("a missing file: exit %d", code)
	}
}

func TestRunExports(t *testing.T) {
	dir := tinyDir(t)
	code, out, _ := runCLI(t, "run", "--model", dir, "--seed", "7", "--inject", "noise@2:0.2", "--csv")
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(rows) != 4 || !strings.HasPrefix(rows[0], "step,truth,nearest,cos,margin,mixture,entropy") || !strings.Contains(rows[0], "baseline,injected") || !strings.Contains(rows[2], "noise@2:0.2") {
		t.Fatalf("csv: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "run", "--model", dir, "--seed", "7", "--markdown")
	rows = strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(rows) != 5 || !strings.HasPrefix(rows[1], "| --- |") || strings.Count(rows[0], "|") != strings.Count(rows[4], "|")+strings.Count(rows[4], `\|`) {
		t.Fatalf("markdown: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "run", "--model", dir, "--csv", "--markdown"); code != 2 {
		t.Errorf("--csv --markdown: exit %d", code)
	}
	// --command reproduces the run: its JSON equals the original's.
	code, cmd, _ := runCLI(t, "run", "--model", dir, "--seed", "7", "--inject", "noise@2:0.2", "--inject", "fork@1=-top", "--command")
	if code != 0 || !strings.HasPrefix(cmd, "jrx run --model ") {
		t.Fatalf("--command: exit %d %q", code, cmd)
	}
	args := strings.Fields(strings.ReplaceAll(strings.TrimSpace(cmd), "'", ""))[1:] // no spaces inside the quoted args here
	_, want, _ := runCLI(t, "run", "--model", dir, "--seed", "7", "--inject", "noise@2:0.2", "--inject", "fork@1=-top", "--json")
	_, got, _ := runCLI(t, append(args, "--json")...)
	if got != want {
		t.Fatalf("the command %q does not reproduce the run", cmd)
	}
}

func TestEvalFigures(t *testing.T) {
	dir := tinyDir(t)
	tmp := t.TempDir()
	svg, png := filepath.Join(tmp, "pca.svg"), filepath.Join(tmp, "abl.png")
	code, out, errOut := runCLI(t, "eval", "pca", "--model", dir, "--n", "6", "--svg", svg)
	if code != 0 || !strings.Contains(out, "PC1") || !strings.Contains(out, "8.7%") || !strings.Contains(errOut, "figure written") {
		t.Fatalf("pca: exit %d %s\n%s", code, errOut, out)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "PC1 (") {
		t.Fatalf("pca svg: %v", err)
	}
	var pr engine.PCAReport
	code, out, _ = runCLI(t, "eval", "pca", "--model", dir, "--n", "6", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &pr) != nil || pr.Latents != 12 || len(pr.Explained) == 0 {
		t.Fatalf("pca json: exit %d %s", code, out)
	}
	code, out, errOut = runCLI(t, "eval", "ablations", "--model", dir, "--n", "8", "--png", png)
	if code != 0 || !strings.Contains(out, "other_problem") || !strings.Contains(out, "switches to the other sentence") {
		t.Fatalf("ablations: exit %d %s\n%s", code, errOut, out)
	}
	if b, err := os.ReadFile(png); err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Fatalf("ablations png: %v", err)
	}
	var ar engine.AblationReport
	code, out, _ = runCLI(t, "eval", "ablations", "--model", dir, "--n", "8", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &ar) != nil || len(ar.Rows) != 5 {
		t.Fatalf("ablations json: exit %d %s", code, out)
	}
	// The tiny set answers its clean problems; random latents do worse.
	if c, r := ar.Row(engine.AblClean).Lanes[0].Correct, ar.Row(engine.AblRandomUnit).Lanes[0].Correct; c < 0.9 || r >= c {
		t.Errorf("mono clean %.2f, random %.2f", c, r)
	}
	csvg := filepath.Join(tmp, "c.svg")
	code, out, errOut = runCLI(t, "eval", "containment", "--model", dir, "--n", "2", "--svg", csvg)
	if code != 0 || !strings.Contains(out, "propagated (% of problems), by step") {
		t.Fatalf("containment: exit %d %s\n%s", code, errOut, out)
	}
	if b, err := os.ReadFile(csvg); err != nil || !strings.Contains(string(b), "Input corruption") {
		t.Fatalf("containment svg: %v", err)
	}
	var fr engine.ForkReport
	code, out, _ = runCLI(t, "eval", "fork", "--model", dir, "--n", "4", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &fr) != nil || len(fr.Second) != 2 || fr.Second[0].Problems != 4 || len(fr.Rival) != 2 {
		t.Fatalf("fork json: exit %d %s", code, out)
	}
	code, out, _ = runCLI(t, "eval", "fork", "--model", dir, "--n", "4")
	if code != 0 || !strings.Contains(out, "subtree_path") || !strings.Contains(out, "Onto the second hypothesis") {
		t.Fatalf("fork table: exit %d\n%s", code, out)
	}
	for _, sub := range []string{"fork", "pca", "ablations"} {
		if code, out, _ := runCLI(t, "eval", sub, "--help"); code != 0 || !strings.Contains(out, "jrx eval "+sub) {
			t.Errorf("eval %s --help: exit %d", sub, code)
		}
	}
	if code, _, errOut := runCLI(t, "eval", "nosuch"); code != 2 || !strings.Contains(errOut, "ablations") {
		t.Errorf("eval nosuch: exit %d %q", code, errOut)
	}
}

func TestEvalFeedbackCommand(t *testing.T) {
	dir := tinyDir(t)
	code, out, errOut := runCLI(t, "eval", "feedback", "--model", dir, "--n", "5")
	if code != 0 || !strings.Contains(out, "nearest row") || !strings.Contains(out, "ok@1") {
		t.Fatalf("feedback: exit %d %s\n%s", code, errOut, out)
	}
	var rep engine.FeedbackReport
	code, out, _ = runCLI(t, "eval", "feedback", "--model", dir, "--n", "5", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.N != 5 || len(rep.Rows) != 3 || rep.Steps == 0 {
		t.Fatalf("feedback json: exit %d %s", code, out)
	}
	if code, _, errOut = runCLI(t, "eval", "feedback", "--model", dir, "--n", "0"); code != 2 || !strings.Contains(errOut, "--n 0") {
		t.Errorf("--n 0: exit %d %s", code, errOut)
	}
}
