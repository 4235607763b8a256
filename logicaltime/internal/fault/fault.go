// Package fault turns the memory fault of an access to a shared mapping
// whose file can no longer back it into an error, for the shared-memory
// layouts of logicaltime (clockshm, clockbound).
package fault

import (
	"errors"
	"runtime/debug"
)

// ErrFault: the mapping's file could not be accessed. Callers wrap it with
// the file's name.
var ErrFault = errors.New("the mapped file could not be accessed (was it truncated, or is its filesystem full?)")

// Catch ends an access to a mapping that a memory fault may cut short: a
// mapping whose file shrank, or whose filesystem cannot allocate a page,
// raises SIGBUS, which debug.SetPanicOnFault turns into a panic of the
// accessing goroutine instead of a crash of the process. Catch restores the
// goroutine's setting old and turns that panic into *err = ErrFault; other
// panics go on. Use it as
//
//	defer fault.Catch(debug.SetPanicOnFault(true), &err)
//
// It costs a few nanoseconds and no system call.
func Catch(old bool, err *error) {
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
