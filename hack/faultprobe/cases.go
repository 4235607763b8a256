//go:build linux

package main

// cases lists the probe's cases in the order of issue 22's items.
func cases() []faultCase {
	return []faultCase{
		{"1", "warm-start-wrong-drift", warmStartWrongDrift},
		{"2", "shm-truncated", shmTruncated},
		{"3", "shm-full-filesystem", shmFullFilesystem},
		{"4", "shm-symlink", shmSymlink},
		{"5", "http-idle-connections", httpIdleConnections},
		{"6", "responder-spoofed-flood", responderSpoofedFlood},
		{"7", "flapping-server", flappingServer},
		{"8", "insane-replies", insaneReplies},
		{"9", "oversized-state-file", oversizedStateFile},
		{"10", "config-second-document", configSecondDocument},
		{"10", "config-zero-holdover", configZeroHoldover},
		{"10", "responder-nan-rate", responderNaNRate},
		{"10", "state-absurd-kernel-frequency", stateAbsurdKernelFrequency},
		{"10", "state-save-fails-honestly", stateSaveFailsHonestly},
		{"10", "kod-rate-decays", kodRateDecays},
		{"10", "trace-correct-large-file", traceCorrectLargeFile},
	}
}
