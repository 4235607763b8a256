// Package clockwatchprocessor is an OpenTelemetry Collector traces
// processor, type clockwatch, that corrects span timestamps recorded on
// hosts whose clocks were off, with the offsets clockwatch agents measured
// and with causality, exactly as `clockwatch trace correct` does.
//
// Offsets come from an offsets file (offsets_file), a Prometheus server
// that scrapes the agents (prometheus.endpoint) or the agents' history
// endpoints (agents), each read again in the background every
// refresh_interval; batches are corrected with what the last read gave,
// never by fetching. A span's host is the value of the first of
// host_attributes that names a host with offsets.
//
// Each span is moved by its host's offset as it passes. Removing the
// causality violations that remain needs whole traces: put the
// groupbytrace processor before this one, so each batch holds whole
// traces:
//
//	processors:
//	  groupbytrace:
//	    wait_duration: 10s
//	  clockwatch:
//	    prometheus:
//	      endpoint: http://prometheus:9090
//	service:
//	  pipelines:
//	    traces:
//	      receivers: [otlp]
//	      processors: [groupbytrace, clockwatch, batch]
//	      exporters: [otlp]
//
// Moved spans carry the attributes clockwatch.correction_ns,
// clockwatch.end_correction_ns (when the end moved differently) and
// clockwatch.correction_source. The processor's own metrics
// (processor_clockwatch_*) go through the collector's telemetry.
package clockwatchprocessor
