package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildJRX builds the binary into a temporary directory.
func buildJRX(t *testing.T) string {
	t.Helper()
	jrx := filepath.Join(t.TempDir(), "jrx")
	build := exec.Command("go", "build", "-o", jrx, "./cmd/jrx")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return jrx
}

func needTmux(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed (.ci/run installs it)")
		}
		t.Skip("tmux is not installed; the end-to-end tests of the explorer need it")
	}
	return bin
}

// startPane runs cmdline (jrx and its flags) in a new tmux server's
// 100×30 pane under a shell that then reports jrx's exit code and
// whether the tty's modes are what they were before (stty -g), and stays
// open.
func startPane(t *testing.T, tmux, cmdline string) *tmuxTerm {
	t.Helper()
	tm := &tmuxTerm{t: t, bin: tmux, socket: fmt.Sprintf("jrx-sig-%d-%d", os.Getpid(), time.Now().UnixNano())}
	t.Cleanup(func() {
		tm.run("kill-server")
		dir := os.Getenv("TMUX_TMPDIR")
		if dir == "" {
			dir = "/tmp"
		}
		os.Remove(filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), tm.socket))
	})
	sh := fmt.Sprintf(`S0=$(stty -g); %s 2>/dev/null; echo "EXIT=$?"; if [ "$(stty -g)" = "$S0" ]; then echo TTY=same; else echo TTY=changed; fi; sleep 600`, cmdline)
	tm.must("-f", "/dev/null", "new-session", "-d", "-s", "jrx", "-x", "100", "-y", "30", "sh", "-c", sh)
	return tm
}

// childOf is the pid of the one child process of pid (jrx under the pane's
// shell), read from /proc.
func childOf(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		stats, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, f := range stats {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			// pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
			s := string(b)
			i := strings.LastIndexByte(s, ')')
			fields := strings.Fields(s[i+1:])
			if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
				child, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
				return child
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no child process of %d", pid)
	return 0
}

// terminalRestored checks what a TUI changes and must put back: the
// alternate screen, mouse reporting, the hidden cursor and (from the
// shell's stty -g) the tty modes.
func terminalRestored(t *testing.T, tm *tmuxTerm, screen string) {
	t.Helper()
	flags := strings.TrimSpace(tm.must("display", "-p", "-t", "jrx", "alt=#{alternate_on} mouse=#{mouse_any_flag}#{mouse_button_flag}#{mouse_sgr_flag} cursor=#{cursor_flag}"))
	if flags != "alt=0 mouse=000 cursor=1" {
		t.Errorf("terminal left with %s (want alt=0 mouse=000 cursor=1)\n%s", flags, screen)
	}
	if !strings.Contains(screen, "TTY=same") {
		t.Errorf("tty modes not restored:\n%s", screen)
	}
}

var exitRe = regexp.MustCompile(`EXIT=(\d+)`)

// A signal ends the explorer with 128+N and the terminal as it was: out of
// the alternate screen, mouse reporting off, the cursor shown, the tty
// modes restored (Bubble Tea alone left SIGHUP and SIGQUIT in raw mode
// with the alternate screen on, and SIGTERM exited 0).
func TestExplorerSignalsRestoreTerminal(t *testing.T) {
	tmux := needTmux(t)
	jrx := buildJRX(t)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			tm := startPane(t, tmux, jrx+" --seed 1")
			tm.waitFor("the first problem", contains("step 0/"))
			pane, err := strconv.Atoi(strings.TrimSpace(tm.must("display", "-p", "-t", "jrx", "#{pane_pid}")))
			if err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(childOf(t, pane), sig); err != nil {
				t.Fatal(err)
			}
			screen := tm.waitFor("jrx to exit", contains("TTY="))
			if m := exitRe.FindStringSubmatch(screen); m == nil || m[1] != strconv.Itoa(128+int(sig)) {
				t.Errorf("exit code %v, want %d\n%s", m, 128+int(sig), screen)
			}
			terminalRestored(t, tm, screen)
		})
	}
	// A model set that does not load: the explorer shows the error; after
	// q, jrx exits 1 and prints no "last problem" line (no problem was shown).
	t.Run("load error", func(t *testing.T) {
		tm := startPane(t, tmux, jrx+" --seed 1 --model "+t.TempDir())
		tm.waitFor("the load error", contains("Cannot load"))
		tm.keys("q")
		screen := tm.waitFor("jrx to exit", contains("TTY="))
		if !strings.Contains(screen, "EXIT=1") || strings.Contains(screen, "last problem") {
			t.Errorf("after a load error:\n%s", screen)
		}
		terminalRestored(t, tm, screen)
	})
}
