// Command dist builds clockwatch's release artefacts (`make dist`): for each
// architecture a static binary of every command, a release tarball and a
// Debian package, then one multi-architecture OCI image built from those
// binaries with no base image, and sha256sums.txt over all of them.
//
// It is a module of its own so that the packaging libraries (nfpm,
// go-containerregistry) stay out of the agent's module graph. It needs
// nothing but Go and git: no Docker engine, no dpkg-deb.
//
// Usage, from the repository (`make dist` runs the first):
//
//	cd hack/dist && go run . -out ../../dist
//	cd hack/dist && go run . -out /tmp/dist -version 0.2.0-rc.1 -arch amd64
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "dist", "directory the artefacts are written to")
	version := flag.String("version", "", "version to stamp and name the artefacts with (default: the repository's VERSION file)")
	arches := flag.String("arch", "amd64,arm64", "comma-separated Go architectures to build for (linux only)")
	flag.Parse()
	if err := run(*out, *version, strings.Split(*arches, ",")); err != nil {
		fmt.Fprintf(os.Stderr, "dist: %v\n", err)
		os.Exit(1)
	}
}

// run builds every artefact of the release into out and prints each with
// its size.
func run(out, version string, arches []string) error {
	r, err := loadRelease(version)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	work, err := os.MkdirTemp("", "clockwatch-dist-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Printf("clockwatch %s, revision %s, linux/%s\n", r.version, r.revision, strings.Join(arches, " linux/"))
	var artefacts []string
	builds := map[string]build{}
	for _, arch := range arches {
		b, err := r.buildBinaries(work, arch)
		if err != nil {
			return err
		}
		builds[arch] = b
		tarball, err := r.writeTarball(out, b)
		if err != nil {
			return err
		}
		deb, err := r.writeDeb(out, work, b)
		if err != nil {
			return err
		}
		artefacts = append(artefacts, tarball, deb)
	}
	image, err := r.writeImage(out, arches, builds)
	if err != nil {
		return err
	}
	artefacts = append(artefacts, image)
	sums, err := writeChecksums(out, artefacts)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	fmt.Printf("%s:\n", abs)
	return printSizes(append(artefacts, sums))
}

// printSizes lists each file with its size.
func printSizes(paths []string) error {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		size := fmt.Sprintf("%.1f MiB", float64(fi.Size())/(1<<20))
		if fi.Size() < 1<<20 {
			size = fmt.Sprintf("%.1f KiB", float64(fi.Size())/(1<<10))
		}
		fmt.Printf("  %-45s %10s\n", filepath.Base(p), size)
	}
	return nil
}
