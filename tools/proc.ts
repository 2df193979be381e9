// Processes and process groups, for the grader, the benchmark and the tests: stopping a
// group, waiting for it to end, and what Linux's /proc says (the processes a program left
// behind, a server's workers, what they cost). Where /proc does not exist (macOS), group
// checks ask the kernel instead and the /proc readers find nothing.
import { spawnSync } from 'node:child_process';
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

const hasProc = existsSync('/proc/self/stat');

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

/**
 * SIGKILL (or `signal`) to every process of the group; false if the group was empty already.
 * Windows has no process groups: there the leader's whole tree is ended with taskkill.
 */
export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  if (process.platform === 'win32') return killTree(pgid);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already empty
  }
}

/**
 * True while a process of the group is alive. Zombies (dead, waiting to be reaped, which
 * may never happen when the sandbox's init does not reap) do not count. Reads /proc where
 * there is one (Linux); elsewhere asks the kernel, zombies included.
 */
export function groupAlive(pgid: number): boolean {
  if (hasProc) return allProcesses().some((stat) => stat.pgrp === pgid && stat.state !== 'Z');
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, 0); // Windows: the leader stands for its tree
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGKILL to one process (on Windows, with taskkill, to it and every process it started);
 * false if it was gone already.
 */
export function killTree(pid: number): boolean {
  if (process.platform === 'win32') return spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).status === 0;
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for the group to end (no event tells when a grandchild has); true if it did. */
export async function groupEnds(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
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
