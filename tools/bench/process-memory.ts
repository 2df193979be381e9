// How much memory and CPU a server uses: the resident set (RSS) and CPU time of its whole
// process tree, so that a relay spread over worker processes (lab 06) is charged for every
// one of them. Read from /proc (Linux), which is cheap enough to sample every 50 ms.
import { readdirSync, readFileSync } from 'node:fs';

const SAMPLE_EVERY_MS = 50;
/** Look for new processes in the tree (lab 06's workers) every 20 samples, once a second. */
const TREE_EVERY_SAMPLES = 20;

/** The process and all its descendants, found through the parent pid in /proc/PID/stat. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const siblings = children.get(ppid) ?? [];
      siblings.push(Number(entry));
      children.set(ppid, siblings);
    } catch {
      // ended while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
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

/** CPU time (user + system) one process has used, in seconds; 0 once it has ended. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is the 1st, utime the 12th, stime the 13th (clock ticks).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** USER_HZ: 100 on every Linux a student is likely to run. */
const CLOCK_TICKS_PER_SECOND = 100;

export function treeRssBytes(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + rssOf(pid), 0);
}

/**
 * Samples the tree's RSS every 50 ms until stop(), which returns the highest seen and the CPU
 * seconds the tree used meanwhile. Finding the tree reads every process's stat (over a
 * millisecond, during which the bench's own clients wait), so it is done once a second;
 * between, only the known processes are read.
 */
export function sampleServer(root: number): { stop(): { peakRssBytes: number; cpuSeconds: number } } {
  let tree = processTree(root);
  const cpuAtStart = new Map(tree.map((pid) => [pid, cpuSecondsOf(pid)]));
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
      for (const pid of tree) cpuLastSeen.set(pid, cpuSecondsOf(pid));
      const cpuSeconds = [...cpuLastSeen].reduce((sum, [pid, now]) => sum + Math.max(0, now - (cpuAtStart.get(pid) ?? 0)), 0);
      return { peakRssBytes: peak, cpuSeconds };
    },
  };
}
