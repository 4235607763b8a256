// Package startpages releases the pages of the program's own code and
// read-only data that its start touched, so that its resident memory holds
// only what it goes on using.
//
// A Go program's package initialisation runs code from nearly every
// package it links, and the kernel maps 64 KiB around every page fault on
// a cached file (fault-around): by the time main runs, most of the
// binary's code and read-only data (runtime tables, type data) is mapped
// and counted in the process's resident memory, though a long-running
// agent goes on to use a third of it. Release tells the kernel
// (madvise(MADV_DONTNEED)) that the process no longer needs those pages:
// they leave its page tables, not the page cache, so what the program
// touches again is mapped back by a minor fault, from the same cached
// file, with no I/O.
//
// Only mappings of the running executable that are private, not writable
// and hold no anonymous (modified) page are released: code and read-only
// data the program never wrote. A page a debugger or a uprobe patched is
// anonymous, and its mapping is left as it is. Writable data is never
// touched: a private page written since start would be lost.
package startpages

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Released is what one Release did.
type Released struct {
	// Mappings is the number of mappings released; Bytes their resident
	// size just before (smaps' Rss), which left the process's resident
	// memory.
	Mappings int
	Bytes    int64
}

// mapping is one region of /proc/PID/smaps.
type mapping struct {
	start, end uintptr
	perms      string
	// major, minor and inode name the mapped file (0 for anonymous
	// memory).
	major, minor uint32
	inode        uint64
	// rss and anonymous are the resident and the anonymous bytes.
	rss, anonymous int64
}

// file names a file as smaps does: device and inode.
type file struct {
	major, minor uint32
	inode        uint64
}

// releasable reports whether m can be dropped and faulted back from exe
// unchanged: a private, read-only mapping of exe with no modified page.
func (m mapping) releasable(exe file) bool {
	return m.inode != 0 && m.inode == exe.inode && m.major == exe.major && m.minor == exe.minor &&
		len(m.perms) == 4 && m.perms[0] == 'r' && m.perms[1] == '-' && m.perms[3] == 'p' &&
		m.anonymous == 0 && m.end > m.start
}

// parseSmaps reads the regions of /proc/PID/smaps: a header line
// ("START-END PERMS OFFSET MAJOR:MINOR INODE [PATH]") and its "Key: N kB"
// lines. Lines it does not know are skipped; a malformed header or size
// is an error.
func parseSmaps(b []byte) ([]mapping, error) {
	var maps []mapping
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		key, value, isField := strings.Cut(line, ":")
		if isField && !strings.Contains(key, " ") && !strings.Contains(key, "-") {
			if len(maps) == 0 {
				return nil, fmt.Errorf("line %d: %q before the first region", n, line)
			}
			if err := maps[len(maps)-1].setField(key, value); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			continue
		}
		m, err := parseHeader(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		maps = append(maps, m)
	}
	return maps, sc.Err()
}

// parseHeader reads a region's first line.
func parseHeader(line string) (mapping, error) {
	f := strings.Fields(line)
	if len(f) < 5 {
		return mapping{}, fmt.Errorf("region %q: want START-END PERMS OFFSET DEV INODE", line)
	}
	lo, hi, ok := strings.Cut(f[0], "-")
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	if !ok || err1 != nil || err2 != nil || end < start {
		return mapping{}, fmt.Errorf("region %q: bad address range", line)
	}
	maj, min, ok := strings.Cut(f[3], ":")
	major, err1 := strconv.ParseUint(maj, 16, 32)
	minor, err2 := strconv.ParseUint(min, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return mapping{}, fmt.Errorf("region %q: bad device", line)
	}
	inode, err := strconv.ParseUint(f[4], 10, 64)
	if err != nil {
		return mapping{}, fmt.Errorf("region %q: bad inode", line)
	}
	return mapping{start: uintptr(start), end: uintptr(end), perms: f[1],
		major: uint32(major), minor: uint32(minor), inode: inode}, nil
}

// setField records the sizes Release needs.
func (m *mapping) setField(key, value string) error {
	var dst *int64
	switch key {
	case "Rss":
		dst = &m.rss
	case "Anonymous":
		dst = &m.anonymous
	default:
		return nil
	}
	kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
	if err != nil || kb < 0 || kb > 1<<40 {
		return fmt.Errorf("%s: %q is not a size in kB", key, value)
	}
	*dst = kb << 10
	return nil
}
