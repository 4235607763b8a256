package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/clockwatch/clockwatch/deploy/mixin"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

// discoveredTarget is a target as Kubernetes discovery describes one port
// of a pod: its __address__ and __meta_kubernetes_* labels.
type discoveredTarget = map[string]string

// podTargets returns the targets Kubernetes pod discovery makes of a pod
// of the DaemonSet on node nodeName at nodeIP (host network: the pod's IP
// is the node's), one per container port, as Prometheus names its labels.
func podTargets(m manifests, nodeName, nodeIP string) []discoveredTarget {
	ds := m.daemonSet
	var targets []discoveredTarget
	for _, c := range ds.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			t := discoveredTarget{
				model.AddressLabel:                              fmt.Sprintf("%s:%d", nodeIP, p.ContainerPort),
				"__meta_kubernetes_namespace":                   ds.Namespace,
				"__meta_kubernetes_pod_name":                    ds.Name + "-x7k2p",
				"__meta_kubernetes_pod_ip":                      nodeIP,
				"__meta_kubernetes_pod_node_name":               nodeName,
				"__meta_kubernetes_pod_container_name":          c.Name,
				"__meta_kubernetes_pod_container_port_name":     p.Name,
				"__meta_kubernetes_pod_container_port_number":   fmt.Sprint(p.ContainerPort),
				"__meta_kubernetes_pod_container_port_protocol": string(p.Protocol),
			}
			for k, v := range ds.Spec.Template.Labels {
				t["__meta_kubernetes_pod_label_"+sanitize(k)] = v
			}
			for k, v := range ds.Spec.Template.Annotations {
				t["__meta_kubernetes_pod_annotation_"+sanitize(k)] = v
			}
			targets = append(targets, t)
		}
	}
	return targets
}

// sanitize makes a Kubernetes label or annotation name a Prometheus label
// name, as discovery does.
func sanitize(name string) string {
	return regexp.MustCompile(`[^a-zA-Z0-9_]`).ReplaceAllString(name, "_")
}

// relabelTarget applies cfgs to a discovered target whose job label is job
// (what Prometheus sets before relabeling) and returns its labels as
// Prometheus keeps them: without the __ labels, instance defaulting to the
// address. ok is false when the target is dropped.
func relabelTarget(t discoveredTarget, job string, cfgs []*relabel.Config) (map[string]string, bool) {
	b := labels.NewBuilder(labels.FromMap(t))
	b.Set(model.JobLabel, job)
	if !relabel.ProcessBuilder(b, cfgs...) {
		return nil, false
	}
	out := map[string]string{}
	b.Labels().Range(func(l labels.Label) {
		if !strings.HasPrefix(l.Name, "__") {
			out[l.Name] = l.Value
		}
	})
	if out[model.InstanceLabel] == "" {
		out[model.InstanceLabel] = b.Get(model.AddressLabel)
	}
	out[model.AddressLabel] = b.Get(model.AddressLabel)
	return out, true
}

// checkScrapedTargets relabels the targets of one agent pod and checks
// that exactly one is kept, at the node's address on the http port, with
// job and instance (the node's name) that the mixin's selector selects.
func checkScrapedTargets(t *testing.T, m manifests, job string, keep func(discoveredTarget) bool, cfgs []*relabel.Config) {
	t.Helper()
	const node, ip = "node-7", "198.18.0.7"
	agent := findContainer(t, m.daemonSet.Spec.Template.Spec.Containers, "clockwatch")
	var kept []map[string]string
	for _, target := range podTargets(m, node, ip) {
		if !keep(target) {
			continue
		}
		if l, ok := relabelTarget(target, job, cfgs); ok {
			kept = append(kept, l)
		}
	}
	if len(kept) != 1 {
		t.Fatalf("scraped targets of one agent pod: %v, want one", kept)
	}
	got := kept[0]
	if want := fmt.Sprintf("%s:%d", ip, portNumber(t, agent, "http")); got[model.AddressLabel] != want {
		t.Errorf("address %s, want %s (the node's, the http port)", got[model.AddressLabel], want)
	}
	if got[model.InstanceLabel] != node {
		t.Errorf("instance %q, want the node's name %q", got[model.InstanceLabel], node)
	}
	selected(t, got)
}

// selected fails unless the mixin's selector selects series of a target
// with these labels.
func selected(t *testing.T, target map[string]string) {
	t.Helper()
	config, err := mixin.LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	expr, err := parser.NewParser(parser.Options{}).ParseExpr("up{" + config.Selector + "}")
	if err != nil {
		t.Fatal(err)
	}
	for _, matcher := range expr.(*parser.VectorSelector).LabelMatchers {
		if matcher.Name != model.MetricNameLabel && !matcher.Matches(target[matcher.Name]) {
			t.Errorf("target %v does not match the mixin's selector %s", target, config.Selector)
		}
	}
}

