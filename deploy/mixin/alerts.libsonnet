// Alerting rules. They read the recording rules' series: load both.
//
// critical: a human acts now. A clock is provably off (alone or against
//           the fleet), a host's bound lies (its peers prove its clock off),
//           many hosts lost their time at once, or the fleet burns its SLO
//           error budget fast.
// warning:  someone looks within a working day. One host or one source
//           degrades; a wide error bound (distant servers) is at most this.
//
// Every alert holds down with "for:" so that one bad scrape or a restart
// does not notify; docs/runbook.md says for each what it means, how to
// confirm it and what to do.
local f = import 'format.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local sel = c.clockwatchSelector,
    local slo = f.duration(c.sloOffsetSeconds),
    local budget = f.percent(c.errorBudget),
    local alert(name, severity, holdDown, expr, summary, description) = {
      alert: name,
      expr: expr,
      'for': holdDown,
      labels: { severity: severity },
      annotations: {
        summary: summary,
        description: description,
        runbook_url: c.runbookURLPattern % std.asciiLower(name),
      },
    },
    // A synchronized host's clock provably more than threshold off true
    // time: even the nearest end of offset ± error bound is beyond it
    // (|offset| - error bound, which the fleet group records per host).
    local clockSkew(severity, holdDown, threshold) = alert(
      'ClockwatchClockSkewDetected', severity, holdDown,
      'instance:clockwatch_offset_seconds:abs_provable > %s' % f.number(threshold),
      '{{ $labels.instance }}: clock at least {{ $value | humanizeDuration }} off true time (SLO ±%s)' % slo,
      'The clock of {{ $labels.instance }} is more than %s off true time beyond doubt (|offset| - error bound) and has been for %s. Services on this host read the wrong time now. Is its time daemon running and synchronized?' % [f.duration(threshold), holdDown],
    ),
    // Both burn-rate conditions of one severity: each a long window that
    // proves the burn significant and a short one that it goes on.
    local burn(long1, short1, rate1, long2, short2, rate2) =
      |||
        (
          job:clockwatch_slo_errors:ratio_rate%(l1)s > %(t1)s
          and on (job)
          job:clockwatch_slo_errors:ratio_rate%(s1)s > %(t1)s
        )
        or on (job)
        (
          job:clockwatch_slo_errors:ratio_rate%(l2)s > %(t2)s
          and on (job)
          job:clockwatch_slo_errors:ratio_rate%(s2)s > %(t2)s
        )
      ||| % {
        l1: long1, s1: short1, t1: f.number(rate1 * c.errorBudget),
        l2: long2, s2: short2, t2: f.number(rate2 * c.errorBudget),
      },

    groups+: [
      {
        name: 'clockwatch-critical',
        rules: [
          alert(
            'ClockwatchFleetSkewHigh', c.criticalSeverity, c.holdDown.fleetSkew,
            'job:clockwatch_offset_seconds:skew_provable > %s' % f.number(c.fleetSkewSeconds),
            'Fleet {{ $labels.job }}: clocks at least {{ $value | humanizeDuration }} apart (target %s)' % f.duration(c.fleetSkewSeconds),
            'Two synchronized hosts of {{ $labels.job }} are more than %s apart beyond doubt (their offset ± error bound intervals do not come closer) and have been for %s.' % [f.duration(c.fleetSkewSeconds), c.holdDown.fleetSkew],
          ),
          alert(
            'ClockwatchPeerSkewHigh', c.criticalSeverity, c.holdDown.peerSkew,
            'job:clockwatch_peer_offset_seconds:max_abs_provable > %s' % f.number(c.fleetSkewSeconds),
            'Fleet {{ $labels.job }}: hosts measure each other at least {{ $value | humanizeDuration }} apart (target %s)' % f.duration(c.fleetSkewSeconds),
            'A host of {{ $labels.job }} has measured a peer more than %s off, beyond half the round trip, for %s: clock to clock, whatever the upstream servers say.' % [f.duration(c.fleetSkewSeconds), c.holdDown.peerSkew],
          ),
          clockSkew(c.criticalSeverity, c.holdDown.clockSkewCritical, c.clockSkewCriticalSeconds),
          alert(
            'ClockwatchPeerOutlier', c.criticalSeverity, c.holdDown.peerOutlier,
            'clockwatch_peer_outlier{%s} == 1' % sel,
            "{{ $labels.instance }}: peers see this host's clock off",
            'More than half of the peers with a current measurement of {{ $labels.instance }} have measured its clock beyond --peers.max-offset for %s. Its clock is off, or, if its own offset ± error bound says otherwise, its bound lies.' % c.holdDown.peerOutlier,
          ),
          // clockwatch-mesh's verdict from every agent's pairwise offsets,
          // which it writes for node_exporter's textfile collector: the host
          // label names the host. A verdict too old to trust stays silent.
          alert(
            'ClockwatchMeshHostOff', c.criticalSeverity, c.holdDown.meshHostOff,
            |||
              clockwatch_mesh_host_offset_seconds{verdict="named"%(sel)s}
              and ignoring (host, verdict)
              time() - clockwatch_mesh_inference_timestamp_seconds%(timestampSel)s < %(age)s
            ||| % {
              sel: if c.meshSelector == '' then '' else ', ' + c.meshSelector,
              timestampSel: if c.meshSelector == '' then '' else '{%s}' % c.meshSelector,
              age: f.number(c.meshVerdictMaxAgeSeconds),
            },
            "{{ $labels.host }}: clock {{ $value | humanizeDuration }} from the fleet's median host, proved by the peer mesh",
            "clockwatch-mesh has named {{ $labels.host }} for %s: most of the measurements by it and of it, each corrected by the other host's solved offset, put its clock beyond the inference's --threshold from the fleet's median host by more than their error (half the round trip), which no path asymmetry explains. Its clock is off, whatever its own upstream view says." % c.holdDown.meshHostOff,
          ),
          alert(
            'ClockwatchManyHostsUnsynchronized', c.criticalSeverity, c.holdDown.manyUnsynchronized,
            |||
              job:clockwatch_unsynchronized:ratio > %(ratio)s
              and on (job)
              job:clockwatch_unsynchronized:count >= %(min)s
            ||| % { ratio: f.number(c.unsynchronizedHostsRatio), min: f.number(c.unsynchronizedHostsMin) },
            'Fleet {{ $labels.job }}: {{ $value | humanizePercentage }} of hosts are unsynchronized',
            'More than %s of the hosts of {{ $labels.job }}, and at least %s, have reported unsynchronized for %s: a shared upstream or the network to it is likely down.' % [f.percent(c.unsynchronizedHostsRatio), f.number(c.unsynchronizedHostsMin), c.holdDown.manyUnsynchronized],
          ),
          // 14.4x the budget rate over 1h spends 2% of a 30-day budget, 6x
          // over 6h 5%; the short window (1/12 of the long one) ends the
          // alert soon after the burn. No $value in the texts: the ratios
          // are on the executive dashboard.
          alert(
            'ClockwatchSLOBudgetBurnFast', c.criticalSeverity, c.holdDown.burnFast,
            burn('1h', '5m', 14.4, '6h', '30m', 6),
            'Fleet {{ $labels.job }} burns its clock SLO error budget fast',
            'More than 14.4 (over 1h) or 6 (over 6h) times the budgeted %s of the host-time of {{ $labels.job }} was out of the SLO (a clock provably more than %s off, or unsynchronized); at this rate the 30-day error budget is gone in days. The executive dashboard shows the burn.' % [budget, slo],
          ),
        ],
      },
      {
        // Every warning holds down for 5 minutes or more: evaluated once a
        // minute, each fires at most a minute later than at 15 s, and the
        // group costs a quarter (hack/bench/promfleet, docs/fleet.md).
        name: 'clockwatch-warning',
        interval: '1m',
        rules: [
          // 3x over 1d spends 10% of the budget, 1x over 3d 10%.
          alert(
            'ClockwatchSLOBudgetBurnSlow', c.warningSeverity, c.holdDown.burnSlow,
            burn('1d', '2h', 3, '3d', '6h', 1),
            'Fleet {{ $labels.job }} burns its clock SLO error budget',
            'More than 3 (over 1d) or 1 (over 3d) times the budgeted %s of the host-time of {{ $labels.job }} was out of the SLO (a clock provably more than %s off, or unsynchronized); the 30-day error budget will not last the month. The executive dashboard shows the burn.' % [budget, slo],
          ),
          clockSkew(c.warningSeverity, c.holdDown.clockSkewWarning, c.clockSkewWarningSeconds),
          alert(
            'ClockwatchErrorBoundOverBudget', c.warningSeverity, c.holdDown.errorBoundWide,
            'instance:clockwatch_error_bound_seconds:synchronized > %s' % f.number(c.errorBoundBudgetSeconds),
            '{{ $labels.instance }}: clock error bound {{ $value | humanizeDuration }} is wide (warning above %s)' % f.duration(c.errorBoundBudgetSeconds),
            'clockwatch on {{ $labels.instance }} can vouch for its clock only to within {{ $value | humanizeDuration }}, for %s: its clock could be that far off before an alert can prove it. Readers of bounded time on this host get wide intervals. The clock itself may well be on time.' % c.holdDown.errorBoundWide,
          ),
          // Provably abnormal: even the most favourable drift within the
          // estimate's uncertainty is beyond the limit.
          alert(
            'ClockwatchDriftAbnormal', c.warningSeverity, c.holdDown.driftAbnormal,
            'abs(clockwatch_frequency_offset_ratio{%(sel)s}) - clockwatch_frequency_uncertainty_ratio{%(sel)s} > %(limit)s' % { sel: sel, limit: f.number(c.driftAbnormalRatio) },
            '{{ $labels.instance }}: clock drifts by more than %s' % f.ppm(c.driftAbnormalRatio),
            'The local clock of {{ $labels.instance }} has run away from true time faster than %s (%s a day) for %s, beyond the estimate\'s uncertainty.' % [f.ppm(c.driftAbnormalRatio), f.duration(c.driftAbnormalRatio * 86400), c.holdDown.driftAbnormal],
          ),
          alert(
            'ClockwatchSourceUnreachable', c.warningSeverity, c.holdDown.sourceUnreachable,
            'instance_source:clockwatch_source_reachable:unreachable',
            '{{ $labels.instance }}: time source {{ $labels.source }} unreachable',
            'The {{ $labels.kind }} source {{ $labels.source }} of {{ $labels.instance }} has answered none of its last 8 polls for %s.' % c.holdDown.sourceUnreachable,
          ),
          alert(
            'ClockwatchFalseticker', c.warningSeverity, c.holdDown.falseticker,
            'clockwatch_source_status{%s, status="falseticker"} == 1' % sel,
            '{{ $labels.instance }}: time source {{ $labels.source }} is a falseticker',
            'The {{ $labels.kind }} source {{ $labels.source }} disagrees with the majority of the sources of {{ $labels.instance }} and has been left out of the estimate for %s.' % c.holdDown.falseticker,
          ),
        ],
      },
      {
        // The warnings on each host's own state, read from one raw series
        // per host each (10,000 at 10,000 hosts), in a group of their own
        // so that they are evaluated while the warnings above are; a
        // minute too.
        name: 'clockwatch-warning-hosts',
        interval: '1m',
        rules: [
          alert(
            'ClockwatchHostUnsynchronized', c.warningSeverity, c.holdDown.hostUnsynchronized,
            'clockwatch_synchronized{%s} == 0' % sel,
            '{{ $labels.instance }}: clock unsynchronized',
            'clockwatch on {{ $labels.instance }} has had no agreeing majority of sources (or its holdover ran out) for %s.' % c.holdDown.hostUnsynchronized,
          ),
          alert(
            'ClockwatchHoldover', c.warningSeverity, c.holdDown.holdover,
            'clockwatch_holdover{%s} == 1' % sel,
            '{{ $labels.instance }}: clock in holdover',
            'Every time source of {{ $labels.instance }} has gone quiet for %s; the estimate is carried forward on the drift and its error bound grows.' % c.holdDown.holdover,
          ),
          alert(
            'ClockwatchAgentDown', c.warningSeverity, c.holdDown.agentDown,
            'up{%s} == 0' % sel,
            '{{ $labels.instance }}: clockwatch agent down',
            "Prometheus has failed to scrape clockwatch on {{ $labels.instance }} for %s: this host's clock is unwatched and missing from every fleet SLI." % c.holdDown.agentDown,
          ),
        ],
      },
    ],
  },
}
