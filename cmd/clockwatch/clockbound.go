package main

import "github.com/alecthomas/kingpin/v2"

// addClockBoundFlag adds --clockbound.shm-path, a contract, to cmd.
func addClockBoundFlag(cmd *kingpin.CmdClause, path *string) {
	cmd.Flag("clockbound.shm-path", "Also publish the bound in AWS ClockBound's shared-memory format here (its clients read /var/run/clockbound/shm0). Off by default.").PlaceHolder("FILE").StringVar(path)
}
