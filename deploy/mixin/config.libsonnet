// The knobs of the clockwatch mixin. Override them when importing it:
//
//   (import 'mixin.libsonnet') + { _config+:: { sloOffsetSeconds: 0.001 } }
//
// Every threshold below scales with sloOffsetSeconds; none is written out
// in the rules or dashboards.
{
  _config+:: {
    // Selects clockwatch's own series (its metrics and its scrape's up):
    // every rule and dashboard query on them carries it. A fleet is one
    // Prometheus job: the recording rules aggregate by (job).
    clockwatchSelector: 'job="clockwatch"',

    // The SLO: every synchronized host's clock within ±sloOffsetSeconds of
    // true time, for sloObjective of host-time over 30 days. A host is out
    // of it when its measurement proves it, |offset| - error bound >
    // sloOffsetSeconds, or when it is unsynchronized; a wide error bound
    // alone is not an SLO error.
    sloOffsetSeconds: 0.0025,
    sloObjective: 0.999,

    // Any two hosts of a fleet within fleetSkewFactor × sloOffsetSeconds:
    // two hosts inside the SLO are at most 2× apart.
    fleetSkewFactor: 2,

    // A host's clock provably off true time, |offset| - error bound, by
    // more than clockSkewWarningFactor × sloOffsetSeconds (out of its SLO)
    // is a warning; by more than clockSkewCriticalFactor × sloOffsetSeconds
    // it is critical: at 3× it is more than the fleet skew target away from
    // every host that meets the SLO.
    clockSkewWarningFactor: 1,
    clockSkewCriticalFactor: 3,

    // A wide error bound is a warning, never critical: above
    // errorBoundBudgetFactor × sloOffsetSeconds the clock can be that far
    // off before ClockwatchClockSkewDetected can prove it. Hosts that reach
    // their servers only over long paths have wide bounds and are healthy.
    errorBoundBudgetFactor: 4,

    // The share of a fleet's hosts, and at least how many, unsynchronized
    // at once that is critical (a shared upstream is down).
    unsynchronizedHostsRatio: 0.1,
    unsynchronizedHostsMin: 2,

    // Drift beyond its uncertainty that is abnormal for a clock (a healthy
    // crystal drifts by tens of ppm; the kernel corrects 500 ppm at most).
    driftAbnormalRatio: 100e-6,

    // Selects clockwatch-mesh's verdicts, which node_exporter serves from
    // its --textfile under node_exporter's own job; empty: wherever they
    // are (their names are clockwatch-mesh's own).
    meshSelector: '',

    // clockwatch-mesh's verdicts (`infer --every 1m --textfile FILE`, read
    // by node_exporter's textfile collector) older than this are stale:
    // ClockwatchMeshHostOff stops firing on them.
    meshVerdictMaxAgeSeconds: 900,

    // How often clockwatch-fleet records each host's offset, bound and
    // SLO state and the fleet's spread. Agents move their estimates once a
    // poll (16 s or longer), and the alerts that read these records hold
    // down for 5 minutes or more: 30s costs them at most 15 s more than
    // 15s would, and halves what the group reads (at 10,000 hosts, some
    // 2 s of a core an evaluation: docs/fleet.md). On a small fleet, 15s
    // (or the global evaluation_interval: null) is as cheap.
    fleetEvaluationInterval: '30s',

    // How long each condition must hold before its alert fires.
    holdDown: {
      fleetSkew: '5m',
      peerSkew: '5m',
      clockSkewCritical: '5m',
      clockSkewWarning: '10m',
      peerOutlier: '10m',
      meshHostOff: '5m',
      manyUnsynchronized: '5m',
      burnFast: '2m',
      burnSlow: '15m',
      errorBoundWide: '30m',
      hostUnsynchronized: '15m',
      driftAbnormal: '30m',
      sourceUnreachable: '15m',
      falseticker: '15m',
      holdover: '5m',
      agentDown: '10m',
    },

    // The severity labels Alertmanager routes on.
    criticalSeverity: 'critical',
    warningSeverity: 'warning',

    // Where each alert's runbook_url points: %s is the alert name in lower
    // case, the anchor of its section.
    runbookURLPattern: 'https://github.com/clockwatch/clockwatch/blob/main/docs/runbook.md#%s',

    // Dashboards.
    dashboardTags: ['clockwatch'],
    dashboardRefresh: '30s',
    dashboardTimezone: 'browser',
    dashboardTimeFrom: 'now-6h',

    // Derived thresholds; not meant to be overridden.
    fleetSkewSeconds:: self.fleetSkewFactor * self.sloOffsetSeconds,
    clockSkewWarningSeconds:: self.clockSkewWarningFactor * self.sloOffsetSeconds,
    clockSkewCriticalSeconds:: self.clockSkewCriticalFactor * self.sloOffsetSeconds,
    errorBoundBudgetSeconds:: self.errorBoundBudgetFactor * self.sloOffsetSeconds,
    errorBudget:: 1 - self.sloObjective,
  },
}
