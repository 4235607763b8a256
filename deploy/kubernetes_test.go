package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// manifests are the objects of deploy/kubernetes, decoded strictly into the
// Kubernetes API types: an unknown or misspelt field anywhere is an error.
type manifests struct {
	daemonSet *appsv1.DaemonSet
	services  []*corev1.Service
	configMap *corev1.ConfigMap
	kinds     []string
}

// loadManifests decodes every YAML document of kubernetes/*.yaml.
func loadManifests(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifests
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			if err := m.add([]byte(doc)); err != nil {
				t.Errorf("%s, document %d: %v", f, i+1, err)
			}
		}
	}
	return m
}

// add decodes one document by its kind.
func (m *manifests) add(doc []byte) error {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return err
	}
	m.kinds = append(m.kinds, meta.Kind)
	strict := func(v any) error { return yaml.UnmarshalStrict(doc, v) }
	switch meta.APIVersion + " " + meta.Kind {
	case "apps/v1 DaemonSet":
		m.daemonSet = &appsv1.DaemonSet{}
		return strict(m.daemonSet)
	case "v1 Service":
		s := &corev1.Service{}
		m.services = append(m.services, s)
		return strict(s)
	case "v1 ConfigMap":
		m.configMap = &corev1.ConfigMap{}
		return strict(m.configMap)
	case "v1 Namespace":
		return strict(&corev1.Namespace{})
	case "v1 ServiceAccount":
		return strict(&corev1.ServiceAccount{})
	}
	return fmt.Errorf("unexpected %s %s", meta.APIVersion, meta.Kind)
}

// TestKubernetesManifests checks the manifests beyond their schema: the
// DaemonSet on the host network with probes on /healthz, resources and a
// locked-down security context; the headless Service selecting its pods for
// peer discovery; the ConfigMap mounted where --config.file points.
func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	ds := m.daemonSet
	if ds == nil || m.configMap == nil || len(m.services) == 0 {
		t.Fatalf("want a DaemonSet, a ConfigMap and a Service; found %v", m.kinds)
	}
	pod := ds.Spec.Template.Spec
	agent := findContainer(t, pod.Containers, "clockwatch")
	args := flagValues(agent.Args)
	httpPort := portNumber(t, agent, "http")

	checks := []struct {
		name string
		ok   bool
	}{
		{"the selector matches the pod labels", matches(ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels)},
		{"hostNetwork", pod.HostNetwork},
		{"dnsPolicy ClusterFirstWithHostNet (cluster DNS from the host network)", pod.DNSPolicy == corev1.DNSClusterFirstWithHostNet},
		{"runs the agent: args start with run", len(agent.Args) > 0 && agent.Args[0] == "run"},
		{"--web.listen-address on the pod IP (the node's, not every interface of it) and the http port", args["web.listen-address"] == fmt.Sprintf("[$(POD_IP)]:%d", httpPort)},
		{"POD_IP from the downward API's status.podIP", podIPEnv(agent) == "POD_IP"},
		{"readiness probe on /healthz at the http port", httpProbe(agent.ReadinessProbe, "/healthz", "http")},
		{"startup probe on /-/healthy at the http port", httpProbe(agent.StartupProbe, "/-/healthy", "http")},
		{"liveness probe on /-/healthy (not /healthz: a restart cannot fix a clock)", httpProbe(agent.LivenessProbe, "/-/healthy", "http")},
		{"cpu and memory requests", !agent.Resources.Requests.Cpu().IsZero() && !agent.Resources.Requests.Memory().IsZero()},
		{"a memory limit", !agent.Resources.Limits.Memory().IsZero()},
		{"pod runs as non-root", pod.SecurityContext != nil && pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot},
		{"agent container locked down", lockedDown(agent.SecurityContext)},
		{"no service account token", pod.AutomountServiceAccountToken != nil && !*pod.AutomountServiceAccountToken},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("DaemonSet: want %s", c.name)
		}
	}
	for _, c := range pod.InitContainers {
		if c.Resources.Limits.Memory().IsZero() {
			t.Errorf("init container %s has no memory limit", c.Name)
		}
		if sc := c.SecurityContext; sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			t.Errorf("init container %s does not drop all capabilities", c.Name)
		}
	}

	// The config file is a key of the ConfigMap, mounted where the flag says.
	configFile := args["config.file"]
	mount, ok := mountOf(agent, configFile)
	if !ok || volumeOf(pod, mount.Name).ConfigMap == nil || volumeOf(pod, mount.Name).ConfigMap.Name != m.configMap.Name {
		t.Errorf("--config.file=%s is not in a mount of ConfigMap %s", configFile, m.configMap.Name)
	} else if _, ok := m.configMap.Data[filepath.Base(configFile)]; !ok {
		t.Errorf("ConfigMap %s has no key %s", m.configMap.Name, filepath.Base(configFile))
	}

	// A headless Service of the DaemonSet's pods, named in peers.dns,
	// publishing unready pods and the responder's UDP port.
	var peers *corev1.Service
	for _, s := range m.services {
		if s.Spec.ClusterIP == corev1.ClusterIPNone {
			peers = s
		}
	}
	switch {
	case peers == nil:
		t.Error("no headless Service (clusterIP: None) for peer discovery")
	case !matches(peers.Spec.Selector, ds.Spec.Template.Labels):
		t.Errorf("Service %s selects %v, not the DaemonSet's pods %v", peers.Name, peers.Spec.Selector, ds.Spec.Template.Labels)
	case !peers.Spec.PublishNotReadyAddresses:
		t.Errorf("Service %s hides unready pods: an outlier would drop out of its peers' view", peers.Name)
	case !strings.Contains(m.configMap.Data[filepath.Base(configFile)], peers.Name+"."+peers.Namespace+".svc"):
		t.Errorf("the config's peers.dns does not name Service %s.%s", peers.Name, peers.Namespace)
	default:
		responder := portNumber(t, agent, "ntp-peer")
		if want := fmt.Sprintf("[$(POD_IP)]:%d", responder); args["responder.listen-address"] != want {
			t.Errorf("--responder.listen-address=%s, want %s (the pod IP and the ntp-peer port)", args["responder.listen-address"], want)
		}
		for _, p := range peers.Spec.Ports {
			if p.Name == "ntp-peer" && (p.Protocol != corev1.ProtocolUDP || p.TargetPort != intstr.FromString("ntp-peer")) {
				t.Errorf("Service port ntp-peer: %s to %s, want UDP to ntp-peer", p.Protocol, p.TargetPort.String())
			}
		}
	}
}

