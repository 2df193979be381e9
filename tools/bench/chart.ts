// chart.svg: throughput and p99 latency against the number of clients, one line per server,
// side by side. Hand-written SVG with inline styles and no scripts: it opens in any browser
// as it is, and each point's exact figures show on hover (<title>).
import type { BenchResults, RunResult, ServerKind } from './results.ts';

const PANEL = { width: 470, height: 330, left: 72, right: 24, top: 44, bottom: 56 };
const TOP = 64; // room for the heading and the legend
const STYLE: Record<ServerKind, { color: string; dash: string; label: string }> = {
  relay: { color: '#c0392b', dash: '', label: 'relay' },
  forwarder: { color: '#2471a3', dash: '6 4', label: 'bare forwarder (ceiling)' },
  redis: { color: '#7d3c98', dash: '2 3', label: 'Redis pub/sub' },
};

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A log scale covering every value: whole decades, ticked at 1, 2 and 5 times each power of
 * ten when there are few decades. Log, because the servers differ by factors: on a linear
 * axis the slower one's line would lie flat on the floor.
 */
function logScale(values: number[]): { low: number; high: number; ticks: number[] } {
  const positive = values.filter((value) => value > 0);
  let low = Math.floor(Math.log10(Math.min(...positive)));
  let high = Math.ceil(Math.log10(Math.max(...positive)));
  if (high === low) [low, high] = [low - 1, high + 1];
  const steps = high - low <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let power = low; power <= high; power++) {
    for (const step of steps) if (power < high || step === 1) ticks.push(Number((step * 10 ** power).toPrecision(12)));
  }
  return { low, high, ticks };
}

const compact = (value: number) =>
  value >= 1e6
    ? `${Number((value / 1e6).toPrecision(3))}M`
    : value >= 1e3
      ? `${Number((value / 1e3).toPrecision(3))}k`
      : String(value);

interface PanelSpec {
  title: string;
  yLabel: string;
  value: (run: RunResult) => number;
  format: (value: number) => string;
  /** The half-rate runs, drawn as hollow markers. */
  extras: RunResult[];
  /** A value to mark with a labelled horizontal line. */
  target?: { value: number; label: string };
}

function panel(x0: number, y0: number, peakRuns: RunResult[], counts: number[], spec: PanelSpec): string {
  const plotWidth = PANEL.width - PANEL.left - PANEL.right;
  const plotHeight = PANEL.height - PANEL.top - PANEL.bottom;
  const left = x0 + PANEL.left;
  const top = y0 + PANEL.top;
  const bottom = top + plotHeight;

  // Client counts grow by factors (1, 10, 100): a log scale gives each step the same room.
  const logs = counts.map(Math.log10);
  const [low, high] = [Math.min(...logs), Math.max(...logs)];
  const pad = high > low ? (high - low) * 0.08 : 1;
  const xOf = (clients: number) => left + ((Math.log10(clients) - (low - pad)) / (high - low + 2 * pad)) * plotWidth;
  const scale = logScale([
    ...[...peakRuns, ...spec.extras].map(spec.value),
    ...(spec.target ? [spec.target.value] : []),
  ]);
  const yOf = (value: number) => bottom - ((Math.log10(value) - scale.low) / (scale.high - scale.low)) * plotHeight;

  const parts: string[] = [];
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${y0 + 24}" text-anchor="middle" font-size="15" font-weight="bold">${escape(spec.title)}</text>`,
  );
  for (const value of scale.ticks) {
    const y = yOf(value).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${y}" y2="${y}" stroke="${Number.isInteger(Math.log10(value)) ? '#d0d0d0' : '#eeeeee'}"/>`,
    );
    parts.push(
      `<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${escape(spec.format(value))}</text>`,
    );
  }
  for (const clients of counts) {
    const x = xOf(clients).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x}" y="${bottom + 18}" text-anchor="middle" font-size="11">${clients}</text>`);
  }
  parts.push(`<path d="M${left},${top} V${bottom} H${left + plotWidth}" fill="none" stroke="#333"/>`);
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${bottom + 42}" text-anchor="middle" font-size="12">clients (log scale)</text>`,
  );
  parts.push(
    `<text transform="translate(${x0 + 16},${top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escape(`${spec.yLabel} (log scale)`)}</text>`,
  );

  for (const server of ['forwarder', 'relay'] as const) {
    const { color, dash } = STYLE[server];
    const runs = peakRuns.filter((run) => run.server === server).sort((a, b) => a.clients - b.clients);
    if (runs.length > 1) {
      const points = runs.map((run) => `${xOf(run.clients).toFixed(1)},${yOf(spec.value(run)).toFixed(1)}`).join(' ');
      parts.push(
        `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      );
    }
    for (const run of runs) {
      parts.push(
        `<circle cx="${xOf(run.clients).toFixed(1)}" cy="${yOf(spec.value(run)).toFixed(1)}" r="4.5" fill="${color}"><title>${escape(`${STYLE[server].label}, ${run.clients} clients: ${spec.format(spec.value(run))}`)}</title></circle>`,
      );
    }
  }
  if (spec.target) {
    const y = yOf(spec.target.value).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${y}" y2="${y}" stroke="#777" stroke-dasharray="2 3"/>`,
    );
    parts.push(
      `<text x="${left + 6}" y="${Number(y) - 5}" font-size="11" fill="#555">${escape(spec.target.label)}</text>`,
    );
  }
  for (const run of spec.extras) {
    // Side by side, so that two similar latencies do not hide each other.
    const x = xOf(run.clients) + (run.server === 'relay' ? -7 : 7);
    const y = yOf(spec.value(run));
    const label = `${run.server} at ½ the relay's peak rate`;
    parts.push(
      `<rect x="${(x - 5).toFixed(1)}" y="${(y - 5).toFixed(1)}" width="10" height="10" transform="rotate(45 ${x.toFixed(1)} ${y.toFixed(1)})" fill="white" stroke="${STYLE[run.server].color}" stroke-width="2"><title>${escape(`${label}, ${run.clients} clients: ${spec.format(spec.value(run))}`)}</title></rect>`,
    );
  }
  return parts.join('\n');
}

