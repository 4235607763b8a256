package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dockerInstruction is one instruction of a Dockerfile.
type dockerInstruction struct {
	name, args string
}

// readDockerfile returns the instructions of a Dockerfile, continuation
// lines joined and comments dropped.
func readDockerfile(t *testing.T, path string) []dockerInstruction {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstruction
	var line strings.Builder
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if rest, ok := strings.CutSuffix(l, "\\"); ok {
			line.WriteString(rest)
			continue
		}
		line.WriteString(l)
		if text := strings.TrimSpace(line.String()); text != "" {
			name, args, _ := strings.Cut(text, " ")
			out = append(out, dockerInstruction{strings.ToUpper(name), strings.TrimSpace(args)})
		}
		line.Reset()
	}
	return out
}

// TestDockerfileMatchesImage checks that the Dockerfile builds the image
// `make dist` writes: the same static, stamped build of every command, the
// default configuration, and a last stage FROM scratch with the same user,
// ports, entrypoint and command.
func TestDockerfileMatchesImage(t *testing.T) {
	r := testRelease(t)
	instructions := readDockerfile(t, filepath.Join(r.root, "Dockerfile"))
	last := -1
	var build string
	for i, in := range instructions {
		switch {
		case in.name == "FROM":
			last = i
		case in.name == "RUN" && strings.Contains(in.args, "go build"):
			build = in.args
		}
	}
	if last < 0 || instructions[last].args != "scratch" {
		t.Fatalf("the Dockerfile's last stage is not FROM scratch")
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", versionPackage + ".Version=$(cat VERSION)", "-o /rootfs" + imageBinDir + "/ ./cmd/...", "deploy/clockwatch.yml /rootfs" + imageConfig} {
		if !strings.Contains(build, want) {
			t.Errorf("the Dockerfile's build does not say %q", want)
		}
	}
	final := map[string]string{}
	for _, in := range instructions[last+1:] {
		final[in.name] = in.args
	}
	var entrypoint, cmd []string
	if err := json.Unmarshal([]byte(final["ENTRYPOINT"]), &entrypoint); err != nil {
		t.Errorf("ENTRYPOINT %q is not a JSON array: %v", final["ENTRYPOINT"], err)
	}
	if err := json.Unmarshal([]byte(final["CMD"]), &cmd); err != nil {
		t.Errorf("CMD %q is not a JSON array: %v", final["CMD"], err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"USER", final["USER"], imageUser},
		{"EXPOSE", strings.Fields(final["EXPOSE"]), imagePorts},
		{"ENTRYPOINT", entrypoint, imageEntrypoint},
		{"CMD", cmd, imageCmd},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("Dockerfile %s %v, the image's %v", c.name, c.got, c.want)
		}
	}
}

// TestCommandsAreShipped checks that every command under cmd/ is in
// commands, so the package, the tarball and the image ship what the
// Dockerfile's ./cmd/... builds.
func TestCommandsAreShipped(t *testing.T) {
	r := testRelease(t)
	dirs, err := os.ReadDir(filepath.Join(r.root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range dirs {
		if d.IsDir() {
			found = append(found, d.Name())
		}
	}
	shipped := slices.Sorted(slices.Values(commands))
	if !slices.Equal(found, shipped) {
		t.Errorf("cmd/ holds %v but the release ships %v: add the new command to commands in build.go", found, shipped)
	}
}
