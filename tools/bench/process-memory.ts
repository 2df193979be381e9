// How much memory and CPU a server uses: the resident set (RSS) and CPU time of its whole
// process tree, so that a relay spread over worker processes (lab 06) is charged for every
// one of them. Read from /proc (Linux), which is cheap enough to sample every 50 ms.
import { readFileSync } from 'node:fs';
import { procStat, processTree } from '../proc.ts';

const SAMPLE_EVERY_MS = 50;
/** Look for new processes in the tree (lab 06's workers) every 20 samples, once a second. */
const TREE_EVERY_SAMPLES = 20;

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
  return processTree(root).reduce((sum, pid) => sum + rssOf(pid), 0);
}

/**
 * Samples the tree's RSS every 50 ms until stop(), which returns the highest seen and the CPU
 * seconds the tree used meanwhile. Finding the tree reads every process's stat (over a
 * millisecond, during which the bench's own clients wait), so it is done once a second;
 * between, only the known processes are read.
 */
export function sampleServer(root: number): { stop(): { peakRssBytes: number; cpuSeconds: number; rootCpuSeconds: number } } {
  let tree = processTree(root);
  const cpuAtStart = new Map(tree.map((pid) => [pid, (procStat(pid)?.cpuSeconds ?? 0)]));
  const cpuLastSeen = new Map<number, number>();
  let peak = 0;
  let samples = 0;
  const sample = () => {
    if (samples++ % TREE_EVERY_SAMPLES === 0) tree = processTree(root);
    peak = Math.max(peak, tree.reduce((sum, pid) => sum + rssOf(pid), 0));
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
      // The root alone: lab 06's primary, the owner of the names.
      const rootCpuSeconds = Math.max(0, (cpuLastSeen.get(root) ?? 0) - (cpuAtStart.get(root) ?? 0));
      return { peakRssBytes: peak, cpuSeconds, rootCpuSeconds };
    },
  };
}
