// Package testlab starts the real programs that integration tests talk to
// (chronyd) and collects their output. Tests skip, saying why, where a
// program is missing or needs root.
package testlab
