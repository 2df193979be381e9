// The terminal table. Columns have fixed widths so that each row can be printed the moment
// its run ends: a long benchmark shows its results as they come.
import type { IdleResult, RunResult } from './results.ts';

interface Column {
  title: string;
  width: number;
  cell: (run: RunResult) => string;
}

/** 1.234, 12.3, 123: about three significant digits, as much as a latency can claim. */
function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

function serverLabel(run: RunResult): string {
  const name = run.label ?? run.server;
  return run.pace === 'half' ? `${name} (½ rate)` : name;
}

function versusCeiling(run: RunResult): string {
  if (run.server === 'forwarder') return 'ceiling';
  if (!run.ratioToCeiling) return '';
  const { msgsPerSec, p99 } = run.ratioToCeiling;
  // At a paced rate both servers deliver what is asked: only the latency ratio says anything.
  return run.pace === 'half' ? `${p99.toFixed(1)}× p99` : `${msgsPerSec.toFixed(2)}× msgs/s, ${p99.toFixed(1)}× p99`;
}

/** A figure the system could not give (the server's memory and CPU on Windows) reads "n/a". */
function orNa(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

const COLUMNS: Column[] = [
  { title: 'server', width: 18, cell: serverLabel },
  { title: 'clients', width: 7, cell: (run) => String(run.clients) },
  { title: 'msgs/s', width: 10, cell: (run) => thousands(run.msgsPerSec) },
  { title: 'MB/s', width: 7, cell: (run) => run.mbPerSec.toFixed(1) },
  { title: 'p50 ms', width: 7, cell: (run) => ms(run.latencyMs.p50) },
  { title: 'p99 ms', width: 7, cell: (run) => ms(run.latencyMs.p99) },
  { title: 'max ms', width: 7, cell: (run) => ms(run.latencyMs.max) },
  { title: 'peak RSS MB', width: 11, cell: (run) => orNa(run.peakRssMb, 0) },
  // Cores busy: which side is the bottleneck (a server near 1.0 per process is saturated).
  { title: 'CPU srv/gen', width: 11, cell: (run) => `${orNa(run.serverCpu, 2)}/${run.loadCpu.toFixed(2)}` },
  // The server's CPU time per message, all its processes: what a message costs, whatever the cores.
  { title: 'µs/msg', width: 6, cell: (run) => orNa(run.cpuUsPerMsg, 1) },
  { title: '×ceiling', width: 0, cell: versusCeiling },
];

function row(cells: string[]): string {
  // The first column reads as text (left-aligned), the figures as numbers (right-aligned).
  return cells
    .map((cell, i) =>
      i === 0 || i === COLUMNS.length - 1 ? cell.padEnd(COLUMNS[i].width) : cell.padStart(COLUMNS[i].width),
    )
    .join('  ')
    .trimEnd();
}

export function tableHeader(): string {
  return row(COLUMNS.map((column) => column.title));
}

export function tableRow(run: RunResult): string {
  return row(COLUMNS.map((column) => column.cell(run)));
}

export function idleReport(idle: IdleResult): string[] {
  const mb = (value: number) => `${orNa(value, 0)} MB`;
  const perClientKb = ((idle.peakRssMb - idle.rssBeforeMb) * 1000) / idle.held;
  return [
    `idle: ${idle.held.toLocaleString('en-US')} clients connected and registered in ${idle.connectSeconds.toFixed(2)} s; ${idle.dropped} dropped by the relay`,
    idle.listAnswered
      ? `  a fresh client's LIST was answered in ${ms(idle.listMs)} ms: ${idle.listReply}`
      : `  CHECK FAILED: a fresh client's LIST got "${idle.listReply.slice(0, 100)}" instead of NAMES (after ${ms(idle.listMs)} ms)`,
    `  relay RSS: ${mb(idle.rssBeforeMb)} before, ${mb(idle.peakRssMb)} peak (about ${orNa(perClientKb, 1)} KB per idle client)`,
  ];
}
