//go:build linux

// Command faultprobe replays the reliability probe of issue 22 against a
// built clockwatch binary on loopback and prints a PASS/FAIL table: every
// input, file and fault that once made the bound lie, crashed the agent or
// a reader, or let one party deny another's time.
//
// It runs on Linux only (mount namespaces, tmpfs, /proc). Usage (as root:
// some cases mount a tmpfs or bind to 127.0.0.2):
//
//	go run ./hack/faultprobe                 # builds ./cmd/clockwatch and runs every case
//	go run ./hack/faultprobe -binary ./clockwatch -run 'shm|http'
//	go run ./hack/faultprobe -quick          # shorter observation windows
//	go run ./hack/faultprobe -soak 20m       # instead: a soak, RSS, files and goroutines every 30 s
//
// It exits non-zero if a case fails. Cases that need what this machine
// lacks (root, the trace tools) are SKIPped with the reason.
package main
