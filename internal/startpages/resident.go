package startpages

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ResidentFile is the file-backed part of process pid's resident memory
// (RssFile of /proc/PID/status), in bytes: what Release lowers.
func ResidentFile(pid int) (int64, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil || kb < 0 {
				return 0, fmt.Errorf("%s: RssFile %q is not a size in kB", path, v)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("%s has no RssFile line", path)
}
