package main

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestDaemonSetNamesTheImage checks that the Kubernetes DaemonSet runs the
// image `make dist` builds, by the name and tag the OCI layout carries (the
// release's version), as the user the image is made for.
func TestDaemonSetNamesTheImage(t *testing.T) {
	r := testRelease(t)
	data, err := os.ReadFile(filepath.Join(r.root, "deploy/kubernetes/daemonset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ds struct {
		Spec struct {
			Template struct {
				Spec struct {
					SecurityContext struct {
						RunAsUser  int `yaml:"runAsUser"`
						RunAsGroup int `yaml:"runAsGroup"`
					} `yaml:"securityContext"`
					Containers []struct {
						Name  string `yaml:"name"`
						Image string `yaml:"image"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &ds); err != nil {
		t.Fatal(err)
	}
	pod := ds.Spec.Template.Spec
	image := ""
	for _, c := range pod.Containers {
		if c.Name == "clockwatch" {
			image = c.Image
		}
	}
	if image != imageRef(r.version) {
		t.Errorf("the DaemonSet runs %q, want %q, the image make dist builds (update its tag with VERSION)", image, imageRef(r.version))
	}
	if pod.SecurityContext.RunAsUser != imageOwner.uid || pod.SecurityContext.RunAsGroup != imageOwner.gid {
		t.Errorf("the DaemonSet runs as %d:%d, the image's directories belong to %d:%d",
			pod.SecurityContext.RunAsUser, pod.SecurityContext.RunAsGroup, imageOwner.uid, imageOwner.gid)
	}
}
