package main

import (
	"os"
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
