// What a bench run finds, as written to results.json and drawn in chart.svg.
import type { LatencySummary } from './stats.ts';

export type ServerKind = 'relay' | 'forwarder' | 'redis';

export interface RunResult {
  server: ServerKind;
  clients: number;
  /** "peak": as fast as the window allows; "half": paced at half the relay's peak rate. */
  pace: 'peak' | 'half';
  /** Paced runs: the messages per second asked for. */
  targetRate?: number;
  messages: number;
  seconds: number;
  msgsPerSec: number;
  /** Megabytes (10^6) per second of delivered lines, "\n" included. */
  mbPerSec: number;
  latencyMs: LatencySummary;
  /** Relay only: OK SEND replies counted (every one should arrive). */
  okSends: number;
  /** Highest RSS of the server's whole process tree during the run, in MB (10^6 bytes). */
  peakRssMb: number;
  /** CPU the server's process tree used during the run, in cores (1.0 = one core busy). */
  serverCpu: number;
  /** CPU the load generator (the bench process) used during the run, in cores. */
  loadCpu: number;
  /** Server CPU time per delivered message, in microseconds, all its processes. */
  cpuUsPerMsg: number;
  /** The same for the server's first process alone: lab 06's primary, the owner of the names. */
  rootCpuUsPerMsg: number;
  /** Messages in flight per client: 1 is one message at a time. */
  window: number;
  /** Comparison runs: which server, in words ("lab 06, 2 workers"). */
  label?: string;
  /** Relay only: its figures over the forwarder's in the same conditions. */
  ratioToCeiling?: { msgsPerSec: number; p99: number };
}

export interface IdleResult {
  held: number;
  /** Connecting and registering every client (NAME, then OK NAME), in seconds. */
  connectSeconds: number;
  /** How long a fresh client waited for the answer to LIST, in ms. */
  listMs: number;
  /** Whether LIST got its NAMES line: the check of idle mode. */
  listAnswered: boolean;
  /** "NAMES with N names", or the line the relay answered instead. */
  listReply: string;
  listedNames: number;
  /** Held clients whose connection the relay had closed by the end: should be 0. */
  dropped: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

export interface BenchResults {
  command: string;
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  lab: string;
  target: string;
  relayFile: string;
  settings: { clientCounts: number[]; messagesPerClient: number; size: number; window: number; workers?: number };
  runs: RunResult[];
  halfRate?: {
    clients: number;
    rate: number;
    relayP99: number;
    forwarderP99: number;
    targetP99Ms: number;
    met: boolean;
  };
  idle?: IdleResult;
}
