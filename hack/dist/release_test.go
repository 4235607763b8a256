package main

import "testing"

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		version string
		ok      bool
	}{
		{"0.1.0", true},
		{"1.22.333", true},
		{"0.2.0-rc.1", true},
		{"0.2.0-beta2", true},
		{"v0.1.0", false},                // no leading v
		{"0.1", false},                   // three numbers
		{"01.1.0", false},                // no leading zeros
		{"0.1.0+git.abc", false},         // "+" cannot be in an image tag
		{"0.1.0-", false},                // empty pre-release
		{"0.1.0-rc..1", false},           // empty identifier
		{"0.1.0 ", false},                // stray space
		{"0.1.0-rc_1", false},            // "_" is not semver
		{"0.1.0\n-X main.evil=1", false}, // no smuggled ldflags
	}
	for _, tc := range tests {
		if err := checkVersion(tc.version); (err == nil) != tc.ok {
			t.Errorf("checkVersion(%q) = %v, want ok=%v", tc.version, err, tc.ok)
		}
	}
}

// TestRepositoryVersion checks the VERSION file the release is named from.
func TestRepositoryVersion(t *testing.T) {
	r, err := loadRelease("")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.revision) != 40 || r.date.IsZero() || r.branch == "" {
		t.Errorf("release %+v: want a 40-hex revision, a branch and a date", r)
	}
}
