package discipline

import (
	"strings"
	"testing"
)

func TestCapabilityErrorSaysWhatToDo(t *testing.T) {
	for _, want := range []string{"CAP_SYS_TIME", "AmbientCapabilities=CAP_SYS_TIME", "SYS_TIME", "root"} {
		if !strings.Contains(ErrNoCapability.Error(), want) {
			t.Errorf("%q does not say %q", ErrNoCapability, want)
		}
	}
}
