package main

import (
	"archive/tar"
	"bytes"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestImageLayout reads back the OCI image layout written for amd64: the
// name and tag it is loaded under, the platform, what the image runs and
// as whom, its ports, its files with their owners, and the binary, which
// must run when extracted.
func TestImageLayout(t *testing.T) {
	r, b := testBuild(t)
	dst, err := r.writeImage(t.TempDir(), []string{"amd64"}, map[string]build{"amd64": b})
	if err != nil {
		t.Fatal(err)
	}
	img := readImage(t, dst, r)
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var ports []string
	for p := range cfg.Config.ExposedPorts {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	checks := []struct {
		name      string
		got, want any
	}{
		{"os", cfg.OS, "linux"},
		{"architecture", cfg.Architecture, "amd64"},
		{"entrypoint", cfg.Config.Entrypoint, []string{"/usr/bin/clockwatch"}},
		{"cmd", cfg.Config.Cmd, []string{"run", "--config.file=/etc/clockwatch/clockwatch.yml"}},
		{"exposed ports", ports, []string{"9123/udp", "9896/tcp"}},
		{"user (numeric, not root)", cfg.Config.User, "10001:10001"},
		{"version label", cfg.Config.Labels["org.opencontainers.image.version"], r.version},
		{"revision label", cfg.Config.Labels["org.opencontainers.image.revision"], r.revision},
		{"created", cfg.Created.Time.Equal(r.date), true},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("image config %s: %v, want %v", c.name, c.got, c.want)
		}
	}
	checkImageFiles(t, img, r)
}

// readImage opens the OCI archive at path and returns its linux/amd64
// image, checking the layout's index on the way: one image index, named
// with the release's tag and full reference, holding one image per
// platform.
func readImage(t *testing.T, path string, r release) v1.Image {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, e := range readTar(t, f) {
		p := filepath.Join(dir, name)
		if e.header.Typeflag == tar.TypeDir {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, e.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("%s is not an OCI image layout: %v", path, err)
	}
	m, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].MediaType != types.OCIImageIndex {
		t.Fatalf("index.json lists %+v, want one OCI image index", m.Manifests)
	}
	desc := m.Manifests[0]
	if got := desc.Annotations["org.opencontainers.image.ref.name"]; got != r.version {
		t.Errorf("ref.name annotation %q, want the version %q", got, r.version)
	}
	if got := desc.Annotations["io.containerd.image.name"]; got != imageRef(r.version) {
		t.Errorf("io.containerd.image.name %q, want %q", got, imageRef(r.version))
	}
	idx, err := top.ImageIndex(desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	platforms, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(platforms.Manifests) != 1 || platforms.Manifests[0].Platform == nil ||
		platforms.Manifests[0].Platform.String() != "linux/amd64" {
		t.Fatalf("the image index lists %+v, want one linux/amd64 image", platforms.Manifests)
	}
	img, err := idx.Image(platforms.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// checkImageFiles checks the image's file system: the binaries run, the
// configuration is the repository's default, and the agent's user owns
// the directories it writes.
func checkImageFiles(t *testing.T, img v1.Image, r release) {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := readTar(t, rc)
	for _, c := range commands {
		e, ok := files["usr/bin/"+c]
		if !ok || e.header.Mode != 0o755 {
			t.Errorf("/usr/bin/%s missing or not executable", c)
			continue
		}
		binary := filepath.Join(t.TempDir(), c)
		if err := os.WriteFile(binary, e.data, 0o755); err != nil {
			t.Fatal(err)
		}
		checkVersionOutput(t, binary, r)
	}
	checkFallbackRoots(t, files["usr/bin/clockwatch"].data)
	config, err := os.ReadFile(filepath.Join(r.root, defaultConfig))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(files[imageConfig[1:]].data, config) {
		t.Errorf("%s is not %s", imageConfig, defaultConfig)
	}
	for _, d := range []string{imageStateDir, imageRunDir} {
		h := files[d[1:]].header
		if h == nil || h.Uid != imageOwner.uid || h.Gid != imageOwner.gid {
			t.Errorf("%s missing or not owned by the image's user %v", d, imageOwner)
		}
	}
}

// checkFallbackRoots checks that the agent carries root certificates of its
// own: the image has no /etc/ssl, and NTS key exchanges verify the
// server's certificate.
func checkFallbackRoots(t *testing.T, binary []byte) {
	t.Helper()
	info, err := buildinfo.Read(bytes.NewReader(binary))
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range info.Deps {
		if dep.Path == "golang.org/x/crypto/x509roots/fallback" {
			return
		}
	}
	t.Error("the agent has no fallback root certificates: NTS cannot verify a server in the image")
}

// equal compares the values of a check.
func equal(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, ok := b.([]string)
		return ok && slices.Equal(as, bs)
	}
	return a == b
}

// TestImageRunsInPodman loads the image with podman, checks the name it is
// loaded under, and runs it as it is (its entrypoint, command and user)
// without a network: the agent must start with the image's configuration
// and stop on SIGTERM. Skipped where podman and runc are not installed.
func TestImageRunsInPodman(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run podman here")
	}
	needCommands(t, map[string]string{"podman": "podman", "runc": "runc"})
	r, b := testBuild(t)
	dst, err := r.writeImage(t.TempDir(), []string{"amd64"}, map[string]build{"amd64": b})
	if err != nil {
		t.Fatal(err)
	}
	// Storage of its own, so the machine's images are untouched. runc and
	// cgroupfs because crun refuses hybrid cgroup hierarchies; explicit
	// rlimits because podman's defaults may exceed the hard limits a CI
	// sandbox allows.
	store := podmanStore(t)
	podman := []string{"--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run"),
		"--storage-driver", "vfs", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "none"}
	loaded := runLogged(t, "podman", append(podman, "load", "-i", dst)...)
	if !strings.Contains(loaded, "Loaded image: "+imageRef(r.version)) {
		t.Errorf("podman load named the image otherwise than %s", imageRef(r.version))
	}
	args := append(podman, "run", "--rm", "--network", "none",
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", imageRef(r.version))
	checkAgentRuns(t, "podman run --rm --network none "+imageRef(r.version), exec.Command("podman", args...))
}

// podmanStore makes a directory for a test's own podman storage and removes
// it after the test. podman's cleanup of a `run --rm` container may still
// be writing there when the test ends, which t.TempDir's single removal
// reports as "directory not empty"; the removal is retried for a while
// instead, and leftover storage is logged, not failed: it is no fault of
// the image under test.
func podmanStore(t *testing.T) string {
	t.Helper()
	store, err := os.MkdirTemp("", "clockwatch-podman-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var err error
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			if err = os.RemoveAll(store); err == nil {
				return
			}
		}
		t.Logf("podman storage %s left behind: %v", store, err)
	})
	return store
}