// operatorRelabelings turns the Prometheus Operator's relabelings into
// Prometheus' own, with Prometheus' defaults and validation.
func operatorRelabelings(t *testing.T, rcs []monitoringv1.RelabelConfig) []*relabel.Config {
	t.Helper()
	var cfgs []*relabel.Config
	for _, rc := range rcs {
		plain := map[string]any{}
		if len(rc.SourceLabels) > 0 {
			plain["source_labels"] = rc.SourceLabels
		}
		if rc.Separator != nil {
			plain["separator"] = *rc.Separator
		}
		if rc.TargetLabel != "" {
			plain["target_label"] = rc.TargetLabel
		}
		if rc.Regex != "" {
			plain["regex"] = rc.Regex
		}
		if rc.Replacement != nil {
			plain["replacement"] = *rc.Replacement
		}
		if rc.Action != "" {
			plain["action"] = strings.ToLower(rc.Action)
		}
		data, err := yaml.Marshal(plain)
		if err != nil {
			t.Fatal(err)
		}
		cfgs = append(cfgs, decodeRelabel(t, data)...)
	}
	return cfgs
}

// decodeRelabel decodes and validates one relabel config in YAML.
func decodeRelabel(t *testing.T, data []byte) []*relabel.Config {
	t.Helper()
	var c relabel.Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("relabeling %s: %v", data, err)
	}
	if err := c.Validate(model.UTF8Validation); err != nil {
		t.Fatalf("relabeling %s: %v", data, err)
	}
	return []*relabel.Config{&c}
}

