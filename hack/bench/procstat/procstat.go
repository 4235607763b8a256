// Package procstat reads a process's CPU time from Linux's /proc, for the
// benches that compare what clockwatch and its neighbours cost.
package procstat

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the times in /proc/PID/stat: USER_HZ, 100 on Linux.
const userHZ = 100

// CPU is the user and system time process pid has used, all threads.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("process %d: %w (did it exit?)", pid, err)
	}
	d, err := ParseCPU(b)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return d, nil
}

// ParseCPU reads utime + stime (fields 14 and 15) of /proc/PID/stat. The
// command name, field 2, is in parentheses and may hold spaces, so the
// fields are counted from its closing parenthesis.
func ParseCPU(b []byte) (time.Duration, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0, fmt.Errorf("no command name in %q", b)
	}
	f := strings.Fields(string(b[end+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("CPU time %q is not a count of ticks", s)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}
