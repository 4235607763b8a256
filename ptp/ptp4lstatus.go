package ptp

import (
	"fmt"
	"time"

	"github.com/facebook/time/ptp/protocol"
)

// Ptp4lStatus is what one poll of ptp4l's management socket says.
type Ptp4lStatus struct {
	// OffsetFromMaster is ptp4l's clock − its master's, as measured from
	// the last Sync; IngressTime is when that Sync arrived, on ptp4l's
	// clock (the system clock with software timestamping, the PHC with
	// hardware timestamping).
	OffsetFromMaster time.Duration
	IngressTime      time.Time
	// MeanPathDelay is the one-way delay to the master.
	MeanPathDelay time.Duration
	// StepsRemoved counts the hops to the grandmaster.
	StepsRemoved uint16
	// GrandmasterPresent is false while ptp4l has no master.
	GrandmasterPresent bool
	// Grandmaster names the grandmaster and its advertised quality.
	Grandmaster        protocol.ClockIdentity
	GrandmasterQuality protocol.ClockQuality
	// Time is the grandmaster's timescale, UTC offset and leap flags.
	Time TimePropertiesTLV
	// Ports lists ptp4l's ports.
	Ports []PortStatus
}

// PortStatus is one ptp4l port.
type PortStatus struct {
	Number       uint16
	State        protocol.PortState
	Timestamping protocol.Timestamping
	Interface    string
}

// Slave returns the port that follows a master (SLAVE, or UNCALIBRATED
// while it converges or runs free); ok is false when there is none.
func (s Ptp4lStatus) Slave() (PortStatus, bool) {
	for _, p := range s.Ports {
		if p.State == protocol.PortStateSlave || p.State == protocol.PortStateUncalibrated {
			return p, true
		}
	}
	return PortStatus{}, false
}

// timestampingName says where a port's timestamps are taken, in the words
// of estimator.Sample.Timestamping.
func timestampingName(t protocol.Timestamping) string {
	if t == protocol.TimestampingSoftware {
		return "kernel"
	}
	return "hardware"
}

// queryPtp4l asks ptp4l for everything a poll needs.
func queryPtp4l(c *mgmtConn) (Ptp4lStatus, error) {
	var s Ptp4lStatus
	dds, err := getOne[*protocol.DefaultDataSetTLV](c, protocol.IDDefaultDataSet)
	if err != nil {
		return s, err
	}
	status, err := getOne[*protocol.TimeStatusNPTLV](c, protocol.IDTimeStatusNP)
	if err != nil {
		return s, err
	}
	cds, err := getOne[*protocol.CurrentDataSetTLV](c, protocol.IDCurrentDataSet)
	if err != nil {
		return s, err
	}
	pds, err := getOne[*protocol.ParentDataSetTLV](c, protocol.IDParentDataSet)
	if err != nil {
		return s, err
	}
	tp, err := getOne[*TimePropertiesTLV](c, protocol.IDTimePropertiesDataSet)
	if err != nil {
		return s, err
	}
	s = Ptp4lStatus{
		OffsetFromMaster:   time.Duration(status.MasterOffsetNS),
		IngressTime:        time.Unix(0, status.IngressTimeNS),
		MeanPathDelay:      time.Duration(cds.MeanPathDelay.Nanoseconds()),
		StepsRemoved:       cds.StepsRemoved,
		GrandmasterPresent: status.GMPresent != 0,
		Grandmaster:        pds.GrandmasterIdentity,
		GrandmasterQuality: pds.GrandmasterClockQuality,
		Time:               *tp,
	}
	s.Ports, err = queryPorts(c, int(dds.NumberPorts))
	return s, err
}

// queryPorts asks for the properties of each of ptp4l's n ports.
func queryPorts(c *mgmtConn, n int) ([]PortStatus, error) {
	tlvs, err := c.get(getRequest(protocol.IDPortPropertiesNP), max(n, 1))
	if err != nil {
		return nil, err
	}
	ports := make([]PortStatus, 0, len(tlvs))
	for _, t := range tlvs {
		p, ok := t.(*protocol.PortPropertiesNPTLV)
		if !ok {
			return nil, fmt.Errorf("ptp4l: PORT_PROPERTIES_NP answered with %T", t)
		}
		ports = append(ports, PortStatus{Number: p.PortIdentity.PortNumber, State: p.PortState, Timestamping: p.Timestamping, Interface: string(p.Interface)})
	}
	return ports, nil
}

// getOne sends a GET for a clock data set and returns its TLV as T.
func getOne[T protocol.ManagementTLV](c *mgmtConn, id protocol.ManagementID) (T, error) {
	var zero T
	tlvs, err := c.get(getRequest(id), 1)
	if err != nil {
		return zero, err
	}
	t, ok := tlvs[0].(T)
	if !ok {
		return zero, fmt.Errorf("ptp4l: GET 0x%04x answered with %T, want %T", uint16(id), tlvs[0], zero)
	}
	return t, nil
}