// TestKubernetesAgentStarts runs the real agent with the DaemonSet's
// arguments and the ConfigMap's file, each volume a temporary directory, in
// a network namespace of its own with nothing but loopback (so the NTP
// servers and peers it names are never reached). The agent must accept its
// flags and configuration and serve; a misspelt configuration key must stop
// it. This is what schema validation cannot see: the file the agent reads.
func TestKubernetesAgentStarts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace (unshare --net)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) not installed")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip (iproute2) not installed")
	}
	m := loadManifests(t)
	if m.daemonSet == nil || m.configMap == nil {
		t.Fatal("no DaemonSet or ConfigMap")
	}
	agent := findContainer(t, m.daemonSet.Spec.Template.Spec.Containers, "clockwatch")
	key := filepath.Base(flagValues(agent.Args)["config.file"])
	config := m.configMap.Data[key]
	tests := []struct {
		name   string
		config string
		starts bool
	}{
		{"the ConfigMap as shipped", config, true},
		{"a misspelt key", strings.Replace(config, "servers:", "server:", 1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]map[string]string{m.configMap.Name: {key: tc.config}}
			args := volumesInTempDirs(t, m.daemonSet, data)
			log, err := runIsolated(t, args, 3*time.Second)
			if tc.starts && err != nil {
				t.Fatalf("agent stopped: %v\n%s", err, log)
			}
			if tc.starts && !strings.Contains(log, `"msg":"clockwatch agent started"`) {
				t.Errorf("agent did not start:\n%s", log)
			}
			if !tc.starts && err == nil {
				t.Errorf("agent ran with a bad configuration:\n%s", log)
			}
		})
	}
}

