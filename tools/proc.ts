// What Linux's /proc says about processes: the grader, the benchmark and the tests use it to
// find the processes a program left behind, a server's workers, and what they cost.
// Elsewhere (macOS) /proc does not exist: callers check hasProc first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R running, S sleeping, Z zombie (dead, not yet reaped)... */
  state: string;
  ppid: number;
  pgrp: number;
  /** CPU time used, user + system, in seconds. */
  cpuSeconds: number;
}

export const hasProc = existsSync('/proc/self/stat');

/** USER_HZ, the unit of /proc's CPU times: 100 on every Linux a student is likely to run. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The process's /proc/PID/stat, or undefined once it has ended. */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after the last ')'.
  // From there, state is field 0, ppid 1, pgrp 2, utime 11, stime 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0],
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
  };
}

/** Every process there is now, zombies included. */
export function allProcesses(): ProcStat[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map((entry) => procStat(Number(entry))).filter((stat) => stat !== undefined);
}

/** True while a live (not zombie) process belongs to the process group. */
export function groupAlive(pgid: number): boolean {
  return allProcesses().some((stat) => stat.pgrp === pgid && stat.state !== 'Z');
}

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** The live processes the process started itself (not their own children). */
export function childrenOf(pid: number): number[] {
  return allProcesses().filter((stat) => stat.ppid === pid && stat.state !== 'Z').map((stat) => stat.pid);
}

/** The process and all its descendants, zombies left out. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const stat of allProcesses()) {
    if (stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}
