// clockwatch / Host debug: one host, its estimate and where its bound
// comes from, every source, drift, peers, chronyd and ptp4l.
local f = import '../format.libsonnet';
local g = import 'grafana.libsonnet';
local q = g.query;

function(c)
  local m(name) = '%s{job="$job", instance="$instance"}' % name;
  g.dashboard(
    c,
    'clockwatch-debug',
    'clockwatch / Host debug',
    'One host: its estimate and bound, every source\'s offset, bound and delay, what the bound is made of, drift, the peer view, and chronyd/ptp4l where clockwatch reads them.',
    [
      g.row('Estimate', 0),
      g.stat(
        'Synchronized', '1: a majority of sources agrees (or holdover); 0: unsynchronized.',
        [0, 1, 4, 5], [q(m('clockwatch_synchronized'), 'synchronized')],
      ) + {
        fieldConfig+: { defaults+: { mappings: [{ type: 'value', options: { '0': { text: 'no', color: 'red' }, '1': { text: 'yes', color: 'green' } } }] } },
      },
      g.stat(
        'Holdover', '1: every source is quiet; the estimate runs on the drift.',
        [4, 1, 4, 5], [q(m('clockwatch_holdover'), 'holdover')],
        steps=[['green', null], ['orange', 1]],
      ),
      g.stat(
        'Offset', 'Local clock − true time now. Orange beyond the SLO (±%s), red beyond the fleet skew target.' % f.duration(c.sloOffsetSeconds),
        [8, 1, 4, 5], [q(m('clockwatch_offset_seconds'), 'offset')],
        unit='s', steps=[['green', null], ['orange', c.sloOffsetSeconds], ['red', c.fleetSkewSeconds]],
      ),
      g.stat(
        'Error bound', 'The true offset is within offset ± this. Orange when it cannot prove the SLO (above %s), red above the bound budget (%s; a warning, not a page).' % [f.duration(c.sloOffsetSeconds), f.duration(c.errorBoundBudgetSeconds)],
        [12, 1, 4, 5], [q(m('clockwatch_error_bound_seconds'), 'bound')],
        unit='s', steps=[['green', null], ['orange', c.sloOffsetSeconds], ['red', c.errorBoundBudgetSeconds]],
      ),
      g.stat(
        'Drift', 'Frequency offset of the local clock in ppm (positive: runs fast).',
        [16, 1, 4, 5], [q(m('clockwatch_frequency_offset_ratio') + ' * 1e6', 'ppm')],
      ),
      g.stat(
        'Last sample age', 'Time since the newest sample of a selected source.',
        [20, 1, 4, 5], [q('time() - ' + m('clockwatch_last_sample_timestamp_seconds'), 'age')],
        unit='s', steps=[['green', null], ['orange', 60]],
      ),
      g.timeseries(
        'Offset and error bound', 'The estimate and the interval offset ± bound that holds the true offset. Red lines: the SLO, ±%s.' % f.duration(c.sloOffsetSeconds),
        [0, 6, 12, 9],
        [
          q(m('clockwatch_offset_seconds'), 'offset'),
          q('%s + %s' % [m('clockwatch_offset_seconds'), m('clockwatch_error_bound_seconds')], 'offset + bound'),
          q('%s - %s' % [m('clockwatch_offset_seconds'), m('clockwatch_error_bound_seconds')], 'offset − bound'),
        ],
        steps=[['red', null], ['green', -c.sloOffsetSeconds], ['red', c.sloOffsetSeconds]],
      ),
      // The parts the agent exports add up to the bound: stacked, with the
      // bound itself drawn over them as a line.
      g.timeseries(
        'Bound parts',
        'Where the error bound comes from, stacked: the parts add up to it (clockwatch_error_bound_part_seconds). measurement: half the round-trip delay and the clock precision; root_distance: the reference\'s own bound; drift_growth: the drift uncertainty grown since the sample; selection: the disagreement between the selected sources.',
        [12, 6, 12, 9],
        [
          q(m('clockwatch_error_bound_part_seconds'), '{{part}}'),
          q(m('clockwatch_error_bound_seconds'), 'error bound'),
        ],
      ) + {
        fieldConfig+: {
          defaults+: { custom+: { fillOpacity: 40, stacking: { mode: 'normal', group: 'parts' } } },
          overrides: [
            {
              matcher: { id: 'byFrameRefID', options: 'B' },
              properties: [
                { id: 'custom.stacking', value: { mode: 'none', group: 'bound' } },
                { id: 'custom.fillOpacity', value: 0 },
                { id: 'custom.lineWidth', value: 2 },
              ],
            },
          ],
        },
      },
      g.row('Sources', 15),
      g.table(
        'Source status', 'Every configured source: its status (selected, candidate, falseticker, unreachable, kod, init) and address.',
        [0, 16, 12, 8], [q(m('clockwatch_source_status') + ' == 1'), q(m('clockwatch_source_info'))],
      ),
      g.timeseries(
        'Source reachable and selected', '1 when the source answered one of its last 8 polls / is combined into the estimate.',
        [12, 16, 12, 8],
        [q(m('clockwatch_source_reachable'), 'reachable {{source}}'), q(m('clockwatch_source_selected'), 'selected {{source}}')],
        unit='none',
      ),
      g.timeseries(
        'Source offsets', 'This host\'s offset as each source sees it. Falsetickers stand apart.',
        [0, 24, 12, 9], [q(m('clockwatch_source_offset_seconds'), '{{source}}')],
      ),
      g.timeseries(
        'Source error bound', 'Each source\'s bound on its own offset, including its root distance.',
        [12, 24, 12, 9], [q(m('clockwatch_source_error_bound_seconds'), '{{source}}')],
      ),
      g.timeseries(
        'Source delay', 'Round-trip delay of each source\'s newest sample.',
        [0, 33, 8, 8], [q(m('clockwatch_source_delay_seconds'), '{{source}}')],
      ),
      g.timeseries(
        'Polls by result', 'Polls per second by outcome: ok, or why no sample came (timeout, bad_origin, kod, malformed, ...).',
        [8, 33, 8, 8], [q('sum by (source, result) (rate(%s[$__rate_interval]))' % m('clockwatch_source_samples_total'), '{{source}} {{result}}')],
        unit='reqps',
      ),
      g.timeseries(
        'Source sample age and stratum', 'Seconds since each source\'s newest usable sample, and its stratum.',
        [16, 33, 8, 8],
        [q('time() - ' + m('clockwatch_source_last_sample_timestamp_seconds'), 'age {{source}}'), q(m('clockwatch_source_stratum'), 'stratum {{source}}')],
      ),
      g.row('Drift and steps', 41),
      g.timeseries(
        'Drift (ppm)', 'Frequency offset of the local clock and its uncertainty, in ppm (1 ppm = 86 ms a day). Red line: the abnormal drift warning, %s.' % f.ppm(c.driftAbnormalRatio),
        [0, 42, 12, 8],
        [
          q(m('clockwatch_frequency_offset_ratio') + ' * 1e6', 'drift'),
          q('(%s + %s) * 1e6' % [m('clockwatch_frequency_offset_ratio'), m('clockwatch_frequency_uncertainty_ratio')], 'drift + uncertainty'),
          q('(%s - %s) * 1e6' % [m('clockwatch_frequency_offset_ratio'), m('clockwatch_frequency_uncertainty_ratio')], 'drift − uncertainty'),
        ],
        unit='none', steps=[['green', null], ['red', c.driftAbnormalRatio * 1e6]],
      ),
      g.timeseries(
        'Clock steps', 'Steps detected per hour.',
        [12, 42, 12, 8], [q('increase(%s[1h])' % m('clockwatch_clock_steps_total'), 'steps')],
        unit='none',
      ),
      g.row('Peers', 50),
      g.timeseries(
        'Peer view', 'This host\'s clock minus each sampled peer\'s (positive: this host is ahead). All of one sign and large: this host is the outlier. Red line: the fleet skew target.',
        [0, 51, 12, 8],
        [q(m('clockwatch_peer_offset_seconds'), '{{peer}}'), q(m('clockwatch_peer_offset_max_abs_seconds'), 'max |offset|')],
        steps=[['green', null], ['red', c.fleetSkewSeconds]],
      ),
      g.timeseries(
        'Peers reachable and outlier verdict', 'Peers of the current sample that answer, and 1 when most of them see this host beyond --peers.max-offset.',
        [12, 51, 12, 8],
        [q(m('clockwatch_peers_reachable'), 'reachable peers'), q(m('clockwatch_peer_outlier'), 'outlier')],
        unit='none',
      ),
      g.row('chronyd and ptp4l (when clockwatch reads them)', 59),
      g.timeseries(
        'chronyd tracking', 'chronyd\'s own view, when a chrony source is configured: last offset, RMS offset, root delay and dispersion.',
        [0, 60, 12, 8],
        [
          q(m('clockwatch_chrony_tracking_last_offset_seconds'), 'last offset'),
          q(m('clockwatch_chrony_tracking_rms_offset_seconds'), 'RMS offset'),
          q(m('clockwatch_chrony_tracking_root_delay_seconds'), 'root delay'),
          q(m('clockwatch_chrony_tracking_root_dispersion_seconds'), 'root dispersion'),
        ],
      ),
      g.timeseries(
        'ptp4l', 'ptp4l\'s offset from its master and mean path delay, when a ptp4l source is configured.',
        [12, 60, 12, 8],
        [
          q(m('clockwatch_ptp4l_offset_from_master_seconds'), 'offset from master {{source}}'),
          q(m('clockwatch_ptp4l_mean_path_delay_seconds'), 'mean path delay {{source}}'),
        ],
      ),
    ],
    [['Executive', 'clockwatch-executive'], ['On-call', 'clockwatch-oncall']],
    perHost=true,
  )
