package discipline

import "errors"

// ErrUnsupported is returned on systems where clockwatch cannot steer the
// clock.
var ErrUnsupported = errors.New("discipline: steering the system clock is implemented for Linux only; run clockwatch without --discipline")

// capabilityAdvice says how to give the agent the capability it needs.
const capabilityAdvice = "run clockwatch as root, or grant the capability: in its systemd unit set AmbientCapabilities=CAP_SYS_TIME (and keep CAP_SYS_TIME in CapabilityBoundingSet); in Kubernetes add SYS_TIME to securityContext.capabilities.add"

// ErrNoCapability is returned by CheckCapability when the process may not
// set the clock.
var ErrNoCapability = errors.New("discipline: this process lacks CAP_SYS_TIME, which steering the system clock needs: " + capabilityAdvice)
