package discipline

import "fmt"

// kernelSteerers reads signs of another steering program from the kernel's
// state: its PLL or PPS discipline switched on, a slew in progress, or the
// clock marked synchronized. The kernel starts with none of these, and the
// discipline clears them when it stops.
func kernelSteerers(k KernelState) []Steerer {
	var found []Steerer
	sign := func(format string, args ...any) {
		found = append(found, Steerer{Name: Unknown, Evidence: fmt.Sprintf(format, args...)})
	}
	if k.Status&(StatusPLL|StatusFLL) != 0 {
		sign("the kernel PLL is on (adjtimex status STA_PLL/STA_FLL), as ntpd runs it")
	}
	if k.Status&(StatusPPSFreq|StatusPPSTime) != 0 {
		sign("the kernel disciplines the clock from a PPS signal (STA_PPSFREQ/STA_PPSTIME)")
	}
	if k.Offset != 0 {
		sign("the kernel is slewing an offset of %v (adjtime or the kernel PLL)", k.Offset)
	}
	if k.Synchronized() {
		sign("the kernel clock is marked synchronized, maximum error %v", k.MaxError)
	}
	return found
}
