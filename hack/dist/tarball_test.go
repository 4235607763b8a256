package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTarball checks the release tarball: one top directory named like
// the file, the binaries (static, stamped with the release) and the files
// the manual install steps use, owned by root, and the same bytes when
// written twice.
func TestTarball(t *testing.T) {
	r, b := testBuild(t)
	out := t.TempDir()
	dst, err := r.writeTarball(out, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := "clockwatch-" + r.version + ".linux-amd64.tar.gz"; filepath.Base(dst) != want {
		t.Errorf("tarball %s, want %s (a contract)", filepath.Base(dst), want)
	}
	entries := readTarGz(t, dst)
	top := strings.TrimSuffix(filepath.Base(dst), ".tar.gz")
	want := []string{top}
	for _, c := range commands {
		want = append(want, path.Join(top, c))
	}
	for _, f := range tarballFiles {
		want = append(want, path.Join(top, path.Base(f)))
	}
	var got []string
	for name, e := range entries {
		got = append(got, name)
		if e.header.Uid != 0 || e.header.Gid != 0 || !e.header.ModTime.Equal(r.date) {
			t.Errorf("%s: owner %d:%d, time %v; want 0:0 at the commit's time %v", name, e.header.Uid, e.header.Gid, e.header.ModTime, r.date)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tarball holds %v, want %v", got, want)
	}
	for _, c := range commands {
		e := entries[path.Join(top, c)]
		if e.header.Mode != 0o755 {
			t.Errorf("%s: mode %o, want 755", c, e.header.Mode)
		}
		binary := filepath.Join(t.TempDir(), c)
		if err := os.WriteFile(binary, e.data, 0o755); err != nil {
			t.Fatal(err)
		}
		checkVersionOutput(t, binary, r)
	}

	again, err := r.writeTarball(t.TempDir(), b)
	if err != nil {
		t.Fatal(err)
	}
	if !sameFile(t, dst, again) {
		t.Error("two writes of the tarball differ: it is not reproducible")
	}
}

// tarEntry is one entry of an archive with its content.
type tarEntry struct {
	header *tar.Header
	data   []byte
}

// readTarGz reads every entry of a gzipped tar archive.
func readTarGz(t *testing.T, path string) map[string]tarEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	return readTar(t, gz)
}

// readTar reads every entry of a tar stream, by name without a trailing
// slash.
func readTar(t *testing.T, r io.Reader) map[string]tarEntry {
	t.Helper()
	entries := map[string]tarEntry{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		entries[strings.TrimSuffix(h.Name, "/")] = tarEntry{header: h, data: data}
	}
}

// sameFile reports whether two files have the same bytes.
func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	da, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(da, db)
}
