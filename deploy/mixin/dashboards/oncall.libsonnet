// clockwatch / On-call: which hosts are off, unsynchronized or stepping,
// and which sources are down.
local f = import '../format.libsonnet';
local g = import 'grafana.libsonnet';
local q = g.query;

function(c)
  local sel = 'job="$job"';
  g.dashboard(
    c,
    'clockwatch-oncall',
    'clockwatch / On-call',
    'Which hosts are off, unsynchronized or stepping, and which sources are down. Each alert\'s runbook: docs/runbook.md.',
    [
      g.table(
        'Firing clockwatch alerts', 'Alerts of the clockwatch mixin firing now, critical and warning.',
        [0, 0, 24, 6], [q('ALERTS{alertname=~"Clockwatch.*", alertstate="firing", %s}' % sel)],
      ),
      g.table(
        'Top hosts by |offset|', 'The 10 hosts furthest from true time now, estimated. Orange beyond the SLO (±%s), red beyond the fleet skew target.' % f.duration(c.sloOffsetSeconds),
        [0, 6, 8, 9], [q('topk(10, abs(clockwatch_offset_seconds{%s}))' % sel)],
        unit='s', steps=[['green', null], ['orange', c.sloOffsetSeconds], ['red', c.fleetSkewSeconds]],
      ),
      g.table(
        'Error bound by host', 'The 10 hosts with the widest error bound now. A wide bound is a warning above %s, never a page; +Inf: no measurement.' % f.duration(c.errorBoundBudgetSeconds),
        [8, 6, 8, 9], [q('topk(10, clockwatch_error_bound_seconds{%s})' % sel)],
        unit='s', steps=[['green', null], ['orange', c.errorBoundBudgetSeconds]],
      ),
      g.table(
        'Unsynchronized hosts', 'Hosts not synchronized (no agreeing majority, or holdover ran out), and hosts in holdover.',
        [16, 6, 8, 9],
        [q('clockwatch_synchronized{%s} == 0' % sel), q('clockwatch_holdover{%s} == 1' % sel)],
      ),
      g.timeseries(
        'Offset across the fleet', 'The largest and smallest estimated offset of the synchronized hosts (local − true; positive: ahead) and the 99th percentile of |offset|, recorded per fleet; Top hosts by |offset| names the hosts, Host debug draws one.',
        [0, 15, 12, 9],
        [
          q('job:clockwatch_offset_seconds:max{%s}' % sel, 'largest'),
          q('job:clockwatch_offset_seconds:min{%s}' % sel, 'smallest'),
          q('job:clockwatch_offset_seconds:abs_p99{%s}' % sel, 'p99 |offset|'),
        ],
      ),
      g.timeseries(
        'Recent clock steps', 'Steps per host in the last hour: the offset moved further than its bound allowed (the clock, or the reference, stepped). Only hosts that stepped have a line.',
        [12, 15, 12, 9], [q('sum_over_time(instance:clockwatch_clock_steps:increase1m{%s}[1h])' % sel, '{{instance}}')],
        unit='none',
      ),
      g.table(
        'Sources unreachable', 'Sources that answered none of their last 8 polls (recorded once a minute).',
        [0, 24, 8, 8], [q('instance_source:clockwatch_source_reachable:unreachable{%s}' % sel)],
      ),
      g.table(
        'Falsetickers', 'Sources that disagree with the majority of their host\'s sources.',
        [8, 24, 8, 8], [q('clockwatch_source_status{%s, status="falseticker"} == 1' % sel)],
      ),
      g.table(
        'Peer outliers and agents down', 'Hosts their peers see beyond --peers.max-offset, and agents Prometheus cannot scrape.',
        [16, 24, 8, 8],
        [q('clockwatch_peer_outlier{%s} == 1' % sel), q('up{%s} == 0' % sel)],
      ),
    ],
    [['Executive', 'clockwatch-executive'], ['Host debug', 'clockwatch-debug']],
  )
