package startpages

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// residentFile is RssFile of this process, in bytes.
func residentFile(t *testing.T) int64 {
	t.Helper()
	n, err := ResidentFile(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReleaseLowersResidentMemory releases the test binary's code and
// read-only data: its file-backed resident memory falls, and code that
// runs afterwards (including code the release dropped) works.
func TestReleaseLowersResidentMemory(t *testing.T) {
	// Touch code and data all over the binary, as a start does.
	_ = fmt.Sprintf("%v %q", regexp.MustCompile(`a+b`), strings.Repeat("x", 3))
	before := residentFile(t)
	r, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	after := residentFile(t)
	if r.Mappings < 1 || r.Bytes <= 0 {
		t.Errorf("released %+v, want the code mapping at least", r)
	}
	if after >= before {
		t.Errorf("file-backed resident memory %d bytes after the release, want less than the %d before", after, before)
	}
	if got := fmt.Sprintf("%v %q", regexp.MustCompile(`a+b`).FindString("xaab"), strings.Repeat("x", 3)); got != `aab "xxx"` {
		t.Errorf("after the release, the code computed %q", got)
	}
	t.Logf("released %d mappings, %d KiB resident; RssFile %d → %d KiB", r.Mappings, r.Bytes>>10, before>>10, after>>10)
}
