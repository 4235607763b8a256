// Package discipline steers the system clock from clockwatch's estimate, as
// chronyd or ntpd do, when the agent runs with --discipline.
//
// # How the clock is steered
//
// After every new sample the estimate says how far the clock is off (the
// residual offset) and how fast it runs away (the residual drift). The
// discipline then
//
//   - steps the clock once, by the whole offset, when it is certainly off by
//     more than Config.StepThreshold, and only during Config.StepPeriod after
//     the first synchronized estimate unless Config.AllowSteps is set (as
//     chrony's makestep);
//   - otherwise corrects the drift with the kernel's frequency adjustment,
//     changing it by at most Config.MaxFrequencyChange per update, and slews
//     the offset away with a temporary extra frequency of at most
//     Config.MaxSlewRate that lasts until exactly that offset is removed;
//   - keeps the kernel's synchronization status, maximum error and
//     estimated error current, so ntptime, timedatectl and chronyc-like tools
//     see the state;
//   - does nothing else while the estimate is in holdover or
//     unsynchronized: the frequency is held, a slew in progress finishes.
//
// Every change is told to the estimator (Estimator.Adjust), which moves its
// stored samples onto the adjusted clock: the estimate stays true and the
// reported offset and drift become the residual ones.
//
// # Safety
//
// Steering needs CAP_SYS_TIME (CheckCapability). Another daemon steering the
// same clock (chronyd, ntpd, ptp4l/phc2sys, systemd-timesyncd) is found by
// Detect from its process, its well-known sockets and the kernel's status,
// and the agent refuses to start unless forced. The system-call layer is the
// Clock interface; SystemClock is the real one on Linux and refuses on other
// systems.
//
// # Sign convention
//
// Offset is local clock minus true time (positive: this host is ahead); a
// frequency or drift is positive when the clock runs fast. To correct an
// offset o the clock is stepped by −o; to correct a drift r the kernel's
// frequency is changed by −r.
package discipline
