package ntp

import (
	"crypto/md5"
	"encoding/binary"
	"net/netip"

	"github.com/clockwatch/clockwatch/estimator"
)

// FreeRunningStratum is what an agent advertises while it serves its own
// clock as a voter rather than as a synchronized server: no upstream, or
// --peers.mode=consensus. It is the orphan stratum of ntpd and the usual
// `local stratum` of chrony.
const FreeRunningStratum = 10

// refIDLocal is the reference ID of a free-running clock: 127.127.1.1,
// the local clock's ID in ntpd and chrony.
const refIDLocal = 0x7f7f0101

// maxStratum is the highest stratum a synchronized server may claim.
const maxStratum = 15

// QualityOf is what an agent with estimate e advertises about the clock
// it serves: its raw clock, not the corrected time.
//
// Synchronized to upstream references, the raw clock is off true time by
// at most |offset| + error bound, which is advertised as the root
// dispersion; the stratum and reference ID follow the best selected
// source. Otherwise (no upstream, or in consensus mode, where the raw
// clocks are the voters) the clock is free-running: stratum
// FreeRunningStratum, a local reference ID and no dispersion of its own,
// so peers compare raw clocks within their measurement error only.
func QualityOf(e estimator.Estimate, consensus bool) Quality {
	if consensus || !e.Synchronized || !e.HasOffset() {
		return Quality{Stratum: FreeRunningStratum, RefID: refIDLocal}
	}
	q := Quality{Stratum: maxStratum, RefID: refIDLocal, RootDispersion: e.Offset.Abs() + e.ErrorBound}
	for _, s := range e.Sources {
		if s.Selected && s.Stratum < q.Stratum {
			q.Stratum, q.RefID = s.Stratum+1, refIDOf(s.Address)
		}
	}
	return q
}

// refIDOf is the reference ID naming a source (RFC 5905 section 7.3): its
// IPv4 address, else the first four octets of the MD5 of its address.
func refIDOf(address string) uint32 {
	if ap, err := netip.ParseAddrPort(address); err == nil && ap.Addr().Unmap().Is4() {
		return binary.BigEndian.Uint32(ap.Addr().Unmap().AsSlice())
	}
	sum := md5.Sum([]byte(address))
	return binary.BigEndian.Uint32(sum[:4])
}
