// Package ptp measures this host's clock against PTP: through a local
// ptp4l's management socket, by reading a PTP hardware clock (PHC), and
// with its own PTP client that talks to a grandmaster directly.
//
// Every path produces the same estimator.Sample. Its error bound follows
// the shape of Meta's fbclock window of uncertainty: the grandmaster's
// advertised accuracy, plus the spread of the recent offsets, plus the
// largest error an unknown path asymmetry can cause (the mean path delay).
//
// Nothing here steers a clock: ptp4l keeps its own servo, the PHC is only
// read, and the PTP client only listens and asks for the time.
//
// Offsets follow the project's convention: local clock − reference.
package ptp
