//go:build !linux

package ntp

import (
	"context"
	"net"
)

// serveKernel reports that kernel receive timestamps are not available:
// the portable responder stamps in user space.
func (r *Responder) serveKernel(context.Context, *net.UDPConn) (served bool, _ error) {
	return false, nil
}
