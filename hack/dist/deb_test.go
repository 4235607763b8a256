package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestDebInstall installs the amd64 package on this machine with dpkg and
// checks what a user gets: the binaries on PATH, stamped with the release;
// the unit accepted by systemd-analyze verify; the system user and its
// state directory; the agent started as the unit starts it (its ExecStart,
// as its user, with the shipped configuration) in a network namespace of
// its own, and stopped. Then dpkg -r removes the binaries and the unit but
// keeps the configuration and the state, and dpkg -P leaves no file with
// clockwatch in its name that was not there before; the system user stays.
func TestDebInstall(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to install the package with dpkg -i (CI runs as root)")
	}
	needCommands(t, map[string]string{"dpkg": "dpkg", "systemd-analyze": "systemd", "unshare": "util-linux", "setpriv": "util-linux", "ip": "iproute2"})
	lockPackageTests(t)
	if out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Status}", "clockwatch").Output(); err == nil && string(out) != "not-installed" {
		t.Skipf("a clockwatch package is on this machine (%s); the test does not replace it", out)
	}
	if _, err := os.Stat(filepath.Join(debBinDir, "clockwatch")); err == nil {
		t.Skipf("%s/clockwatch exists outside any package; the test does not overwrite it", debBinDir)
	}
	r, b := testBuild(t)
	deb, err := r.writeDeb(t.TempDir(), t.TempDir(), b)
	if err != nil {
		t.Fatal(err)
	}
	_, userExisted := lookupUser("clockwatch")
	before := clockwatchPaths(t)
	t.Cleanup(func() { restoreMachine(t, userExisted) })

	runLogged(t, "dpkg", "-i", deb)
	checkInstalled(t, r)
	checkUnitStarts(t)
	runLogged(t, "dpkg", "-r", "clockwatch")
	checkRemoved(t)
	runLogged(t, "dpkg", "-P", "clockwatch")
	if left := clockwatchPaths(t); !slices.Equal(left, before) {
		t.Errorf("dpkg -P left files behind:\nbefore install %v\nafter purge    %v", before, left)
	}
	if _, ok := lookupUser("clockwatch"); !ok {
		t.Error("dpkg -P removed the system user; Debian keeps it (files elsewhere may belong to it)")
	}
}

// checkInstalled checks the installed package.
func checkInstalled(t *testing.T, r release) {
	t.Helper()
	for _, c := range commands {
		path, err := exec.LookPath(c)
		if err != nil || path != filepath.Join(debBinDir, c) {
			t.Errorf("%s on PATH: %q, %v; want %s/%s", c, path, err, debBinDir, c)
			continue
		}
		checkVersionOutput(t, c, r)
	}
	if out := runLogged(t, "systemd-analyze", "verify", debUnit); strings.TrimSpace(out) != "" {
		t.Errorf("systemd-analyze verify %s complains:\n%s", debUnit, out)
	}
	uid, ok := lookupUser("clockwatch")
	if !ok {
		t.Fatal("postinst did not create the system user clockwatch")
	}
	fi, err := os.Stat("/var/lib/clockwatch")
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != uid || fi.Mode().Perm() != 0o700 {
		t.Errorf("/var/lib/clockwatch: owner %d, mode %o; want %d (clockwatch), 700", st.Uid, fi.Mode().Perm(), uid)
	}
	if out := runLogged(t, "dpkg-query", "-W", "-f=${Conffiles}", "clockwatch"); !strings.Contains(out, debConfig+" ") {
		t.Errorf("%s is not a conffile: dpkg would overwrite the administrator's edits", debConfig)
	}
}

// checkUnitStarts runs the installed unit's ExecStart as its User, after
// making its RuntimeDirectory as systemd would, in a network namespace
// with nothing but loopback (so the public NTP servers of the shipped
// configuration are never reached), and stops it once it has started.
func checkUnitStarts(t *testing.T) {
	t.Helper()
	unit, err := os.ReadFile(debUnit)
	if err != nil {
		t.Fatal(err)
	}
	argv := execStart(string(unit))
	if len(argv) == 0 || argv[0] != filepath.Join(debBinDir, "clockwatch") {
		t.Fatalf("ExecStart of %s runs %v, want %s/clockwatch", debUnit, argv, debBinDir)
	}
	runLogged(t, "install", "-d", "-o", "clockwatch", "-g", "clockwatch", "-m", "0755", "/run/clockwatch")
	script := `ip link set lo up && exec setpriv --reuid=clockwatch --regid=clockwatch --init-groups "$@"`
	cmd := exec.Command("unshare", append([]string{"--net", "sh", "-c", script, "sh"}, argv...)...)
	checkAgentRuns(t, strings.Join(argv, " ")+" (the unit's ExecStart, as its user)", cmd)
}

// execStart returns the command line of a unit's ExecStart, without the
// environment variables it expands (empty by default).
func execStart(unit string) []string {
	unit = strings.ReplaceAll(unit, "\\\n", " ")
	for _, line := range strings.Split(unit, "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			return slices.DeleteFunc(strings.Fields(rest), func(f string) bool { return strings.HasPrefix(f, "$") })
		}
	}
	return nil
}

// checkRemoved checks what dpkg -r leaves: the configuration and the
// state, but no binary and no unit.
func checkRemoved(t *testing.T) {
	t.Helper()
	for _, c := range commands {
		if _, err := os.Stat(filepath.Join(debBinDir, c)); err == nil {
			t.Errorf("dpkg -r left %s/%s", debBinDir, c)
		}
	}
	if _, err := os.Stat(debUnit); err == nil {
		t.Errorf("dpkg -r left %s", debUnit)
	}
	for _, kept := range []string{debConfig, "/var/lib/clockwatch"} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("dpkg -r removed %s; it belongs to the administrator until purge", kept)
		}
	}
}

// clockwatchPaths lists the files and directories with clockwatch in their
// name where a package, systemd or the agent put them.
func clockwatchPaths(t *testing.T) []string {
	t.Helper()
	var found []string
	for _, top := range []string{"/etc", "/usr/bin", "/usr/lib/systemd", "/usr/share/doc", "/var/lib", "/run"} {
		_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if strings.Contains(d.Name(), "clockwatch") {
				found = append(found, p)
			}
			return nil
		})
	}
	slices.Sort(found)
	return found
}

// lookupUser returns the uid of a user of the system's user database.
func lookupUser(name string) (int, bool) {
	out, err := exec.Command("id", "-u", name).Output()
	if err != nil {
		return 0, false
	}
	uid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	return uid, err == nil
}

// lockPackageTests waits until no other test run on this machine (another
// checkout's make test) installs the package, and keeps it out until this
// test and its cleanup are done.
func lockPackageTests(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "clockwatch-dist-dpkg-test.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock %s: %v", f.Name(), err)
	}
	t.Cleanup(func() { f.Close() })
}

// restoreMachine purges the package if a failed test left it, and removes
// the system user and group if the test made them.
func restoreMachine(t *testing.T, userExisted bool) {
	if out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Status}", "clockwatch").Output(); err == nil && string(out) != "not-installed" {
		if out, err := exec.Command("dpkg", "-P", "clockwatch").CombinedOutput(); err != nil {
			t.Errorf("cleanup: dpkg -P clockwatch: %v\n%s", err, out)
		}
	}
	if !userExisted {
		_ = exec.Command("userdel", "clockwatch").Run()
		_ = exec.Command("groupdel", "clockwatch").Run()
	}
}
