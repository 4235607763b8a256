package startpages

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Release drops from the process's page tables every page of the running
// executable's code and read-only data (madvise(MADV_DONTNEED)); what the
// program runs or reads afterwards is faulted back from the page cache.
// It fails only if it cannot read /proc/self; a mapping madvise refuses
// is skipped.
func Release() (Released, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return Released{}, fmt.Errorf("release start-up pages: %w", err)
	}
	exe := file{major: unix.Major(st.Dev), minor: unix.Minor(st.Dev), inode: st.Ino}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return Released{}, fmt.Errorf("release start-up pages: %w", err)
	}
	maps, err := parseSmaps(smaps)
	if err != nil {
		return Released{}, fmt.Errorf("release start-up pages: /proc/self/smaps: %w", err)
	}
	var r Released
	for _, m := range maps {
		if !m.releasable(exe) {
			continue
		}
		// The range is the binary's mapping, not Go memory: it is
		// passed to the kernel as the numbers smaps gave.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_DONTNEED); errno == 0 {
			r.Mappings++
			r.Bytes += m.rss
		}
	}
	return r, nil
}
