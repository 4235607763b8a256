package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image: the static binaries and the default configuration on an
// empty base, run as a non-root user. The Dockerfile at the repository's
// top builds the same image for users with a registry; a test keeps the two
// alike.
const (
	// imageRepository is where the image is published; the DaemonSet names
	// it with the release's version as tag.
	imageRepository = "ghcr.io/clockwatch/clockwatch"
	// imageUser is numeric so that Kubernetes' runAsNonRoot can check it;
	// the DaemonSet runs as the same user.
	imageUser      = "10001:10001"
	imageBinDir    = "/usr/bin"
	imageConfig    = "/etc/clockwatch/clockwatch.yml"
	imageStateDir  = "/var/lib/clockwatch"
	imageRunDir    = "/run/clockwatch"
	imageSourceURL = "https://github.com/clockwatch/clockwatch"
)

// imageOwner owns the directories the agent writes.
var imageOwner = owner{uid: 10001, gid: 10001}

// imagePorts are the agent's HTTP port (/metrics, the API, the page) and
// the peer responder's port (--responder.listen-address, off by default).
var imagePorts = []string{"9896/tcp", "9123/udp"}

// imageEntrypoint and imageCmd run the agent with the image's
// configuration; the DaemonSet replaces the arguments.
var (
	imageEntrypoint = []string{imageBinDir + "/clockwatch"}
	imageCmd        = []string{"run", "--config.file=" + imageConfig}
)

// imageName is the image's OCI layout file name.
func imageName(version string) string {
	return fmt.Sprintf("clockwatch-%s.oci.tar", version)
}

// imageRef is the name and tag the image is published under.
func imageRef(version string) string { return imageRepository + ":" + version }

// writeImage writes an OCI image layout, as a tar archive, holding one
// image index with an image per architecture, into out.
func (r release) writeImage(out string, arches []string, builds map[string]build) (string, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range arches {
		img, err := r.image(builds[arch])
		if err != nil {
			return "", err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: imagePlatform(arch)},
		})
	}
	idx = mutate.Annotations(idx, r.imageAnnotations()).(v1.ImageIndex)
	dir, err := os.MkdirTemp("", "clockwatch-oci-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return "", err
	}
	// Tools name the image they load from these: the tag (OCI, skopeo,
	// podman) and the full reference (containerd's ctr import).
	err = p.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": r.version,
		"io.containerd.image.name":          imageRef(r.version),
	}))
	if err != nil {
		return "", fmt.Errorf("write the OCI layout: %w", err)
	}
	dst := filepath.Join(out, imageName(r.version))
	return dst, writeAtomically(dst, func(w io.Writer) error { return r.tarDir(w, dir) })
}

// imagePlatform is the OCI platform of a Go architecture.
func imagePlatform(arch string) *v1.Platform {
	p := &v1.Platform{OS: "linux", Architecture: arch}
	if arch == "arm64" {
		p.Variant = "v8"
	}
	return p
}

// imageAnnotations are the OCI annotations of the index and of each image.
func (r release) imageAnnotations() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "clockwatch",
		"org.opencontainers.image.description": "Clock offset, drift and error bound agent",
		"org.opencontainers.image.version":     r.version,
		"org.opencontainers.image.revision":    r.revision,
		"org.opencontainers.image.created":     r.date.Format("2006-01-02T15:04:05Z"),
		"org.opencontainers.image.source":      imageSourceURL,
		"org.opencontainers.image.url":         imageSourceURL,
	}
}

// image is the image of one architecture.
func (r release) image(b build) (v1.Image, error) {
	rootfs, err := r.imageLayer(b)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(rootfs)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	platform := imagePlatform(b.arch)
	cfg.OS, cfg.Architecture, cfg.Variant = platform.OS, platform.Architecture, platform.Variant
	cfg.Created = v1.Time{Time: r.date}
	cfg.Author = ""
	cfg.Config = v1.Config{
		User:         imageUser,
		Entrypoint:   imageEntrypoint,
		Cmd:          imageCmd,
		ExposedPorts: map[string]struct{}{},
		WorkingDir:   "/",
		Labels:       r.imageAnnotations(),
	}
	for _, p := range imagePorts {
		cfg.Config.ExposedPorts[p] = struct{}{}
	}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, err
	}
	return mutate.Annotations(img, r.imageAnnotations()).(v1.Image), nil
}

// imageLayer is the image's only layer: the binaries, the default
// configuration, and the directories the agent writes, owned by its user.
func (r release) imageLayer(b build) ([]byte, error) {
	var buf bytes.Buffer
	a := archive{tw: tar.NewWriter(&buf), date: r.date}
	dirs := []struct {
		name  string
		mode  int64
		owner owner
	}{
		{"etc", 0o755, root}, {"etc/clockwatch", 0o755, root},
		{"run", 0o755, root}, {"run/clockwatch", 0o755, imageOwner},
		{"usr", 0o755, root}, {"usr/bin", 0o755, root},
		{"var", 0o755, root}, {"var/lib", 0o755, root}, {"var/lib/clockwatch", 0o700, imageOwner},
	}
	for _, d := range dirs {
		if err := a.dir(d.name, d.mode, d.owner); err != nil {
			return nil, err
		}
	}
	if err := a.copy(imageConfig[1:], 0o644, filepath.Join(r.root, defaultConfig)); err != nil {
		return nil, err
	}
	for _, c := range commands {
		if err := a.copy(path.Join(imageBinDir[1:], c), 0o755, b.path(c)); err != nil {
			return nil, err
		}
	}
	if err := a.tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// tarDir writes the files under dir to w as a tar archive, in a fixed
// order (what an oci-archive: reference of skopeo or podman load reads).
func (r release) tarDir(w io.Writer, dir string) error {
	a := archive{tw: tar.NewWriter(w), date: r.date}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		name, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return a.dir(filepath.ToSlash(name), 0o755, root)
		}
		return a.copy(filepath.ToSlash(name), 0o644, p)
	})
	if err != nil {
		return err
	}
	return a.tw.Close()
}
