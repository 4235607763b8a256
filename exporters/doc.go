// Package exporters publishes the agent's estimate: Prometheus metrics, the
// HTTP API (status, history, health), the state file that survives restarts
// and the shared memory that local services read.
//
// Every sink reads estimator.Estimate; none of them writes it.
package exporters
