// The clockwatch monitoring mixin: Prometheus recording and alerting rules
// and Grafana dashboards from one _config (config.libsonnet). Use it as any
// monitoring mixin:
//
//   local clockwatch = (import 'mixin.libsonnet') + {
//     _config+:: { clockwatchSelector: 'job="time"', sloOffsetSeconds: 0.001 },
//   };
//   {
//     'alerts.yaml': std.manifestYamlDoc(clockwatch.prometheusAlerts),
//     'rules.yaml': std.manifestYamlDoc(clockwatch.prometheusRules),
//   } + {
//     [name]: std.manifestJsonEx(clockwatch.grafanaDashboards[name], '  ')
//     for name in std.objectFields(clockwatch.grafanaDashboards)
//   }
//
// or with the generator of this repository (deploy/cmd/mixin), which also
// writes the committed files under deploy/.
(import 'config.libsonnet') +
(import 'rules.libsonnet') +
(import 'alerts.libsonnet') +
(import 'dashboards/dashboards.libsonnet')
