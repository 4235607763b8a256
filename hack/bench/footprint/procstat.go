package main

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clockwatch/clockwatch/hack/bench/procstat"
)

// usage is what one process had used at one instant.
type usage struct {
	// rss is the resident memory, anon and file its anonymous and
	// file-backed parts, peak the largest rss so far (VmHWM); pss is the
	// proportional set size (each page divided by the processes that map
	// it); in bytes.
	rss, anon, file, peak, pss int64
	// cpu is the user and system time of all its threads.
	cpu time.Duration
}

// readUsage reads /proc/PID/status and /proc/PID/stat.
func readUsage(pid int) (usage, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return usage{}, fmt.Errorf("process %d: %w (did it exit?)", pid, err)
	}
	u, err := parseStatus(status)
	if err != nil {
		return usage{}, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return usage{}, fmt.Errorf("process %d: %w (did it exit?)", pid, err)
	}
	if u.pss, err = parsePss(rollup); err != nil {
		return usage{}, fmt.Errorf("/proc/%d/smaps_rollup: %w", pid, err)
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return usage{}, fmt.Errorf("process %d: %w (did it exit?)", pid, err)
	}
	if u.cpu, err = procstat.ParseCPU(stat); err != nil {
		return usage{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return u, nil
}

// parseStatus reads the memory lines of /proc/PID/status (sizes in kB).
func parseStatus(b []byte) (usage, error) {
	var u usage
	err := parseSizes(b, map[string]*int64{"VmRSS": &u.rss, "RssAnon": &u.anon, "RssFile": &u.file, "VmHWM": &u.peak})
	return u, err
}

// parsePss reads the Pss line of /proc/PID/smaps_rollup (in kB).
func parsePss(b []byte) (int64, error) {
	var pss int64
	err := parseSizes(b, map[string]*int64{"Pss": &pss})
	return pss, err
}

// parseSizes reads the "Key: N kB" lines of fields from b into them; each
// must be there.
func parseSizes(b []byte, fields map[string]*int64) error {
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		dst, wanted := fields[key]
		if !ok || !wanted {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil || kb < 0 || kb > 1<<40 {
			return fmt.Errorf("%s: %q is not a size in kB", key, value)
		}
		*dst = kb << 10
		found++
	}
	if found != len(fields) {
		keys := slices.Sorted(maps.Keys(fields))
		return fmt.Errorf("want %s, found %d of them", strings.Join(keys, ", "), found)
	}
	return nil
}