function legend(x: number, y: number, withHalfRate: boolean): string {
  const items: string[] = [];
  let at = x;
  for (const server of ['relay', 'forwarder'] as const) {
    const { color, dash, label } = STYLE[server];
    items.push(
      `<line x1="${at}" x2="${at + 28}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
    );
    items.push(`<circle cx="${at + 14}" cy="${y}" r="4.5" fill="${color}"/>`);
    items.push(`<text x="${at + 36}" y="${y}" dominant-baseline="middle" font-size="12">${escape(label)}</text>`);
    at += 60 + label.length * 7;
  }
  if (withHalfRate) {
    items.push(
      `<rect x="${at + 9}" y="${y - 5}" width="10" height="10" transform="rotate(45 ${at + 14} ${y})" fill="white" stroke="#555" stroke-width="2"/>`,
    );
    items.push(
      `<text x="${at + 28}" y="${y}" dominant-baseline="middle" font-size="12">paced at ½ the relay's peak rate</text>`,
    );
  }
  return items.join('\n');
}

export function renderChart(results: BenchResults): string {
  const peakRuns = results.runs.filter((run) => run.pace === 'peak');
  const halfRuns = results.runs.filter((run) => run.pace === 'half');
  const counts = [...new Set(peakRuns.map((run) => run.clients))].sort((a, b) => a - b);
  const width = PANEL.width * 2;
  const height = TOP + PANEL.height;
  const { messagesPerClient, size, window } = results.settings;
  const subtitle = `lab ${results.lab} (${results.relayFile}) · ${messagesPerClient} messages of ${size} B per client, window ${window} · ${results.cpus} CPUs · node ${results.node} · ${results.date.slice(0, 10)}`;
  const ms = (value: number) => String(Number(value.toPrecision(value >= 1 ? 3 : 2)));
  const target = results.halfRate && {
    value: results.halfRate.targetP99Ms,
    label: `target at ½ peak rate: ${results.halfRate.targetP99Ms} ms`,
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" fill="#222">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="17" font-weight="bold">Chat relay vs bare forwarder</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${escape(subtitle)}</text>`,
    legend(PANEL.left, 58, halfRuns.length > 0),
    panel(0, TOP, peakRuns, counts, {
      title: 'Throughput (higher is better)',
      yLabel: 'messages delivered per second',
      value: (run) => run.msgsPerSec,
      format: compact,
      extras: [],
    }),
    panel(PANEL.width, TOP, peakRuns, counts, {
      title: 'p99 latency (lower is better)',
      yLabel: 'p99 latency (ms)',
      value: (run) => run.latencyMs.p99,
      format: ms,
      extras: halfRuns,
      target,
    }),
    '</svg>',
    '',
  ].join('\n');
}
