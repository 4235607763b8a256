package discipline

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// daemonProcesses maps the process names (as /proc/PID/comm shows them,
// cut to 15 bytes) of daemons that steer the system clock to their names.
var daemonProcesses = map[string]string{
	"chronyd":         "chronyd",
	"ntpd":            "ntpd",
	"openntpd":        "ntpd",
	"ptp4l":           "ptp4l",
	"phc2sys":         "phc2sys",
	"timemaster":      "ptp4l",
	"systemd-timesyn": "systemd-timesyncd",
}

// runningDaemons lists the processes under procDir whose names are in
// daemonProcesses, except the process self.
func runningDaemons(procDir string, self int) []Steerer {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return nil
	}
	var found []Steerer
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		comm, err := os.ReadFile(filepath.Join(procDir, e.Name(), "comm"))
		if err != nil {
			continue
		}
		if name, ok := daemonProcesses[string(bytes.TrimSpace(comm))]; ok {
			found = append(found, Steerer{Name: name, Evidence: fmt.Sprintf("process %d", pid)})
		}
	}
	return found
}
