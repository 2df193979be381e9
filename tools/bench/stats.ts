// Latency summaries. Percentiles by nearest rank over every message: with thousands of
// samples, interpolating between two of them would only pretend to more precision.

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export function summarize(latenciesMs: Float32Array): LatencySummary {
  const sorted = latenciesMs.slice().sort();
  const rank = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
  return { p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] };
}
