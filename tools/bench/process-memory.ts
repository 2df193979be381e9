// How much memory and CPU a server uses: the resident set (RSS) and CPU time of its whole
// process tree, so that a relay spread over worker processes (lab 06) is charged for every
// one of them. Read from /proc on Linux, cheap enough to sample every 50 ms; from one ps per
// sample on macOS, which costs more, so every 250 ms there. Windows offers no cheap reading:
// there the figures are NaN, which the table shows as "n/a".
import { readFileSync } from 'node:fs';
import { PROCESS_SOURCE, procStat, processTree, psProcesses } from '../proc.ts';

const SAMPLE_EVERY_MS = PROCESS_SOURCE === 'proc' ? 50 : 250;
/** Look for new processes in the tree (lab 06's workers) about once a second. */
const TREE_EVERY_SAMPLES = 1000 / SAMPLE_EVERY_MS;
/** False where memory and CPU cannot be read cheaply (Windows). */
export const CAN_MEASURE = PROCESS_SOURCE !== 'windows';

/** The resident set of these processes together, in bytes (ended ones count 0). */
function rssOfAll(pids: number[]): number {
  if (PROCESS_SOURCE === 'ps') return psProcesses(['-p', pids.join(',')]).reduce((sum, stat) => sum + stat.rssBytes, 0);
  return pids.reduce((sum, pid) => sum + rssOf(pid), 0);
}

/** VmRSS of one process in bytes; 0 once it has ended (or is a zombie, which has none). */
function rssOf(pid: number): number {
  try {
    const kilobytes = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)?.[1];
    return kilobytes === undefined ? 0 : Number(kilobytes) * 1024;
  } catch {
    return 0;
  }
}

export function treeRssBytes(root: number): number {
  return CAN_MEASURE ? rssOfAll(processTree(root)) : NaN;
}

/**
 * Samples the tree's RSS every 50 ms until stop(), which returns the highest seen and the CPU
 * seconds the tree used meanwhile. Finding the tree reads every process's stat (over a
 * millisecond, during which the bench's own clients wait), so it is done once a second;
 * between, only the known processes are read.
 */
export function sampleServer(root: number): { stop(): { peakRssBytes: number; cpuSeconds: number } } {
  if (!CAN_MEASURE) return { stop: () => ({ peakRssBytes: NaN, cpuSeconds: NaN }) };
  let tree = processTree(root);
  const cpuAtStart = new Map(tree.map((pid) => [pid, (procStat(pid)?.cpuSeconds ?? 0)]));
  const cpuLastSeen = new Map<number, number>();
  let peak = 0;
  let samples = 0;
  const sample = () => {
    if (samples++ % TREE_EVERY_SAMPLES === 0) tree = processTree(root);
    peak = Math.max(peak, rssOfAll(tree));
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      // A process that started during the run (a replacement worker) started from 0.
      for (const pid of tree) cpuLastSeen.set(pid, (procStat(pid)?.cpuSeconds ?? 0));
      const cpuSeconds = [...cpuLastSeen].reduce((sum, [pid, now]) => sum + Math.max(0, now - (cpuAtStart.get(pid) ?? 0)), 0);
      return { peakRssBytes: peak, cpuSeconds };
    },
  };
}
