// The dashboards of the mixin, by file name.
{
  grafanaDashboards+:: {
    'clockwatch-executive.json': (import 'executive.libsonnet')($._config),
    'clockwatch-oncall.json': (import 'oncall.libsonnet')($._config),
    'clockwatch-debug.json': (import 'debug.libsonnet')($._config),
  },
}
