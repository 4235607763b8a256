// Recording rules: the fleet's SLIs. A fleet is one Prometheus job: every
// aggregate is by (job). The recorded names are a contract (dashboards,
// alerts and users' own queries read them): add, never rename.
local f = import 'format.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    local sel = c.clockwatchSelector,
    local synced = 'clockwatch_synchronized{%s}' % sel,
    // A raw series of this host, restricted to synchronized hosts (an
    // unsynchronized host's offset is not trusted).
    local whenSynced(expr) = '%s and on (job, instance) %s == 1' % [expr, synced],
    local offset = 'clockwatch_offset_seconds{%s}' % sel,
    local bound = 'clockwatch_error_bound_seconds{%s}' % sel,
    // The offset and bound of the synchronized hosts, recorded first in
    // the fleet group so that its rules join each host's series with its
    // synchronized state once, not once each: at 10,000 hosts the joins
    // were most of the group's cost (hack/bench/promfleet).
    local syncedOffset = 'instance:clockwatch_offset_seconds:synchronized',
    local syncedBound = 'instance:clockwatch_error_bound_seconds:synchronized',
    // The share of host-time out of the SLO over a window: the mean, over
    // the window, of the share of hosts out of it at each evaluation (the
    // share of host-time while the fleet's size is steady). It reads one
    // series per job, so its cost does not grow with the fleet: averaging
    // every host's series instead read 10,000 hosts x 3 days at 15 s, 173
    // million samples, at every evaluation of the 3-day window.
    local errorRatio(window) = {
      record: 'job:clockwatch_slo_errors:ratio_rate%s' % window,
      expr: '1 - avg_over_time(job:clockwatch_offset_within_slo:ratio[%s])' % window,
    },

    groups+: [
      {
        // The fleet's SLIs now. Rules of one group are evaluated in order at
        // one timestamp, so every fleet rule reads the per-host values of
        // the same evaluation.
        name: 'clockwatch-fleet',
        rules: [
          // The offset and error bound of each synchronized host (an
          // unsynchronized host's offset is not trusted).
          { record: syncedOffset, expr: whenSynced(offset) },
          { record: syncedBound, expr: whenSynced(bound) },
          // 1 while this host meets the SLO: synchronized, and its
          // measurement does not prove its clock beyond ±SLO
          // (|offset| - error bound <= SLO). A wide bound alone is no SLO
          // error: a host whose servers are far away is still on time.
          // 0 when the clock is provably off, unsynchronized, or has no
          // offset yet.
          {
            record: 'instance:clockwatch_offset_within_slo:bool',
            expr: |||
              (abs(%(offset)s) - %(bound)s <= bool %(slo)s)
              or on (job, instance)
              (%(synced)s * 0)
            ||| % { offset: syncedOffset, bound: syncedBound, synced: synced, slo: f.number(c.sloOffsetSeconds) },
          },
          // 1 while this host's bound proves the SLO: synchronized and
          // |offset| + error bound <= SLO, what readers of bounded time can
          // rely on. Hosts with distant servers are often 0 and healthy.
          {
            record: 'instance:clockwatch_offset_provably_within_slo:bool',
            expr: |||
              (abs(%(offset)s) + %(bound)s <= bool %(slo)s)
              or on (job, instance)
              (%(synced)s * 0)
            ||| % { offset: syncedOffset, bound: syncedBound, synced: synced, slo: f.number(c.sloOffsetSeconds) },
          },
          // Fleet skew: the largest estimated offset minus the smallest,
          // over the synchronized hosts.
          {
            record: 'job:clockwatch_offset_seconds:skew',
            expr: |||
              max by (job) (%(o)s)
              -
              min by (job) (%(o)s)
            ||| % { o: syncedOffset },
          },
          // The worst the true skew can be given every host's bound:
          // max(offset + bound) - min(offset - bound).
          {
            record: 'job:clockwatch_offset_seconds:skew_bound',
            expr: |||
              max by (job) (%(o)s + %(b)s)
              -
              min by (job) (%(o)s - %(b)s)
            ||| % { o: syncedOffset, b: syncedBound },
          },
          // The least the true skew can be given every host's bound:
          // max(offset - bound) - min(offset + bound), 0 when the intervals
          // overlap. Only this proves clocks apart; hosts with wide bounds
          // (distant servers) may disagree in their estimates and be fine.
          {
            record: 'job:clockwatch_offset_seconds:skew_provable',
            expr: |||
              clamp_min(
                max by (job) (%(o)s - %(b)s)
                -
                min by (job) (%(o)s + %(b)s),
                0
              )
            ||| % { o: syncedOffset, b: syncedBound },
          },
          // 99th percentile of |offset| over the synchronized hosts.
          {
            record: 'job:clockwatch_offset_seconds:abs_p99',
            expr: 'quantile by (job) (0.99, abs(%s))' % syncedOffset,
          },
          // Hosts reporting, and those of them not synchronized.
          { record: 'job:clockwatch_hosts:count', expr: 'count by (job) (%s)' % synced },
          { record: 'job:clockwatch_unsynchronized:count', expr: 'sum by (job) (1 - %s)' % synced },
          { record: 'job:clockwatch_unsynchronized:ratio', expr: 'avg by (job) (1 - %s)' % synced },
          // Share of hosts within the SLO now (the SLI, instantaneous), and
          // of hosts whose bound proves it.
          { record: 'job:clockwatch_offset_within_slo:ratio', expr: 'avg by (job) (instance:clockwatch_offset_within_slo:bool)' },
          { record: 'job:clockwatch_offset_provably_within_slo:ratio', expr: 'avg by (job) (instance:clockwatch_offset_provably_within_slo:bool)' },
          // Skew measured host to host by the peer mesh: the largest
          // |offset| any host sees to any of its sampled peers.
          { record: 'job:clockwatch_peer_offset_seconds:max_abs', expr: 'max by (job) (clockwatch_peer_offset_max_abs_seconds{%s})' % sel },
          // The same, less what a peer measurement cannot tell apart (half
          // its round trip: an asymmetric path; and how far the clocks may
          // have moved since): the least skew the mesh proves between two
          // hosts. Each agent computes its own over its reachable peers, so
          // the rule reads one series per host, not one per peer, whose
          // label changes as the peers rotate.
          {
            record: 'job:clockwatch_peer_offset_seconds:max_abs_provable',
            expr: 'max by (job) (clockwatch_peer_offset_max_provable_seconds{%s})' % sel,
          },
        ],
      },
      {
        // Error ratios of the SLO over the windows of the multi-window,
        // multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs"):
        // the share of host-time out of the SLO.
        name: 'clockwatch-slo',
        rules: [errorRatio(w) for w in ['5m', '30m', '1h', '2h', '6h', '1d', '3d']],
      },
      {
        // Error budget left over the 30-day SLO window: 1 is untouched, 0
        // is spent, negative is overspent. It changes slowly, so it is
        // evaluated every 5 minutes.
        name: 'clockwatch-slo-budget',
        interval: '5m',
        rules: [
          {
            record: 'job:clockwatch_slo_error_budget:remaining_ratio30d',
            expr: '1 - (1 - avg_over_time(job:clockwatch_offset_within_slo:ratio[30d])) / %s' % f.number(c.errorBudget),
          },
        ],
      },
    ],
  },
}
