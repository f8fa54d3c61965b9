package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// cpuTicks reads the machine's CPU time counters (Linux /proc/stat): the
// total over every state and the time stolen by the hypervisor. ok is false
// where there is no such file.
func cpuTicks() (total, steal uint64, ok bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, false
	}
	return parseCPULine(sc.Text())
}

// parseCPULine reads the aggregate "cpu" line of /proc/stat: user nice
// system idle iowait irq softirq steal [guest guest_nice] (guest time is
// already counted in user).
func parseCPULine(line string) (total, steal uint64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i := 1; i <= 8; i++ {
		v, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total += v
		if i == 8 {
			steal = v
		}
	}
	return total, steal, true
}

// stealMeter measures the share of CPU time the hypervisor took from this
// machine between start and pct: on a shared VM, a benchmark's numbers
// mean little without it.
type stealMeter struct {
	total, steal uint64
	ok           bool
}

func startSteal() stealMeter {
	t, s, ok := cpuTicks()
	return stealMeter{t, s, ok}
}

// pct returns the stolen share in percent, or nil when unknown.
func (m stealMeter) pct() *float64 {
	t, s, ok := cpuTicks()
	if !m.ok || !ok || t <= m.total {
		return nil
	}
	p := 100 * float64(s-m.steal) / float64(t-m.total)
	return &p
}

// stealNote is the human form of pct for a benchmark's last line.
func stealNote(p *float64) string {
	if p == nil {
		return ""
	}
	note := "; CPU stolen by the hypervisor during the run: " + strconv.FormatFloat(*p, 'f', 1, 64) + "%"
	if *p >= 5 {
		note += " (a shared, busy host: expect lower and noisier numbers)"
	}
	return note
}
