package main

import (
	"bytes"
	"errors"
	"testing"
)

// TestPrintErrors prints each distinct error of a query once, with how
// often it came.
func TestPrintErrors(t *testing.T) {
	ke := errors.New("nts: key exchange with a:4460 failed at tls")
	timeout := errors.New("ntp: query b:123: no reply in 2s")
	tests := []struct {
		name string
		errs []error
		want string
	}{
		{"none", nil, ""},
		{"one", []error{timeout}, timeout.Error() + "\n"},
		{"repeated, in the order they came", []error{ke, timeout, ke, ke},
			ke.Error() + " (3 times)\n" + timeout.Error() + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			printErrors(&out, tt.errs)
			if out.String() != tt.want {
				t.Errorf("printed %q, want %q", out.String(), tt.want)
			}
		})
	}
}
