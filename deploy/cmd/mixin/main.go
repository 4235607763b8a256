// Command mixin renders deploy/mixin, clockwatch's monitoring mixin, into
// the rule files and dashboards committed under deploy/ (run from deploy/:
// `go run ./cmd/mixin`, or `make mixin` at the top), or with your own
// _config into a directory of your choice:
//
//	go run ./cmd/mixin -config my-config.jsonnet -out /tmp/clockwatch-mixin
//
// where my-config.jsonnet is an object merged into the mixin's _config,
// e.g. { clockwatchSelector: 'job="time"', sloOffsetSeconds: 0.001 }.
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/clockwatch/clockwatch/deploy/mixin"
)

func main() {
	configFile := flag.String("config", "", "a jsonnet file holding an object merged into the mixin's _config (default: none, the defaults)")
	out := flag.String("out", ".", "the directory to write prometheus/*.yml and grafana/*.json under (default: the current one, deploy/)")
	flag.Parse()
	if err := run(*configFile, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mixin:", err)
		os.Exit(1)
	}
}

// run renders the mixin with the _config of configFile and writes its files
// under out.
func run(configFile, out string) error {
	config := ""
	if configFile != "" {
		data, err := os.ReadFile(configFile)
		if err != nil {
			return fmt.Errorf("read -config: %w", err)
		}
		config = string(data)
	}
	files, err := mixin.Render(config)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", p)
	}
	return nil
}
