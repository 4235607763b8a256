package estimator

// Leap is a source's leap status, NTP's leap indicator: whether the last
// minute of the current UTC day has a leap second, or whether the source is
// unsynchronized.
type Leap uint8

// Leap statuses, with NTP's leap indicator values.
const (
	LeapNone           Leap = 0 // no leap second
	LeapInsert         Leap = 1 // the last minute of the day has 61 seconds
	LeapDelete         Leap = 2 // the last minute of the day has 59 seconds
	LeapUnsynchronized Leap = 3 // the source's clock is not synchronized
)

// String names the leap status as chronyc tracking does, in the words of
// the HTTP API: "normal", "insert_second", "delete_second" or
// "unsynchronized".
func (l Leap) String() string {
	switch l {
	case LeapNone:
		return "normal"
	case LeapInsert:
		return "insert_second"
	case LeapDelete:
		return "delete_second"
	default:
		return "unsynchronized"
	}
}
