package startpages

import (
	"strings"
	"testing"
)

// smapsSample is /proc/PID/smaps of a static Go binary at inode 42 on
// device fd:01, cut to the lines Release reads and a few it skips.
const smapsSample = `00400000-00a8b000 r-xp 00000000 fd:01 42                                 /usr/bin/clockwatch
Size:               6700 kB
Rss:                5800 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
00a8b000-011d0000 r--p 0068b000 fd:01 42                                 /usr/bin/clockwatch
Size:               7444 kB
Rss:                6100 kB
Anonymous:             0 kB
011d0000-01268000 rw-p 00dd0000 fd:01 42                                 /usr/bin/clockwatch
Rss:                 300 kB
Anonymous:           120 kB
c000000000-c000400000 rw-p 00000000 00:00 0 
Rss:                2000 kB
Anonymous:          2000 kB
7fff1000-7fff3000 r-xp 00000000 00:00 0                                  [vdso]
Rss:                   8 kB
Anonymous:             0 kB
`

func TestParseSmaps(t *testing.T) {
	maps, err := parseSmaps([]byte(smapsSample))
	if err != nil {
		t.Fatal(err)
	}
	want := []mapping{
		{start: 0x400000, end: 0xa8b000, perms: "r-xp", major: 0xfd, minor: 1, inode: 42, rss: 5800 << 10},
		{start: 0xa8b000, end: 0x11d0000, perms: "r--p", major: 0xfd, minor: 1, inode: 42, rss: 6100 << 10},
		{start: 0x11d0000, end: 0x1268000, perms: "rw-p", major: 0xfd, minor: 1, inode: 42, rss: 300 << 10, anonymous: 120 << 10},
		{start: 0xc000000000, end: 0xc000400000, perms: "rw-p", rss: 2000 << 10, anonymous: 2000 << 10},
		{start: 0x7fff1000, end: 0x7fff3000, perms: "r-xp", rss: 8 << 10},
	}
	if len(maps) != len(want) {
		t.Fatalf("%d regions, want %d: %+v", len(maps), len(want), maps)
	}
	for i := range want {
		if maps[i] != want[i] {
			t.Errorf("region %d: %+v, want %+v", i, maps[i], want[i])
		}
	}
}

func TestParseSmapsErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"field first", "Rss: 4 kB\n", "before the first region"},
		{"short header", "00400000-00a8b000 r-xp 00000000\n", "want START-END"},
		{"bad range", "00a8b000-00400000 r-xp 00000000 fd:01 42 /x\n", "bad address range"},
		{"bad device", "00400000-00a8b000 r-xp 00000000 fd01 42 /x\n", "bad device"},
		{"bad inode", "00400000-00a8b000 r-xp 00000000 fd:01 x /x\n", "bad inode"},
		{"bad size", "00400000-00a8b000 r-xp 00000000 fd:01 42 /x\nRss: lots kB\n", "not a size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSmaps([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestReleasable(t *testing.T) {
	exe := file{major: 0xfd, minor: 1, inode: 42}
	code := mapping{start: 0x400000, end: 0xa8b000, perms: "r-xp", major: 0xfd, minor: 1, inode: 42, rss: 1 << 20}
	with := func(change func(*mapping)) mapping { m := code; change(&m); return m }
	tests := []struct {
		name string
		m    mapping
		want bool
	}{
		{"code", code, true},
		{"read-only data", with(func(m *mapping) { m.perms = "r--p" }), true},
		{"writable data", with(func(m *mapping) { m.perms = "rw-p" }), false},
		{"shared", with(func(m *mapping) { m.perms = "r-xs" }), false},
		{"a patched page (breakpoint, uprobe)", with(func(m *mapping) { m.anonymous = 4 << 10 }), false},
		{"another file", with(func(m *mapping) { m.inode = 43 }), false},
		{"same inode, another device", with(func(m *mapping) { m.minor = 2 }), false},
		{"anonymous memory", with(func(m *mapping) { m.major, m.minor, m.inode = 0, 0, 0 }), false},
		{"empty", with(func(m *mapping) { m.end = m.start }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.releasable(exe); got != tt.want {
				t.Errorf("releasable = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzParseSmaps(f *testing.F) {
	f.Add([]byte(smapsSample))
	f.Add([]byte("00400000-00a8b000 r-xp 00000000 fd:01 42\nRss: 4 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		maps, err := parseSmaps(b)
		if err != nil {
			return
		}
		for _, m := range maps {
			if m.end < m.start || m.rss < 0 || m.anonymous < 0 {
				t.Fatalf("parsed an impossible region %+v", m)
			}
		}
	})
}
