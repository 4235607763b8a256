package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/cli"
)

// maxFlagHelp is the longest a flag's help may be: two lines of a
// terminal. The detail goes to the README's flag reference.
const maxFlagHelp = 160

// TestFlagHelpIsShortAndDocumented keeps every flag's help to two lines
// and every flag in the README's reference, where its full story is.
func TestFlagHelpIsShortAndDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "\n## Flags\n")
	if start < 0 {
		t.Fatal("README has no Flags section")
	}
	reference := text[start:]
	reference = reference[:strings.Index(reference[1:], "\n## ")+1]
	app := kingpin.New("clockwatch", "")
	commands := map[string]cli.Runner{}
	for _, register := range program.Commands {
		register(app, commands)
	}
	for _, c := range app.Model().Commands {
		for _, f := range c.Flags {
			if f.Hidden {
				continue
			}
			if len(f.Help) > maxFlagHelp {
				t.Errorf("clockwatch %s --%s: help of %d characters, want at most %d (the detail goes to the README)", c.Name, f.Name, len(f.Help), maxFlagHelp)
			}
			if !strings.Contains(reference, "`--"+f.Name+"`") {
				t.Errorf("clockwatch %s --%s is missing from the README's flag reference", c.Name, f.Name)
			}
		}
	}
}

// TestNoGoInstallWhileTheModuleReplaces keeps the docs from suggesting
// `go install .../cmd/...@VERSION` while the main module has a replace
// directive: go install refuses such a module, so the command would fail
// for every reader.
func TestNoGoInstallWhileTheModuleReplaces(t *testing.T) {
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^replace\b`).Match(gomod) {
		t.Skip("go.mod has no replace directive: go install works")
	}
	install := regexp.MustCompile(`go install github\.com/clockwatch/clockwatch/cmd/\S*@`)
	for _, doc := range []string{"../../README.md", "../../docs/runbook.md", "../../deploy/systemd/clockwatch.service"} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		if m := install.Find(text); m != nil {
			t.Errorf("%s suggests %q, which fails while go.mod replaces a module", doc, m)
		}
	}
	if install.MatchString(traceInstall) {
		t.Errorf("the hint for clockwatch-trace suggests %q", traceInstall)
	}
}
