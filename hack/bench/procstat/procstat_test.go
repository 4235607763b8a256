package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParseCPU(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr bool
	}{
		{name: "plain", in: "42 (chronyd) S 1 42 42 0 -1 4194560 500 0 0 0 150 25 0 0 20 0 1 0 100 1000 200", want: 1750 * time.Millisecond},
		{name: "name with spaces and parentheses", in: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", want: 70 * time.Millisecond},
		{name: "truncated", in: "7 (x) R 1 7", wantErr: true},
		{name: "no name", in: "7 x R", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCPU([]byte(tc.in))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseCPU: %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestCPUOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	if d, err := CPU(os.Getpid()); err != nil || d < 0 {
		t.Errorf("CPU(self) = %v, %v; want a non-negative time", d, err)
	}
}

func FuzzParseCPU(f *testing.F) {
	f.Add([]byte("42 (chronyd) S 1 42 42 0 -1 4194560 500 0 0 0 150 25 0 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := ParseCPU(b); err == nil && d < 0 {
			t.Errorf("negative CPU time from %q: %v", b, d)
		}
	})
}
