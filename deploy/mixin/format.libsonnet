// How numbers of the _config appear in PromQL and in text.
{
  // A number as a PromQL literal, without float noise (3 × 0.0025 is
  // 0.0075, not 0.007500000000000001).
  number(x):: std.strReplace(std.format('%.6g', x), 'e-0', 'e-'),

  // Seconds as a short duration: 0.0025 is "2.5ms", 5e-6 is "5µs".
  duration(seconds)::
    if seconds >= 1 then std.format('%.6gs', seconds)
    else if seconds >= 1e-3 then std.format('%.6gms', seconds * 1e3)
    else std.format('%.6gµs', seconds * 1e6),

  // A ratio as a percentage: 0.001 is "0.1%".
  percent(ratio):: std.format('%.6g%%', ratio * 100),

  // A ratio as ppm: 100e-6 is "100 ppm".
  ppm(ratio):: std.format('%.6g ppm', ratio * 1e6),
}
