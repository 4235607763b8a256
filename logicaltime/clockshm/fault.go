package clockshm

import (
	"errors"
	"runtime/debug"
)

// ErrFault: the region is a mapping of a file that can no longer back it.
// Callers wrap it with the file's name.
var ErrFault = errors.New("the mapped file could not be accessed (was it truncated, or is its filesystem full?)")

// catchFault ends an access to the region that a memory fault may cut
// short: a mapping whose file shrank, or whose filesystem cannot allocate
// a page, raises SIGBUS, which debug.SetPanicOnFault turns into a panic of
// the accessing goroutine instead of a crash of the process. catchFault
// restores the goroutine's setting old and turns that panic into
// *err = ErrFault; other panics go on. Use it as
//
//	defer catchFault(debug.SetPanicOnFault(true), &err)
func catchFault(old bool, err *error) {
	debug.SetPanicOnFault(old)
	p := recover()
	if p == nil {
		return
	}
	if _, fault := p.(interface{ Addr() uintptr }); !fault {
		panic(p)
	}
	*err = ErrFault
}
