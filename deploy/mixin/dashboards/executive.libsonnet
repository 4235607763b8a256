// clockwatch / Executive: is the fleet's time within its SLO?
local f = import '../format.libsonnet';
local g = import 'grafana.libsonnet';
local q = g.query;

function(c)
  local slo = f.duration(c.sloOffsetSeconds);
  local skew = f.duration(c.fleetSkewSeconds);
  local budget = f.number(c.errorBudget);
  local job(name) = '%s{job="$job"}' % name;
  g.dashboard(
    c,
    'clockwatch-executive',
    'clockwatch / Executive',
    "Is the fleet's time within its SLO? Fleet skew against the %s target and the 30-day error budget of 'every host within ±%s' (a clock provably further off, |offset| − error bound > %s, or unsynchronized, spends it), %s of host-time. Alerts: docs/runbook.md." % [skew, slo, slo, f.percent(c.sloObjective)],
    [
      g.stat(
        'Fleet skew', 'Largest minus smallest estimated offset of the synchronized hosts now. Target: %s.' % skew,
        [0, 0, 6, 5], [q(job('job:clockwatch_offset_seconds:skew'), 'skew')],
        unit='s', steps=[['green', null], ['red', c.fleetSkewSeconds]],
      ),
      g.stat(
        'Hosts within SLO', 'Share of hosts within ±%s now: synchronized, and not provably further off (|offset| − error bound ≤ %s).' % [slo, slo],
        [6, 0, 6, 5], [q(job('job:clockwatch_offset_within_slo:ratio'), 'within')],
        unit='percentunit', steps=[['red', null], ['orange', 0.99], ['green', c.sloObjective]],
      ) + { fieldConfig+: { defaults+: { min: 0, max: 1 } } },
      g.stat(
        'Error budget remaining', 'Share of the 30-day error budget (%s of host-time out of the SLO) left. Negative: overspent.' % f.percent(c.errorBudget),
        [12, 0, 6, 5], [q(job('job:clockwatch_slo_error_budget:remaining_ratio30d'), 'remaining')],
        unit='percentunit', steps=[['red', null], ['orange', 0], ['green', 0.25]],
      ),
      g.stat(
        'Unsynchronized hosts', 'Hosts reporting and, of them, those not synchronized now.',
        [18, 0, 6, 5],
        [q(job('job:clockwatch_unsynchronized:count'), 'unsynchronized'), q(job('job:clockwatch_hosts:count'), 'hosts')],
        steps=[['green', null], ['red', 1]],
      ) + { options+: { colorMode: 'value', graphMode: 'none', textMode: 'value_and_name' } },
      g.timeseries(
        'Fleet skew against the SLO',
        'Estimated fleet skew (max − min offset); the least and the most the true skew can be given every host\'s bound; and the skew the hosts prove between each other, clock to clock (peer mesh). Red line: the %s target; it pages on the proven skews.' % skew,
        [0, 5, 12, 8],
        [
          q(job('job:clockwatch_offset_seconds:skew'), 'skew (estimated)'),
          q(job('job:clockwatch_offset_seconds:skew_provable'), 'skew (at least, given the bounds)'),
          q(job('job:clockwatch_offset_seconds:skew_bound'), 'skew (at most, given the bounds)'),
          q(job('job:clockwatch_peer_offset_seconds:max_abs'), 'skew (peer-measured)'),
          q(job('job:clockwatch_peer_offset_seconds:max_abs_provable'), 'skew (peer-measured, at least)'),
        ],
        steps=[['green', null], ['red', c.fleetSkewSeconds]],
      ),
      g.timeseries(
        'p99 |offset|', '99th percentile of |offset| over the synchronized hosts. Red line: the SLO, ±%s.' % slo,
        [12, 5, 12, 8], [q(job('job:clockwatch_offset_seconds:abs_p99'), 'p99 |offset|')],
        steps=[['green', null], ['red', c.sloOffsetSeconds]],
      ),
      g.timeseries(
        'Error budget burn rate',
        'Error ratio over each window divided by the budgeted %s. 1 spends the budget in exactly 30 days. Critical: 14.4 over 1h (and 5m), 6 over 6h (and 30m); warning: 3 over 1d (and 2h), 1 over 3d (and 6h).' % f.percent(c.errorBudget),
        [0, 13, 12, 8],
        [
          q('%s / %s' % [job('job:clockwatch_slo_errors:ratio_rate' + w), budget], w)
          for w in ['5m', '30m', '1h', '2h', '6h', '1d', '3d']
        ],
        unit='none', steps=[['green', null], ['orange', 1], ['red', 14.4]],
      ),
      g.timeseries(
        'Hosts within SLO over time',
        'Share of hosts within ±%s (not provably further off), of hosts whose bound proves it (|offset| + error bound ≤ %s: what readers of bounded time rely on; hosts with distant servers are healthy without it), and of hosts unsynchronized.' % [slo, slo],
        [12, 13, 12, 8],
        [
          q(job('job:clockwatch_offset_within_slo:ratio'), 'within SLO'),
          q(job('job:clockwatch_offset_provably_within_slo:ratio'), 'provably within SLO'),
          q(job('job:clockwatch_unsynchronized:ratio'), 'unsynchronized'),
        ],
        unit='percentunit',
      ) + { fieldConfig+: { defaults+: { min: 0, max: 1 } } },
    ],
    [['On-call', 'clockwatch-oncall'], ['Host debug', 'clockwatch-debug']],
  )
