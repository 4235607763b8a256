// Small constructors of Grafana dashboard JSON (schema 39) for the
// clockwatch dashboards: every panel reads the ${datasource} variable.
local datasource = { type: 'prometheus', uid: '${datasource}' };
local refIds = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

// thresholds turns [[color, value], ...] into Grafana's threshold steps;
// the first value is null (the base colour).
local thresholds(steps) = {
  mode: 'absolute',
  steps: [{ color: s[0], value: s[1] } for s in steps],
};

// targets gives each query a refId and the datasource; extra goes into
// every target.
local targets(queries, extra={}) = [
  { refId: refIds[i], datasource: datasource, expr: queries[i][0], legendFormat: queries[i][1] } + extra
  for i in std.range(0, std.length(queries) - 1)
];

local gridPos(pos) = { x: pos[0], y: pos[1], w: pos[2], h: pos[3] };

// A query variable of the dashboard: the values of a label.
local variable(name, label, query) = {
  name: name,
  label: label,
  type: 'query',
  datasource: datasource,
  query: { query: query, refId: name },
  definition: query,
  refresh: 2,
  current: {},
  hide: 0,
  options: [],
  includeAll: false,
  multi: false,
  sort: 1,
};

{
  // A query: a PromQL expression and its legend.
  query(expr, legend=''):: [expr, legend],

  // A row heading at height y.
  row(title, y):: {
    type: 'row',
    title: title,
    collapsed: false,
    gridPos: gridPos([0, y, 24, 1]),
    panels: [],
  },

  // A single value: the last of each query. pos is [x, y, w, h].
  stat(title, description, pos, queries, unit='none', steps=[['green', null]]):: {
    type: 'stat',
    title: title,
    description: description,
    datasource: datasource,
    gridPos: gridPos(pos),
    targets: targets(queries),
    fieldConfig: {
      defaults: { thresholds: thresholds(steps), unit: unit },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'area',
      textMode: 'value',
    },
  },

  // Lines over time, with a legend table of the last and largest values;
  // thresholds beyond the base colour are drawn as lines.
  timeseries(title, description, pos, queries, unit='s', steps=[['green', null]]):: {
    type: 'timeseries',
    title: title,
    description: description,
    datasource: datasource,
    gridPos: gridPos(pos),
    targets: targets(queries),
    fieldConfig: {
      defaults: {
        thresholds: thresholds(steps),
        unit: unit,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 0,
          showPoints: 'never',
          spanNulls: false,
          thresholdsStyle: { mode: if std.length(steps) > 1 then 'line' else 'off' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  },

  // The series of instant queries now, as rows of a table.
  table(title, description, pos, queries, unit=null, steps=[['green', null]]):: {
    type: 'table',
    title: title,
    description: description,
    datasource: datasource,
    gridPos: gridPos(pos),
    targets: targets(queries, { instant: true, range: false, format: 'table' }),
    fieldConfig: {
      defaults: { thresholds: thresholds(steps) } + (if unit == null then {} else { unit: unit }),
      overrides: [],
    },
    options: { showHeader: true, sortBy: [] },
    transformations: [
      { id: 'organize', options: { excludeByName: { Time: true, __name__: true } } },
    ],
  },

  // A dashboard of panels (numbered in order) with the datasource and job
  // variables, and instance when perHost; links go to the other
  // clockwatch dashboards, keeping the time range and the variables.
  dashboard(config, uid, title, description, panels, links, perHost=false):: {
    local selector = config.clockwatchSelector,
    uid: uid,
    title: title,
    description: description,
    tags: config.dashboardTags,
    timezone: config.dashboardTimezone,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: config.dashboardRefresh,
    time: { from: config.dashboardTimeFrom, to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          options: [],
          includeAll: false,
          multi: false,
        },
        variable('job', 'Fleet (job)', 'label_values(clockwatch_synchronized{%s}, job)' % selector),
      ] + (
        if perHost
        then [variable('instance', 'Host', 'label_values(clockwatch_synchronized{job="$job"}, instance)')]
        else []
      ),
    },
    annotations: {
      list: [
        {
          name: 'Annotations & Alerts',
          builtIn: 1,
          type: 'dashboard',
          enable: true,
          hide: true,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          iconColor: 'rgba(0, 211, 255, 1)',
        },
        {
          name: 'clockwatch alerts',
          enable: true,
          datasource: datasource,
          iconColor: 'red',
          expr: 'ALERTS{alertname=~"Clockwatch.*", alertstate="firing", job="$job"}',
          titleFormat: '{{alertname}}',
          textFormat: '{{instance}} {{severity}}',
          step: '60s',
        },
      ],
    },
    links: [
      {
        title: link[0],
        type: 'link',
        url: '/d/%s?${__url_time_range}&var-datasource=${datasource}&var-job=${job}' % link[1],
        icon: 'dashboard',
        targetBlank: false,
        tooltip: '',
        keepTime: true,
      }
      for link in links
    ],
    panels: [panels[i] { id: i + 1 } for i in std.range(0, std.length(panels) - 1)],
  },
}
