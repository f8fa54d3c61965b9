package nn

import (
	"runtime"
	"sync/atomic"
	"time"
)

// parJob is a parallel loop of two phases on the worker pool (gemm's
// pool: its workers poll for a while after each job, so a step's many
// short loops do not pay a thread wake-up each, ~0.1 ms on a VM). Units are claimed one at
// a time, so a worker that starts late or is descheduled on a shared
// machine leaves its share to the others; phase 2 starts once every unit
// of phase 1 has finished, and whoever finishes the last unit of phase 1
// goes on to phase 2. Waits poll for at most parSpin, then block: a
// thread the OS has descheduled is not waited for by spinning. Which
// goroutine runs a unit never changes what the unit computes, so results
// do not depend on the thread count.
type parJob struct {
	n1, n2                     int64
	f1, f2                     func(u int)
	next1, done1, next2, done2 atomic.Int64
	finished                   atomic.Int64 // units of both phases done
	done                       chan struct{}
}

// parSpin is how long a wait inside a parallel loop polls before it
// blocks: longer than a unit (a blocked caller leaves its P idle and pays a
// thread wake-up, ~0.1 ms on a VM, when the last unit ends).
const parSpin = 200 * time.Microsecond

// parPoll is how long a pool worker polls for the next job after a
// parallel loop: longer than the serial work between a step's loops (a
// parked worker costs the next loop a wake-up), as gemm's workerSpin, and
// short enough that a worker whose step has ended soon stops taking CPU.
// (At 50 µs and 200 µs, a training step's trace showed each P idle in ~20
// gaps a step, ~1 ms each; at 200 µs and 2 ms, 4.)
const parPoll = 2 * time.Millisecond

func (j *parJob) poll() time.Duration { return parPoll }

// finish counts one finished unit and closes done after the last.
func (j *parJob) finish() {
	if j.finished.Add(1) == j.n1+j.n2 {
		close(j.done)
	}
}

func (j *parJob) work() {
	for {
		u := j.next1.Add(1) - 1
		if u >= j.n1 {
			break
		}
		j.f1(int(u))
		j.done1.Add(1)
		j.finish()
	}
	if j.n2 == 0 || j.next2.Load() >= j.n2 {
		return
	}
	if j.done1.Load() < j.n1 {
		deadline := time.Now().Add(parSpin)
		for j.done1.Load() < j.n1 {
			if time.Now().After(deadline) {
				return // the last unit's finisher goes on to phase 2
			}
			runtime.Gosched()
		}
	}
	for {
		u := j.next2.Add(1) - 1
		if u >= j.n2 {
			break
		}
		j.f2(int(u))
		j.done2.Add(1)
		j.finish()
	}
}

// runPar runs f1 on units 0…n1−1, then f2 on units 0…n2−1 (n2 may be 0),
// on the calling goroutine and up to GOMAXPROCS−1 pool workers, and
// returns when all of them are done.
func runPar(n1 int, f1 func(int), n2 int, f2 func(int)) {
	nth := min(runtime.GOMAXPROCS(0), max(n1, n2))
	if nth <= 1 || n1 == 0 {
		for u := range n1 {
			f1(u)
		}
		for u := range n2 {
			f2(u)
		}
		return
	}
	j := &parJob{n1: int64(n1), n2: int64(n2), f1: f1, f2: f2, done: make(chan struct{})}
	for _, w := range workers(nth - 1) {
		select {
		case w <- j:
		default: // worker backlogged: the caller takes its share
		}
	}
	j.work()
	deadline := time.Now().Add(parSpin)
	for j.finished.Load() < j.n1+j.n2 {
		if j.n2 > 0 && j.done1.Load() == j.n1 && j.next2.Load() < j.n2 {
			j.work() // phase 2 opened while we waited
			continue
		}
		if time.Now().After(deadline) {
			<-j.done
			return
		}
		runtime.Gosched()
	}
}
