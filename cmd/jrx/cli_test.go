package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"jrx/engine"
	"jrx/internal/testmodels"
)

// TestMain lets the tests run this test binary as jrx itself (a real
// process with real file descriptors): with JRX_CLI_TEST_MAIN=1 it is
// main.
func TestMain(m *testing.M) {
	if os.Getenv("JRX_CLI_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// jrxProcess is jrx as a child process (this test binary, see TestMain).
func jrxProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "JRX_CLI_TEST_MAIN=1")
	return cmd
}

func tinyDir(t *testing.T) string {
	t.Helper()
	_, dir, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// copySet copies the model set in src to a new directory named name
// (under a temporary directory), rewriting the metadata of file with edit.
func copySet(t *testing.T, src, name, file string, edit func(meta map[string]string)) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{engine.FileReasoner, engine.FileBaseline, engine.FileMono, engine.FileDual} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == file && edit != nil {
			b = editMeta(t, b, edit)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// editMeta rewrites a safetensors file's __metadata__ (an 8-byte
// little-endian header length, a JSON header, the tensor bytes).
func editMeta(t *testing.T, b []byte, edit func(map[string]string)) []byte {
	t.Helper()
	n := binary.LittleEndian.Uint64(b[:8])
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	if err := json.Unmarshal(header["__metadata__"], &meta); err != nil {
		t.Fatal(err)
	}
	edit(meta)
	raw, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	header["__metadata__"] = raw
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), b[8+n:]...)
}

