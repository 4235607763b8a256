package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// checksumsName is the checksum file of a release, in the format of
// sha256sum: `cd dist && sha256sum -c sha256sums.txt` checks it.
const checksumsName = "sha256sums.txt"

// writeChecksums writes the SHA-256 of every artefact into out.
func writeChecksums(out string, artefacts []string) (string, error) {
	var lines strings.Builder
	for _, p := range artefacts {
		sum, err := sha256File(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&lines, "%x  %s\n", sum, filepath.Base(p))
	}
	dst := filepath.Join(out, checksumsName)
	return dst, writeAtomically(dst, func(w io.Writer) error {
		_, err := io.WriteString(w, lines.String())
		return err
	})
}

// sha256File hashes the file at path.
func sha256File(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("hash %s: %w", path, err)
	}
	return h.Sum(nil), nil
}
