package main

import "testing"

const statusSample = `Name:	clockwatch
VmPeak:	 1262680 kB
VmHWM:	   19600 kB
VmRSS:	   18912 kB
RssAnon:	    5012 kB
RssFile:	   13900 kB
RssShmem:	       0 kB
Threads:	7
`

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    usage
		wantErr bool
	}{
		{name: "clockwatch", in: statusSample, want: usage{rss: 18912 << 10, anon: 5012 << 10, file: 13900 << 10, peak: 19600 << 10}},
		{name: "kernel thread: no memory lines", in: "Name:\tkthreadd\nThreads:\t1\n", wantErr: true},
		{name: "garbage size", in: "VmRSS:\tlots kB\nRssAnon:\t1 kB\nRssFile:\t1 kB\nVmHWM:\t1 kB\n", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatus([]byte(tc.in))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseStatus: %+v, %v; want %+v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

const rollupSample = `00400000-7ffd2a5f7000 ---p 00000000 00:00 0                          [rollup]
Rss:                7088 kB
Pss:                7080 kB
Pss_Anon:           3324 kB
Pss_File:           3756 kB
`

func TestParsePss(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{name: "rollup", in: rollupSample, want: 7080 << 10},
		{name: "no Pss", in: "Rss: 4 kB\n", wantErr: true},
		{name: "garbage size", in: "Pss:\t-3 kB\n", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePss([]byte(tc.in))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parsePss: %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzParseProc(f *testing.F) {
	f.Add([]byte(statusSample))
	f.Add([]byte(rollupSample))
	f.Fuzz(func(t *testing.T, b []byte) {
		if u, err := parseStatus(b); err == nil && (u.rss < 0 || u.anon < 0 || u.file < 0 || u.peak < 0) {
			t.Errorf("negative size from %q: %+v", b, u)
		}
		if pss, err := parsePss(b); err == nil && pss < 0 {
			t.Errorf("negative PSS from %q: %v", b, pss)
		}
	})
}
