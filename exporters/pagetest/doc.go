// Package pagetest tests the agent's live page at / in a real browser:
// headless Chromium (Debian's chromium package) driven over the DevTools
// protocol by github.com/chromedp/chromedp.
//
// It is a module of its own so that the browser driver stays out of the
// agent's build; it has no code besides its tests. Run it with
// `cd exporters/pagetest && go test ./...` (hack/test.sh does).
package pagetest
