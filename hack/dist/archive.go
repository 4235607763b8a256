package main

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// archive writes tar entries that all carry one modification time, so that
// the same inputs give the same bytes.
type archive struct {
	tw   *tar.Writer
	date time.Time
}

// owner is the numeric owner of an entry.
type owner struct{ uid, gid int }

// root owns every entry unless said otherwise.
var root = owner{}

// dir adds a directory.
func (a archive) dir(name string, mode int64, o owner) error {
	return a.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: o.uid, Gid: o.gid, ModTime: a.date, Format: tar.FormatPAX})
}

// file adds a regular file with data.
func (a archive) file(name string, mode int64, data []byte) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: a.date, Format: tar.FormatPAX}
	if err := a.tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := a.tw.Write(data)
	return err
}

// copy adds the file at src as name.
func (a archive) copy(name string, mode int64, src string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return a.file(name, mode, data)
}

// writeAtomically writes a file through write and renames it into place
// only when write succeeded, so that no half-written artefact is left.
func writeAtomically(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
