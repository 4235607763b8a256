package main

import (
	"context"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/clockwatch/clockwatch/mesh"
)

// meshRun is clockwatch-mesh's inference run against the Prometheus of
// the run: what it read, whom it named, and how long it took.
type meshRun struct {
	Measurements int           `json:"measurements"`
	Hosts        int           `json:"hosts"`
	Named        []string      `json:"named"`
	Read         time.Duration `json:"read_ns"`
	Inferred     time.Duration `json:"inferred_ns"`
	Err          string        `json:"error,omitempty"`
}

// inferFromPrometheus reads the agents' pairwise offsets from Prometheus
// and infers the mesh, as clockwatch-mesh infer does.
func inferFromPrometheus(ctx context.Context, promURL string) meshRun {
	client, err := promapi.NewClient(promapi.Config{Address: promURL})
	if err != nil {
		return meshRun{Err: err.Error()}
	}
	began := time.Now()
	edges, err := mesh.QueryPrometheus(ctx, promv1.NewAPI(client), mesh.PrometheusQuery{Selector: `job="clockwatch"`})
	if err != nil {
		return meshRun{Err: err.Error()}
	}
	m := meshRun{Measurements: len(edges), Read: time.Since(began)}
	began = time.Now()
	r := mesh.Infer(edges, mesh.Config{})
	m.Inferred, m.Hosts, m.Named = time.Since(began), len(r.Hosts), r.Named()
	return m
}
