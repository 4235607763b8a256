// Package mixin renders clockwatch's monitoring mixin, the jsonnet beside
// this file, into the Prometheus rule files and Grafana dashboards that
// deploy/ commits: one source of truth for thresholds, selectors and
// severities (_config in config.libsonnet).
package mixin

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/google/go-jsonnet"
	"gopkg.in/yaml.v3"
)

//go:embed *.libsonnet dashboards/*.libsonnet
var sources embed.FS

// generatedHeader opens every generated YAML file.
const generatedHeader = "# Generated from deploy/mixin (jsonnet) by `make mixin`: edit the mixin,\n" +
	"# not this file. deploy/README.md explains the rules and their _config.\n"

// Render evaluates the mixin with config, a jsonnet object merged into its
// _config ("" or "{}" for the defaults), and returns the generated files by
// their path under deploy/: prometheus/*.yml and grafana/*.json.
func Render(config string) (map[string][]byte, error) {
	out, err := evaluate(config, renderSnippet)
	if err != nil {
		return nil, err
	}
	var documents map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &documents); err != nil {
		return nil, fmt.Errorf("mixin: decode the evaluation: %w", err)
	}
	files := map[string][]byte{}
	for name, doc := range documents {
		var data []byte
		switch path.Ext(name) {
		case ".yml":
			data, err = ruleFileYAML(doc)
		default:
			data, err = indentJSON(doc)
		}
		if err != nil {
			return nil, fmt.Errorf("mixin: %s: %w", name, err)
		}
		files[name] = data
	}
	return files, nil
}

// Config is the part of the mixin's _config that the deploy tests read.
type Config struct {
	// Selector selects clockwatch's series (clockwatchSelector).
	Selector string `json:"clockwatchSelector"`
	// SLOOffsetSeconds is the SLO: every host within ± this of true time.
	SLOOffsetSeconds float64 `json:"sloOffsetSeconds"`
	// SLOObjective is the share of host-time that must meet the SLO.
	SLOObjective float64 `json:"sloObjective"`
	// CriticalSeverity and WarningSeverity are the severity labels.
	CriticalSeverity string `json:"criticalSeverity"`
	WarningSeverity  string `json:"warningSeverity"`
}

// LoadConfig evaluates the mixin's _config with config merged into it, as
// Render does. _config is hidden (::): the snippet manifests it by name.
func LoadConfig(config string) (Config, error) {
	var c Config
	out, err := evaluate(config, "{ _config: ((import 'mixin.libsonnet') + { _config+:: std.extVar('config') })._config }")
	if err != nil {
		return c, err
	}
	var whole struct {
		Config Config `json:"_config"`
	}
	if err := json.Unmarshal([]byte(out), &whole); err != nil {
		return c, fmt.Errorf("mixin: decode _config: %w", err)
	}
	return whole.Config, nil
}

// evaluate runs a jsonnet snippet against the mixin's files with config
// as the external code variable "config".
func evaluate(config, snippet string) (string, error) {
	if strings.TrimSpace(config) == "" {
		config = "{}"
	}
	vm := jsonnet.MakeVM()
	vm.Importer(newFSImporter(sources))
	vm.ExtCode("config", config)
	out, err := vm.EvaluateAnonymousSnippet("render.jsonnet", snippet)
	if err != nil {
		return "", fmt.Errorf("mixin: evaluate: %w", err)
	}
	return out, nil
}

// renderSnippet maps each generated file to its document.
const renderSnippet = `
local mixin = (import 'mixin.libsonnet') + { _config+:: std.extVar('config') };
{
  'prometheus/recording_rules.yml': mixin.prometheusRules,
  'prometheus/alerting_rules.yml': mixin.prometheusAlerts,
} + {
  ['grafana/' + name]: mixin.grafanaDashboards[name]
  for name in std.objectFields(mixin.grafanaDashboards)
}
`

// indentJSON indents a dashboard by two spaces, keys in jsonnet's order.
func indentJSON(doc []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// ruleFileYAML writes a rule file as a person would: keys in the order
// Prometheus documents them, multi-line expressions as literal blocks,
// strings quoted only where YAML needs it.
func ruleFileYAML(doc []byte) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, err
	}
	restyle(&root)
	var buf bytes.Buffer
	buf.WriteString(generatedHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// keyOrder ranks the keys of a rule file; others follow in jsonnet's
// (alphabetical) order.
var keyOrder = []string{
	"groups", "name", "interval", "rules",
	"alert", "record", "expr", "for", "labels", "annotations",
	"summary", "description", "runbook_url",
}

// restyle puts the mappings under n in keyOrder and drops the JSON styles
// (flow mappings, double quotes) for YAML's block styles.
func restyle(n *yaml.Node) {
	n.Style = 0
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "\n") {
			n.Style = yaml.LiteralStyle
		}
	case yaml.MappingNode:
		type pair struct{ key, value *yaml.Node }
		pairs := make([]pair, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			pairs = append(pairs, pair{n.Content[i], n.Content[i+1]})
		}
		rank := func(key string) int {
			if i := slices.Index(keyOrder, key); i >= 0 {
				return i
			}
			return len(keyOrder)
		}
		slices.SortStableFunc(pairs, func(a, b pair) int { return rank(a.key.Value) - rank(b.key.Value) })
		n.Content = n.Content[:0]
		for _, p := range pairs {
			n.Content = append(n.Content, p.key, p.value)
		}
	}
	for _, c := range n.Content {
		restyle(c)
	}
}

// fsImporter resolves jsonnet imports in an fs.FS, relative to the
// importing file's directory first, then to the root.
type fsImporter struct {
	fsys  fs.FS
	cache map[string]jsonnet.Contents
}

func newFSImporter(fsys fs.FS) *fsImporter {
	return &fsImporter{fsys: fsys, cache: map[string]jsonnet.Contents{}}
}

// Import implements jsonnet.Importer.
func (im *fsImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	for _, p := range []string{path.Join(path.Dir(importedFrom), importedPath), path.Clean(importedPath)} {
		if c, ok := im.cache[p]; ok {
			return c, p, nil
		}
		data, err := fs.ReadFile(im.fsys, p)
		if err != nil {
			continue
		}
		c := jsonnet.MakeContents(string(data))
		im.cache[p] = c
		return c, p, nil
	}
	return jsonnet.Contents{}, "", fmt.Errorf("import %q from %q: no such file in deploy/mixin", importedPath, importedFrom)
}
