package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// signalCause is the cause of a context cancelled by a signal.
type signalCause struct{ sig syscall.Signal }

func (s signalCause) Error() string { return "stopped by " + signalName(s.sig) }

// handledSignals end jrx with exit code 128+N. Each cancels the context
// the command runs under, so that it stops cleanly: training saves its
// state, the explorer restores the terminal. SIGQUIT is one of them (Go's
// default would dump every goroutine and leave the terminal in raw mode).
var handledSignals = []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM}

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// signalOf reports the signal that cancelled ctx, if one did.
func signalOf(ctx context.Context) (syscall.Signal, bool) {
	var sc signalCause
	if errors.As(context.Cause(ctx), &sc) {
		return sc.sig, true
	}
	return 0, false
}

// forcedExit holds what must run before jrx exits without unwinding (a
// second signal): the explorer registers the restoration of the terminal.
var forcedExit struct {
	mu sync.Mutex
	fn func()
}

func onForcedExit(fn func()) {
	forcedExit.mu.Lock()
	forcedExit.fn = fn
	forcedExit.mu.Unlock()
}

// notifySignals returns a context cancelled, with a signalCause, by the
// first of handledSignals; a second one exits at once with 128+N (after
// the forced-exit hook), for a command that does not stop. stop undoes
// the handling.
func notifySignals(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, handledSignals...)
	done := make(chan struct{})
	go func() {
		var first bool
		for {
			select {
			case <-done:
				return
			case s := <-ch:
				sig, _ := s.(syscall.Signal)
				if !first {
					first = true
					cancel(signalCause{sig})
					continue
				}
				forcedExit.mu.Lock()
				if fn := forcedExit.fn; fn != nil {
					fn()
				}
				os.Exit(128 + int(sig))
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			cancel(nil)
		})
	}
}
