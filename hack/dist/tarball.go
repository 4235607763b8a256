package main

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"path/filepath"
)

// tarballFiles are the repository files a release tarball carries beside
// the binaries: what the manual install steps of clockwatch.service use.
var tarballFiles = []string{
	"README.md",
	"deploy/clockwatch.yml",
	"deploy/systemd/clockwatch.service",
	"deploy/systemd/discipline.conf",
}

// tarballName is the release tarball's file name, as Prometheus names its
// exporters' tarballs.
func tarballName(version, arch string) string {
	return fmt.Sprintf("clockwatch-%s.linux-%s.tar.gz", version, arch)
}

// writeTarball writes the release tarball of b into out: one directory
// named like the file, holding the binaries and tarballFiles.
func (r release) writeTarball(out string, b build) (string, error) {
	name := tarballName(r.version, b.arch)
	top := name[:len(name)-len(".tar.gz")]
	dst := filepath.Join(out, name)
	return dst, writeAtomically(dst, func(w io.Writer) error {
		gz := gzip.NewWriter(w)
		a := archive{tw: tar.NewWriter(gz), date: r.date}
		if err := a.dir(top, 0o755, root); err != nil {
			return err
		}
		for _, c := range commands {
			if err := a.copy(path.Join(top, c), 0o755, b.path(c)); err != nil {
				return err
			}
		}
		for _, f := range tarballFiles {
			if err := a.copy(path.Join(top, path.Base(f)), 0o644, filepath.Join(r.root, f)); err != nil {
				return err
			}
		}
		if err := a.tw.Close(); err != nil {
			return err
		}
		return gz.Close()
	})
}
