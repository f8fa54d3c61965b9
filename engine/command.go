package engine

import (
	"strconv"
	"strings"
)

// Command is the jrx run command line that reproduces the session's
// problem and injections ("copy as command"): the model set's directory
// (none for the embedded set), the problem as typed text, the seed (it
// seeds noise and input corruption) and every injection, each argument
// quoted for a POSIX shell where it needs to be. extra is appended as
// given (already split into arguments, e.g. "--json").
func (s *Session) Command(extra ...string) string {
	args := []string{"jrx", "run"}
	if src := s.Set.Source; src != "" && src != "embedded" {
		args = append(args, "--model", src)
	}
	args = append(args, "--prompt", s.Problem.Text, "--seed", strconv.FormatUint(s.Problem.Seed, 10))
	for _, in := range s.inj {
		args = append(args, "--inject", in.String())
	}
	args = append(args, extra...)
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ShellQuote(a))
	}
	return b.String()
}

// ShellQuote quotes s for a POSIX shell: unchanged when it holds only
// characters no shell treats specially, otherwise in single quotes (a
// single quote inside is closed, escaped with a backslash and reopened).
func ShellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
