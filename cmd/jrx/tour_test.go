package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/tour"
)

func TestTourList(t *testing.T) {
	code, out, errOut := runCLI(t, "tour", "--list")
	ls, err := tour.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != tour.List(ls) {
		t.Fatalf("exit %d, stderr %q, out:\n%s", code, errOut, out)
	}
	for _, l := range ls {
		if !strings.Contains(out, l.Name) {
			t.Errorf("--list lacks %s", l.Name)
		}
	}
}

// jrx tour --check builds every page of a lesson and exits 0 when every
// expectation holds, 1 (and says which) when one does not.
func TestTourCheck(t *testing.T) {
	code, out, errOut := runCLI(t, "tour", "--check", "premature-eos")
	if code != 0 || !strings.Contains(out, "every expectation holds") || !strings.Contains(out, "page 5: At step 3") {
		t.Fatalf("exit %d, stderr %q, out:\n%s", code, errOut, out)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "wrong.lesson")
	src := "lesson: wrong\ntitle: Wrong\nseed: 1\npage: p\ninject: baseline@2=[EOS]\nsay: The baseline is fine.\nexpect: lane baseline verdict correct\n"
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "tour", "--check", f)
	if code != 1 || !strings.Contains(out, "FAIL line 7: expected lane baseline verdict = correct") || !strings.Contains(errOut, "1 expectation(s) do not hold") {
		t.Fatalf("exit %d, stderr %q, out:\n%s", code, errOut, out)
	}
}

// A bad lesson file is an error that names the file and the line (exit 1);
// an unknown lesson name is a usage error (exit 2); a file too large or
// not a regular file is refused before it is read.
func TestTourBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.lesson")
	if err := os.WriteFile(bad, []byte("lesson: bad\ntitle: B\nseed: 1\npage: p\nsay: s\nexpect: lane baseline colour red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.lesson")
	if err := os.WriteFile(big, make([]byte, tour.MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tour", bad}, 1, bad + ":6: expect: lane baseline: unknown field \"colour\""},
		{[]string{"tour", "nosuch"}, 2, "no built-in lesson \"nosuch\""},
		{[]string{"tour", big}, 1, "lesson file:"},
		{[]string{"tour", dir + "/"}, 1, "lesson file:"},
		{[]string{"tour", "a", "b"}, 2, "unexpected argument"},
		{[]string{"tour", "--pick"}, 2, "--pick wants one lesson"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

// jrx tour NAME opens the explorer on the tour at that lesson.
func TestTourOpensTheExplorer(t *testing.T) {
	got := stubTUI(t)
	code, _, errOut := runCLI(t, "tour", "noise")
	if code != 0 || len(*got) != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := (*got)[0]
	if m.Dialog() != "tour" || len(m.Injections()) != 1 || m.Injections()[0].String() != "noise:0.2" {
		t.Fatalf("dialog %q, injections %v", m.Dialog(), m.Injections())
	}
}
