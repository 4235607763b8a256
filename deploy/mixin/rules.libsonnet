// Recording rules: the fleet's SLIs. A fleet is one Prometheus job: every
// aggregate is by (job). The recorded names are a contract (dashboards,
// alerts and users' own queries read them): add, never rename.
local f = import 'format.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    local sel = c.clockwatchSelector,
    local synced = 'clockwatch_synchronized{%s}' % sel,
    // Each host's synchronized state, recorded first in the fleet group so
    // that its rules read the raw series once: at 10,000 hosts a raw
    // series, one among 2 million, takes several times longer to read than
    // a recorded one (docs/fleet.md).
    local syncedBool = 'instance:clockwatch_synchronized:bool',
    // A raw series of this host, restricted to synchronized hosts (an
    // unsynchronized host's offset is not trusted).
    local whenSynced(expr) = '%s and on (job, instance) %s == 1' % [expr, syncedBool],
    local offset = 'clockwatch_offset_seconds{%s}' % sel,
    local bound = 'clockwatch_error_bound_seconds{%s}' % sel,
    // The offset and bound of the synchronized hosts, recorded first in
    // the fleet group so that its rules join each host's series with its
    // synchronized state once, not once each: at 10,000 hosts the joins
    // were most of the group's cost (hack/bench/promfleet).
    local syncedOffset = 'instance:clockwatch_offset_seconds:synchronized',
    local syncedBound = 'instance:clockwatch_error_bound_seconds:synchronized',
    // How far each synchronized host's clock is off true time at least,
    // |offset| - error bound: the SLO and ClockwatchClockSkewDetected read
    // this one series per host instead of joining three raw ones each.
    local provableOffset = 'instance:clockwatch_offset_seconds:abs_provable',
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

    // Hosts reporting, the first of the fleet's counts, which the rate of
    // unsynchronized hosts divides by.
    local hostsCount = 'job:clockwatch_hosts:count',

    // Prometheus evaluates a group's rules one after the other and its
    // groups at once, each on its own schedule. At 10,000 hosts every rule
    // that reads one series per host selects 10,000 series, so the fleet's
    // rules are three groups (hack/bench/promfleet, docs/fleet.md): a rule
    // that reads a record comes after it in its group (it reads that
    // evaluation's values), and the rules that read raw series only are
    // groups of their own, evaluated at the same time.
    groups+: [
      {
        // The fleet's SLIs now. Rules of one group are evaluated in order at
        // one timestamp, so every fleet rule reads the per-host values of
        // the same evaluation.
        name: 'clockwatch-fleet',
        interval: c.fleetEvaluationInterval,
        rules: [
          // 1 while this host is synchronized, 0 while not: every host
          // reporting clockwatch_synchronized.
          { record: syncedBool, expr: '%s == bool 1' % synced },
          // The offset and error bound of each synchronized host (an
          // unsynchronized host's offset is not trusted).
          { record: syncedOffset, expr: whenSynced(offset) },
          { record: syncedBound, expr: whenSynced(bound) },
          { record: provableOffset, expr: 'abs(%s) - %s' % [syncedOffset, syncedBound] },
          // 1 while this host's bound proves the SLO: synchronized and
          // |offset| + error bound <= SLO, what readers of bounded time can
          // rely on. Hosts with distant servers are often 0 and healthy.
          {
            record: 'instance:clockwatch_offset_provably_within_slo:bool',
            expr: |||
              (abs(%(offset)s) + %(bound)s <= bool %(slo)s)
              or on (job, instance)
              (%(synced)s * 0)
            ||| % { offset: syncedOffset, bound: syncedBound, synced: syncedBool, slo: f.number(c.sloOffsetSeconds) },
          },
          // 1 while this host meets the SLO: synchronized, and its
          // measurement does not prove its clock beyond ±SLO
          // (|offset| - error bound <= SLO). A wide bound alone is no SLO
          // error: a host whose servers are far away is still on time.
          // 0 when the clock is provably off, unsynchronized, or has no
          // offset yet: the hosts of the record above, which are every host
          // reporting clockwatch_synchronized, read from that record rather
          // than from the raw series again (a recorded series is read 2 to
          // 4 times faster at 10,000 hosts: docs/fleet.md).
          {
            record: 'instance:clockwatch_offset_within_slo:bool',
            expr: |||
              (%(provable)s <= bool %(slo)s)
              or on (job, instance)
              (instance:clockwatch_offset_provably_within_slo:bool * 0)
            ||| % { provable: provableOffset, slo: f.number(c.sloOffsetSeconds) },
          },
          // The largest and the smallest estimated offset of the
          // synchronized hosts (the On-call dashboard draws the fleet's
          // spread from them, not from 10,000 hosts' series), and the fleet
          // skew, the one minus the other.
          { record: 'job:clockwatch_offset_seconds:max', expr: 'max by (job) (%s)' % syncedOffset },
          { record: 'job:clockwatch_offset_seconds:min', expr: 'min by (job) (%s)' % syncedOffset },
          {
            record: 'job:clockwatch_offset_seconds:skew',
            expr: 'job:clockwatch_offset_seconds:max - job:clockwatch_offset_seconds:min',
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
          // Share of hosts within the SLO now (the SLI, instantaneous), and
          // of hosts whose bound proves it.
          { record: 'job:clockwatch_offset_within_slo:ratio', expr: 'avg by (job) (instance:clockwatch_offset_within_slo:bool)' },
          { record: 'job:clockwatch_offset_provably_within_slo:ratio', expr: 'avg by (job) (instance:clockwatch_offset_provably_within_slo:bool)' },
          // 99th percentile of |offset| over the synchronized hosts.
          {
            record: 'job:clockwatch_offset_seconds:abs_p99',
            expr: 'quantile by (job) (0.99, abs(%s))' % syncedOffset,
          },
        ],
      },
      {
        // Hosts reporting, and those of them not synchronized: raw series
        // only.
        name: 'clockwatch-fleet-hosts',
        rules: [
          { record: hostsCount, expr: 'count by (job) (%s)' % synced },
          { record: 'job:clockwatch_unsynchronized:count', expr: 'sum by (job) (1 - %s)' % synced },
          // The mean of 1 - synchronized over the same hosts: the count
          // above over the hosts, without reading every host a third time.
          { record: 'job:clockwatch_unsynchronized:ratio', expr: 'job:clockwatch_unsynchronized:count / %s' % hostsCount },
        ],
      },
      {
        // Skew measured host to host by the peer mesh: raw series only.
        name: 'clockwatch-fleet-peers',
        rules: [
          // The largest |offset| any host sees to any of its sampled peers.
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
        // What happens to single sources and clocks, kept per host at a
        // minute's resolution: their alerts hold down for 15 minutes and
        // the On-call dashboard lists them, so a minute costs nothing, and
        // these rules read every source of every host (10 a host: 100,000
        // series at 10,000 hosts) four times less often than at 15 s. Each
        // records only the sources and hosts concerned, a handful in a
        // healthy fleet, which is what the alerts and the dashboard read.
        name: 'clockwatch-host-events',
        interval: '1m',
        rules: [
          // Each source of each host that has answered none of its last 8
          // polls (value 0, as clockwatch_source_reachable's).
          {
            record: 'instance_source:clockwatch_source_reachable:unreachable',
            expr: 'clockwatch_source_reachable{%s} == 0' % sel,
          },
        ],
      },
      {
        // The clock steps, in a group of their own so that they are
        // evaluated while the sources are (the group above reads 100,000
        // series); a minute too, which the sum over the hour relies on.
        name: 'clockwatch-host-steps',
        interval: '1m',
        rules: [
          // The clock steps of each host in the last minute, where there
          // were any: the counter less its value one evaluation (1m) ago,
          // so that the minutes add up to exactly the steps of an hour
          // (sum_over_time(...[1h])) without reading an hour of every
          // host's counter. The minute an agent restarts (its counter
          // restarts from 0) counts none.
          {
            record: 'instance:clockwatch_clock_steps:increase1m',
            expr: |||
              (
                clockwatch_clock_steps_total{%(sel)s}
                -
                clockwatch_clock_steps_total{%(sel)s} offset 1m
              ) > 0
            ||| % { sel: sel },
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
