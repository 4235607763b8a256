//go:build !linux

package netns

import "errors"

// Do runs f when name is empty; network namespaces are Linux's, so any
// other name is an error.
func Do(name string, f func() error) error {
	if name == "" {
		return f()
	}
	return errors.New("netns: network namespaces are Linux's")
}