// volumesInTempDirs returns the agent's arguments with every path under a
// volume mount moved to a temporary directory, and writes there the files of
// the ConfigMap volumes: configMaps maps a ConfigMap's name to its data.
func volumesInTempDirs(t *testing.T, ds *appsv1.DaemonSet, configMaps map[string]map[string]string) []string {
	t.Helper()
	pod := ds.Spec.Template.Spec
	agent := findContainer(t, pod.Containers, "clockwatch")
	root := t.TempDir()
	args := append([]string(nil), agent.Args...)
	// The kubelet expands $(POD_IP); in the test's network namespace the
	// pod's address is loopback.
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "$("+podIPEnv(agent)+")", "127.0.0.1")
	}
	for _, mount := range agent.VolumeMounts {
		dir := filepath.Join(root, mount.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if cm := volumeOf(pod, mount.Name).ConfigMap; cm != nil {
			for key, content := range configMaps[cm.Name] {
				if err := os.WriteFile(filepath.Join(dir, key), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i, a := range args {
			args[i] = strings.Replace(a, "="+mount.MountPath+"/", "="+dir+"/", 1)
			if strings.HasSuffix(a, "="+mount.MountPath) {
				args[i] = strings.TrimSuffix(a, mount.MountPath) + dir
			}
		}
	}
	return args
}

// runIsolated runs the agent with args in a new network namespace for up to
// d, then stops it with SIGTERM. It returns the agent's log and an error if
// the agent exited on its own or did not stop cleanly.
func runIsolated(t *testing.T, args []string, d time.Duration) (string, error) {
	t.Helper()
	script := `ip link set lo up && exec "$@"`
	cmd := exec.Command("unshare", append([]string{"--net", "sh", "-c", script, "sh", agentBinary(t)}, args...)...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return log.String(), fmt.Errorf("exited by itself: %v", err)
	case <-time.After(d):
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		return log.String(), err
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		return log.String(), fmt.Errorf("did not stop on SIGTERM: %v", <-done)
	}
}

// TestKubernetesFlagsExist checks every --flag of the DaemonSet against
// `clockwatch run --help`, so a renamed flag cannot crash-loop the fleet.
func TestKubernetesFlagsExist(t *testing.T) {
	m := loadManifests(t)
	if m.daemonSet == nil {
		t.Fatal("no DaemonSet")
	}
	agent := findContainer(t, m.daemonSet.Spec.Template.Spec.Containers, "clockwatch")
	known := agentFlags(t)
	for name := range flagValues(agent.Args) {
		if !known[name] {
			t.Errorf("--%s is not a flag of clockwatch run", name)
		}
	}
}

// flagValues maps the --name=value arguments of args by name.
func flagValues(args []string) map[string]string {
	flags := map[string]string{}
	for _, a := range args {
		if name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); ok && strings.HasPrefix(a, "--") {
			flags[name] = value
		}
	}
	return flags
}

// podIPEnv returns the name of the container's variable that the downward
// API sets to the pod's IP, or "".
func podIPEnv(c corev1.Container) string {
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "status.podIP" {
			return e.Name
		}
	}
	return ""
}

// findContainer returns the container called name.
func findContainer(t *testing.T, containers []corev1.Container, name string) corev1.Container {
	t.Helper()
	for _, c := range containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %q", name)
	return corev1.Container{}
}

// portNumber returns the number of the container's port called name.
func portNumber(t *testing.T, c corev1.Container, name string) int32 {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port %q", c.Name, name)
	return 0
}

// httpProbe reports whether p is an HTTP GET of path on the named port.
func httpProbe(p *corev1.Probe, path, port string) bool {
	return p != nil && p.HTTPGet != nil && p.HTTPGet.Path == path && p.HTTPGet.Port == intstr.FromString(port)
}

// lockedDown reports whether a container cannot gain privileges, write its
// root filesystem or use any capability.
func lockedDown(sc *corev1.SecurityContext) bool {
	return sc != nil &&
		sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation &&
		sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem &&
		sc.Capabilities != nil && len(sc.Capabilities.Add) == 0 &&
		len(sc.Capabilities.Drop) == 1 && sc.Capabilities.Drop[0] == "ALL"
}

// mountOf returns the volume mount that holds path.
func mountOf(c corev1.Container, path string) (corev1.VolumeMount, bool) {
	for _, m := range c.VolumeMounts {
		if strings.HasPrefix(path, m.MountPath+"/") {
			return m, true
		}
	}
	return corev1.VolumeMount{}, false
}

// volumeOf returns the pod's volume called name.
func volumeOf(pod corev1.PodSpec, name string) corev1.VolumeSource {
	for _, v := range pod.Volumes {
		if v.Name == name {
			return v.VolumeSource
		}
	}
	return corev1.VolumeSource{}
}

// matches reports whether every selector label is set to its value.
func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestStrictDecoding checks that the decoding above rejects what it must: a
// misspelt field, a wrong type and an unknown kind.
func TestStrictDecoding(t *testing.T) {
	tests := []struct {
		name, doc string
	}{
		{"misspelt field", "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      hostNetwrok: true\n"},
		{"wrong type", "apiVersion: v1\nkind: Service\nspec:\n  ports: 9896\n"},
		{"unknown kind", "apiVersion: v1\nkind: Secret\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m manifests
			if err := m.add([]byte(tc.doc)); err == nil {
				t.Error("accepted")
			}
		})
	}
	var m manifests
	if err := m.add([]byte("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n")); err != nil || m.configMap.Data["a"] != "b" {
		t.Errorf("a valid ConfigMap: %v", err)
	}
}