// readMonitor decodes a Prometheus Operator object of kind strictly: an
// unknown or misspelt field is an error.
func readMonitor(t *testing.T, path, kind string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var meta metav1.TypeMeta
	if err := sigsyaml.Unmarshal(data, &meta); err != nil || meta.APIVersion != "monitoring.coreos.com/v1" || meta.Kind != kind {
		t.Fatalf("%s: %s %s (%v), want monitoring.coreos.com/v1 %s", path, meta.APIVersion, meta.Kind, err, kind)
	}
	if err := sigsyaml.UnmarshalStrict(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// onPort keeps the discovered targets of the container port called name.
func onPort(name string) func(discoveredTarget) bool {
	return func(target discoveredTarget) bool {
		return target["__meta_kubernetes_pod_container_port_name"] == name
	}
}

// selects reports whether a label selector and namespace selector pick an
// object with these labels in namespace.
func selects(sel metav1.LabelSelector, ns monitoringv1.NamespaceSelector, objLabels map[string]string, namespace string) bool {
	inNamespace := ns.Any
	for _, n := range ns.MatchNames {
		inNamespace = inNamespace || n == namespace
	}
	return inNamespace && len(sel.MatchExpressions) == 0 && matches(sel.MatchLabels, objLabels)
}

// TestPodMonitor checks the PodMonitor against the DaemonSet: it selects
// the agents' pods, scrapes their http port, and its relabelings give one
// target per node with job and instance the mixin's rules select.
func TestPodMonitor(t *testing.T) {
	m := loadManifests(t)
	var pm monitoringv1.PodMonitor
	readMonitor(t, "kubernetes/monitoring/podmonitor.yaml", monitoringv1.PodMonitorsKind, &pm)
	ds := m.daemonSet
	if !selects(pm.Spec.Selector, pm.Spec.NamespaceSelector, ds.Spec.Template.Labels, ds.Namespace) {
		t.Fatalf("selector %v in %v does not select the DaemonSet's pods %v in %s", pm.Spec.Selector, pm.Spec.NamespaceSelector, ds.Spec.Template.Labels, ds.Namespace)
	}
	if len(pm.Spec.PodMetricsEndpoints) != 1 {
		t.Fatalf("%d endpoints, want 1", len(pm.Spec.PodMetricsEndpoints))
	}
	ep := pm.Spec.PodMetricsEndpoints[0]
	if ep.Port == nil || ep.Path != "/metrics" {
		t.Fatalf("endpoint port %v path %q, want a named port and /metrics", ep.Port, ep.Path)
	}
	checkScrapedTargets(t, m, pm.Namespace+"/"+pm.Name, onPort(*ep.Port), operatorRelabelings(t, ep.RelabelConfigs))
}

// TestServiceMonitor checks the ServiceMonitor: it selects the headless
// Service of the agents, which publishes unready pods and the http port,
// and its relabelings give the same targets as the PodMonitor's.
func TestServiceMonitor(t *testing.T) {
	m := loadManifests(t)
	var sm monitoringv1.ServiceMonitor
	readMonitor(t, "kubernetes/monitoring/servicemonitor.yaml", monitoringv1.ServiceMonitorsKind, &sm)
	var svc *corev1.Service
	for _, s := range m.services {
		if selects(sm.Spec.Selector, sm.Spec.NamespaceSelector, s.Labels, s.Namespace) {
			if svc != nil {
				t.Fatalf("selects Services %s and %s: each agent would be scraped twice", svc.Name, s.Name)
			}
			svc = s
		}
	}
	if svc == nil {
		t.Fatal("selects no Service of deploy/kubernetes")
	}
	if !matches(svc.Spec.Selector, m.daemonSet.Spec.Template.Labels) || !svc.Spec.PublishNotReadyAddresses {
		t.Errorf("Service %s must select the agents' pods and publish unready ones (a host its peers call the outlier stays watched)", svc.Name)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Fatalf("endpoints %+v, want one on /metrics", sm.Spec.Endpoints)
	}
	ep := sm.Spec.Endpoints[0]
	var targetPort string
	for _, p := range svc.Spec.Ports {
		if p.Name == ep.Port {
			targetPort = p.TargetPort.String()
		}
	}
	if targetPort == "" {
		t.Fatalf("Service %s has no port %q", svc.Name, ep.Port)
	}
	// Endpoints discovery carries the pod's labels for each endpoint port
	// (the Service's port, mapped to the container port it targets).
	checkScrapedTargets(t, m, sm.Namespace+"/"+sm.Name, onPort(targetPort), operatorRelabelings(t, ep.RelabelConfigs))
}

// TestKubernetesScrapeExample checks the plain kubernetes_sd_configs job:
// decoded strictly (Debian's promtool has no Kubernetes discovery to check
// it with), pod discovery in the DaemonSet's namespace, and relabelings
// that keep one target per agent pod, with job and instance the mixin's
// rules select, and drop other pods.
func TestKubernetesScrapeExample(t *testing.T) {
	m := loadManifests(t)
	data, err := os.ReadFile("kubernetes/monitoring/prometheus-scrape.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		ScrapeConfigs []struct {
			JobName        string `yaml:"job_name"`
			ScrapeInterval string `yaml:"scrape_interval"`
			KubernetesSD   []struct {
				Role       string `yaml:"role"`
				Namespaces struct {
					Names []string `yaml:"names"`
				} `yaml:"namespaces"`
			} `yaml:"kubernetes_sd_configs"`
			RelabelConfigs []*relabel.Config `yaml:"relabel_configs"`
		} `yaml:"scrape_configs"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("prometheus-scrape.yml: %v", err)
	}
	if len(file.ScrapeConfigs) != 1 {
		t.Fatalf("%d scrape configs, want 1", len(file.ScrapeConfigs))
	}
	sc := file.ScrapeConfigs[0]
	if len(sc.KubernetesSD) != 1 || sc.KubernetesSD[0].Role != "pod" ||
		strings.Join(sc.KubernetesSD[0].Namespaces.Names, ",") != m.daemonSet.Namespace {
		t.Fatalf("kubernetes_sd_configs %+v, want pod discovery in namespace %s", sc.KubernetesSD, m.daemonSet.Namespace)
	}
	if _, err := model.ParseDuration(sc.ScrapeInterval); err != nil {
		t.Errorf("scrape_interval: %v", err)
	}
	for _, c := range sc.RelabelConfigs {
		if err := c.Validate(model.UTF8Validation); err != nil {
			t.Fatalf("relabel_configs: %v", err)
		}
	}
	checkScrapedTargets(t, m, sc.JobName, func(discoveredTarget) bool { return true }, sc.RelabelConfigs)

	// Another pod of the namespace, without the annotation, is not scraped.
	other := discoveredTarget{
		model.AddressLabel:                          "198.18.0.9:8080",
		"__meta_kubernetes_pod_container_port_name": "http",
		"__meta_kubernetes_pod_node_name":           "node-9",
	}
	if l, ok := relabelTarget(other, sc.JobName, sc.RelabelConfigs); ok {
		t.Errorf("a pod without prometheus.io/scrape is scraped: %v", l)
	}
}

// TestKubernetesMonitoringFiles checks that every file of
// kubernetes/monitoring is one the tests above read, so none goes
// unchecked.
func TestKubernetesMonitoringFiles(t *testing.T) {
	files, err := filepath.Glob("kubernetes/monitoring/*")
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{"podmonitor.yaml": true, "servicemonitor.yaml": true, "prometheus-scrape.yml": true}
	for _, f := range files {
		if !checked[filepath.Base(f)] {
			t.Errorf("%s is checked by no test", f)
		}
	}
}