// nanTensors sets every value of every tensor of a safetensors file to NaN.
func nanTensors(t *testing.T, b []byte) []byte {
	t.Helper()
	n := binary.LittleEndian.Uint64(b[:8])
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), b...)
	data := out[8+n:]
	for name, raw := range header {
		if name == "__metadata__" {
			continue
		}
		var info struct {
			Offsets [2]int `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &info); err != nil {
			t.Fatal(err)
		}
		for i := info.Offsets[0]; i+4 <= info.Offsets[1]; i += 4 {
			binary.LittleEndian.PutUint32(data[i:], math.Float32bits(float32(math.NaN())))
		}
	}
	return out
}

// editJSON changes one field of a JSON object held in a metadata string.
func editJSON(t *testing.T, meta map[string]string, key, field string, value any) {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal([]byte(meta[key]), &obj); err != nil {
		t.Fatalf("metadata %q: %v", key, err)
	}
	obj[field] = value
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	meta[key] = string(b)
}

// Exit codes mean one thing each: 0 success, 1 an error (whatever the
// files say), 2 a bad command line only.
func TestExitCodes(t *testing.T) {
	tiny := tinyDir(t)
	depth5 := copySet(t, tiny, "depth5", engine.FileReasoner, func(m map[string]string) { editJSON(t, m, "recipe", "depth", 5) })
	empty := t.TempDir()
	badRecipe := filepath.Join(t.TempDir(), "recipe.json")
	if err := os.WriteFile(badRecipe, []byte(`{"depth": 9}`), 0o644); err != nil {
		t.Fatal(err)
	}
	const typed = "AB,AC[ROOT]A[TARGET]C"
	cases := []struct {
		args []string
		code int
		msg  string // on stderr
	}{
		{[]string{"version"}, 0, ""},
		{[]string{"run", "--model", tiny, "--seed", "3"}, 0, ""},
		{[]string{"run", "--model", tiny, "--seed", "3", "--inject", "latent@1=1e-5*B"}, 0, ""},
		{[]string{"run", "--model", tiny, "--prompt", typed}, 0, ""},
		{[]string{"nope"}, 2, "unknown command"},
		{[]string{"run", "--nope"}, 2, "--help"},
		{[]string{"run", "--prompt", ""}, 2, "--prompt is empty"},
		{[]string{"run", "--prompt", "  \t"}, 2, "--prompt is empty"},
		{[]string{"run", "--prompt", "AB[ROOT]"}, 2, "--prompt"},
		{[]string{"run", "--inject", "latent@2=0.5*O-0.5*O"}, 2, "cancel out"},
		{[]string{"run", "--inject", "latent@2=0*O"}, 2, "every weight is 0"},
		{[]string{"run", "--inject", "noise:0"}, 2, "sigma 0 adds no noise"},
		{[]string{"run", "--inject", "noise@2:0"}, 2, "sigma 0 adds no noise"},
		{[]string{"eval", "containment", "--n", "0"}, 2, "--n 0"},
		{[]string{"replay"}, 2, "which session file"},
		{[]string{"train", "tree", "--depth", "7"}, 2, "--depth 7"},
		// Errors in files or in what a model set can do are not usage errors.
		{[]string{"run", "--model", depth5, "--seed", "3"}, 1, "depth 5"},
		{[]string{"eval", "tree", "--model", depth5, "--n", "1"}, 1, "depth 5"},
		{[]string{"run", "--model", empty}, 1, "missing"},
		{[]string{"info", "--model", empty}, 1, "missing"},
		{[]string{"replay", filepath.Join(empty, "none.json")}, 1, "session file"},
		{[]string{"train", "tree", "--recipe", badRecipe, "--out", t.TempDir()}, 1, "recipe " + badRecipe},
		{[]string{"train", "tree", "--resume", "--out", empty}, 1, "holds no saved training state"},
		{[]string{"train", "tree", "--from", empty, "--out", t.TempDir()}, 1, "holds no training state files"},
		{[]string{"train", "cfg", "--from", filepath.Join(empty, "none"), "--out", t.TempDir()}, 1, "--from"},
		{[]string{"train", "cfg", "--from", empty, "--out", empty}, 2, "is --out"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(t, c.args...)
		if code != c.code {
			t.Errorf("jrx %s: exit %d, want %d; stderr %q", strings.Join(c.args, " "), code, c.code, errOut)
			continue
		}
		if !strings.Contains(errOut, c.msg) {
			t.Errorf("jrx %s: stderr %q does not say %q", strings.Join(c.args, " "), errOut, c.msg)
		}
		if c.code == 1 && strings.Contains(errOut, "--help") {
			t.Errorf("jrx %s: an error that is not a usage error points to --help: %q", strings.Join(c.args, " "), errOut)
		}
	}
	// train --resume refused: nothing was written.
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("a refused command wrote %d files", len(ents))
	}
}

// A report that cannot be encoded (NaN weights make NaN figures; a
// loader that refuses them stops earlier) is an error, never an empty or
// partial JSON line with exit 0.
func TestUnencodableJSONIsAnError(t *testing.T) {
	dir := copySet(t, tinyDir(t), "nan", "", nil)
	p := filepath.Join(dir, engine.FileReasoner)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, nanTensors(t, b), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "eval", "containment", "--model", dir, "--n", "2", "--json")
	if code != 1 || out != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// --seed beside --prompt: a warning unless an injection uses the seed.
func TestSeedWithPromptWarns(t *testing.T) {
	tiny := tinyDir(t)
	const typed = "AB,AC[ROOT]A[TARGET]C"
	code, out, errOut := runCLI(t, "run", "--model", tiny, "--prompt", typed, "--seed", "5")
	if code != 0 || !strings.Contains(errOut, "warning: --seed 5 does not change a typed problem") || !strings.Contains(out, "seed     5") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "run", "--model", tiny, "--prompt", typed, "--seed", "5", "--inject", "noise:0.1")
	if code != 0 || strings.Contains(errOut, "warning") {
		t.Errorf("with a noise injection: exit %d, stderr %q", code, errOut)
	}
}

// failWriter fails every write, as a full disk does.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) { w.n++; return 0, syscall.ENOSPC }

// Every command that prints fails (exit 1, a message on stderr) when its
// output cannot be written.
func TestFailedWritesExit1(t *testing.T) {
	tiny := tinyDir(t)
	rec := filepath.Join(t.TempDir(), "s.json")
	if code, _, errOut := runCLI(t, "run", "--model", tiny, "--seed", "3", "--record", rec); code != 0 {
		t.Fatalf("record: %s", errOut)
	}
	for _, args := range [][]string{
		{"version"},
		{"--help"},
		{"info", "--help"},
		{"info", "--model", tiny},
		{"info", "--model", tiny, "--json"},
		{"run", "--model", tiny, "--seed", "3"},
		{"run", "--model", tiny, "--seed", "3", "--json"},
		{"eval", "tree", "--model", tiny, "--n", "2"},
		{"eval", "tree", "--model", tiny, "--n", "2", "--json"},
		{"eval", "containment", "--model", tiny, "--n", "2", "--csv"},
		{"eval", "containment", "--model", tiny, "--n", "2", "--json"},
		{"replay", rec, "--model", tiny},
		{"train", "tree", "--print-recipe"},
	} {
		w := &failWriter{}
		var e bytes.Buffer
		code := run(context.Background(), &cliEnv{stdout: w, stderr: &e, stdin: strings.NewReader("")}, args)
		if code != 1 || !strings.Contains(e.String(), "writing the output") || !strings.Contains(e.String(), "no space left") {
			t.Errorf("jrx %s into a full disk: exit %d, stderr %q", strings.Join(args, " "), code, e.String())
		}
		if w.n != 1 {
			t.Errorf("jrx %s: %d writes after the first failed one", strings.Join(args, " "), w.n-1)
		}
	}
}

// The same with real processes: stdout on /dev/full fails with exit 1; a
// pipe that nobody reads ends jrx with SIGPIPE, as it does other Unix tools.
func TestStdoutFullOrClosedProcess(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	tiny := tinyDir(t)
	for _, args := range [][]string{{"version"}, {"info", "--model", tiny}, {"run", "--model", tiny, "--seed", "3"}, {"eval", "containment", "--model", tiny, "--n", "2", "--csv"}} {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		cmd := jrxProcess(args...)
		cmd.Stdout = full
		var e bytes.Buffer
		cmd.Stderr = &e
		err = cmd.Run()
		full.Close()
		if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(e.String(), "no space left on device") {
			t.Errorf("jrx %s > /dev/full: %v, stderr %q", strings.Join(args, " "), err, e.String())
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := jrxProcess("info", "--model", tiny)
	cmd.Stdout = w
	err = cmd.Run()
	w.Close()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGPIPE {
		t.Errorf("jrx info into a closed pipe: %v (want killed by SIGPIPE)", err)
	}
}

// A signal ends a command with 128+N: in-process through the context's
// cause, and as a process (SIGTERM during an evaluation).
func TestSignalExitCodes(t *testing.T) {
	tiny := tinyDir(t)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(signalCause{sig})
		var o, e bytes.Buffer
		code := run(ctx, &cliEnv{stdout: &o, stderr: &e, stdin: strings.NewReader("")}, []string{"eval", "containment", "--model", tiny, "--n", "50"})
		if code != 128+int(sig) || !strings.Contains(e.String(), "stopped by "+signalName(sig)) {
			t.Errorf("%v: exit %d, stderr %q", sig, code, e.String())
		}
	}
	cmd := jrxProcess("eval", "containment", "--model", tiny, "--n", "100000")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	buf := make([]byte, 4096)
	var got []byte
	deadline := time.Now().Add(60 * time.Second)
	for !bytes.Contains(got, []byte("containment:")) && time.Now().Before(deadline) {
		n, err := pr.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := readAll(pr)
	got = append(got, rest...)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 || !bytes.Contains(got, []byte("stopped by SIGTERM")) {
		t.Errorf("SIGTERM during eval containment: %v, stderr %q", err, got)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("stopping took %s", d)
	}
}

func readAll(f *os.File) ([]byte, error) {
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err
		}
	}
}

// Control characters in what files supply (metadata, a directory's name, a
// session file's fields) never reach the output raw: they are shown as
// visible escapes.
func TestFileTextIsMadeSafe(t *testing.T) {
	tiny := tinyDir(t)
	const evil = "\x1b]0;owned\x07\x1b[2J\u009b2J\u202e"
	dir := copySet(t, tiny, "set\x1b[31mred", engine.FileReasoner, func(m map[string]string) {
		editJSON(t, m, "eval", "note", evil)
		editJSON(t, m, "recipe", "comment", evil)
	})
	raw := func(s string) bool {
		for _, r := range s {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e {
				return true
			}
		}
		return false
	}
	for _, args := range [][]string{
		{"info", "--model", dir},
		{"info", "--model", dir, "--json"},
		{"run", "--model", dir, "--seed", "3"},
		{"run", "--model", dir, "--seed", "3", "--json"},
		{"eval", "tree", "--model", dir, "--n", "1"},
	} {
		code, out, errOut := runCLI(t, args...)
		if code != 0 {
			t.Errorf("jrx %s: exit %d: %s", strings.Join(args, " "), code, errOut)
			continue
		}
		if raw(out) || raw(errOut) {
			t.Errorf("jrx %s: a control character reached the output:\n%q", strings.Join(args, " "), out)
		}
		if !strings.Contains(out, `set\x1b[31mred`) && !strings.Contains(out, `set\u001b[31mred`) {
			t.Errorf("jrx %s: the directory's name is not shown escaped:\n%s", strings.Join(args, " "), out)
		}
		if strings.HasSuffix(args[len(args)-1], "json") {
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if args[0] == "run" && !json.Valid([]byte(line)) {
					t.Errorf("jrx %s: invalid JSON line %q", strings.Join(args, " "), line)
				}
			}
			if args[0] == "info" {
				var v struct {
					Source string `json:"source"`
					Models []struct {
						Eval map[string]any `json:"eval"`
					} `json:"models"`
				}
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("info --json: %v", err)
				}
				// The JSON says exactly what the file says; only its encoding is safe.
				if !strings.HasPrefix(filepath.Base(v.Source), "set\x1b[31mred") || v.Models[0].Eval["note"] != evil {
					t.Errorf("info --json changed the values: source %q, note %q", v.Source, v.Models[0].Eval["note"])
				}
			}
		}
	}
	code, out, _ := runCLI(t, "info", "--model", dir)
	if code != 0 || !strings.Contains(out, `\u009b2J\u202e`) {
		t.Errorf("info does not show the C1 and bidi characters as escapes:\n%s", out)
	}

	// A session file whose fields hold escapes: the error quotes them safely.
	rec := filepath.Join(t.TempDir(), "s.json")
	if code, _, errOut := runCLI(t, "run", "--model", tiny, "--seed", "3", "--record", rec); code != 0 {
		t.Fatal(errOut)
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	r["models"] = map[string]any{"reasoner.safetensors" + evil: "00"}
	b, _ = json.Marshal(r)
	if err := os.WriteFile(rec, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "replay", rec, "--model", tiny)
	if code != 1 || raw(out) || raw(errOut) || !strings.Contains(errOut, `\x1b]0;owned\x07`) {
		t.Errorf("replay of a session naming a model with escapes: exit %d, stderr %q", code, errOut)
	}
}
