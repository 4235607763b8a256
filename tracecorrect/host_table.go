package tracecorrect

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// hostTable numbers the hosts of the spans being corrected and holds each
// one's offsets. One table serves a whole Correct call or stream, so a
// host keeps its number across batches.
type hostTable struct {
	attributes []string
	offsets    map[string]*timeline // the corrector's; nil for none
	names      []string
	ids        map[string]int32
	timelines  []*timeline // per host; nil without offsets
	unmeasured []bool      // per host: unmeasured in some trace
}

// newHostTable makes an empty table that names hosts by the first of
// attributes whose value has offsets.
func newHostTable(attributes []string, offsets map[string]*timeline) *hostTable {
	return &hostTable{attributes: attributes, offsets: offsets, ids: map[string]int32{}}
}

// reset empties the table for reuse.
func (t *hostTable) reset() {
	t.names, t.timelines, t.unmeasured = t.names[:0], t.timelines[:0], t.unmeasured[:0]
	clear(t.ids)
}

// resourceHost returns the number of the host a resource's spans were
// recorded on, adding the host if new.
func (t *hostTable) resourceHost(res pcommon.Resource) int32 {
	name := t.hostName(res)
	id, ok := t.ids[name]
	if !ok {
		id = int32(len(t.names))
		t.ids[name] = id
		t.names = append(t.names, name)
		t.timelines = append(t.timelines, t.offsets[name])
		t.unmeasured = append(t.unmeasured, false)
	}
	return id
}

// hostName is the value of the first host attribute that names a host with
// offsets; without one, the value of the first attribute present; without
// any, "".
func (t *hostTable) hostName(res pcommon.Resource) string {
	attrs := res.Attributes()
	first, found := "", false
	for _, key := range t.attributes {
		v, ok := attrs.Get(key)
		if !ok {
			continue
		}
		name := attributeString(v)
		if _, measured := t.offsets[name]; measured {
			return name
		}
		if !found {
			first, found = name, true
		}
	}
	return first
}

// attributeString is an attribute's value as a host name.
func attributeString(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return v.AsString()
}

// unmeasuredNames lists, sorted, the hosts that were unmeasured in some
// trace.
func (t *hostTable) unmeasuredNames() []string {
	var names []string
	for h, unmeasured := range t.unmeasured {
		if unmeasured {
			names = append(names, t.names[h])
		}
	}
	slices.Sort(names)
	return names
}
