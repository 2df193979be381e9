// Processes and process groups, for the grader, the benchmark and the tests: stopping a
// group, waiting for it to end, and what the system says about processes (the ones a program
// left behind, a server's workers, what they cost). Three sources, one per kind of system:
// Linux's /proc; ps elsewhere on Unix (macOS), which prints the same facts; and on Windows,
// which has neither, PowerShell's process list (slow, about a second, so only for the tests'
// occasional questions; the bench does not sample memory there).
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

export type ProcessSource = 'proc' | 'ps' | 'windows';
export const PROCESS_SOURCE: ProcessSource = existsSync('/proc/self/stat')
  ? 'proc'
  : process.platform === 'win32'
    ? 'windows'
    : 'ps';
const hasProc = PROCESS_SOURCE === 'proc';

/** "[DD-][HH:]MM:SS[.ss]", ps's CPU time (procps and BSD ps write it differently), in seconds. */
export function psSeconds(text: string): number {
  const [days, clock] = text.includes('-') ? text.split('-') : ['0', text];
  return Number(days) * 86_400 + clock.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** Rows of `ps -o pid=,ppid=,pgid=,stat=,time=,rss=` for `selection` (e.g. -A, or -p 1,2). */
export function psProcesses(selection: string[]): Array<ProcStat & { rssBytes: number }> {
  const run = spawnSync('ps', [...selection, '-o', 'pid=,ppid=,pgid=,stat=,time=,rss='], { encoding: 'utf8' });
  if (run.error || typeof run.stdout !== 'string') return [];
  return run.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 6)
    .map(([pid, ppid, pgrp, stat, time, rss]) => ({
      pid: Number(pid),
      state: stat[0],
      ppid: Number(ppid),
      pgrp: Number(pgrp),
      cpuSeconds: psSeconds(time),
      rssBytes: Number(rss) * 1024,
    }));
}

/** Windows: every process with its parent and CPU time, from PowerShell (no zombies there). */
function windowsProcesses(): ProcStat[] {
  const script =
    "Get-CimInstance Win32_Process | ForEach-Object { '{0} {1} {2}' -f $_.ProcessId, $_.ParentProcessId, ($_.UserModeTime + $_.KernelModeTime) }";
  const run = spawnSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], {
    encoding: 'utf8',
    windowsHide: true,
  });
  if (run.error || typeof run.stdout !== 'string') return [];
  return run.stdout
    .split(/\r?\n/)
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length === 3)
    .map(([pid, ppid, time]) => ({
      pid: Number(pid),
      state: 'R',
      ppid: Number(ppid),
      pgrp: 0,
      cpuSeconds: Number(time) / 1e7, // 100 ns units
    }));
}

/** USER_HZ, the unit of /proc's CPU times: 100 on every Linux a student is likely to run. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The process's state, parent, group and CPU time, or undefined once it has ended. */
export function procStat(pid: number): ProcStat | undefined {
  if (PROCESS_SOURCE === 'ps') return psProcesses(['-p', String(pid)])[0];
  if (PROCESS_SOURCE === 'windows') return windowsProcesses().find((stat) => stat.pid === pid);
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
  if (PROCESS_SOURCE === 'ps') return psProcesses(['-A']);
  if (PROCESS_SOURCE === 'windows') return windowsProcesses();
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => procStat(Number(entry)))
    .filter((stat) => stat !== undefined);
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
  if (process.platform === 'win32')
    return (
      spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).status === 0
    );
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
  if (PROCESS_SOURCE === 'windows') {
    try {
      process.kill(pid, 0); // Windows has no zombies: a process that exists runs
      return true;
    } catch {
      return false;
    }
  }
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** The live processes the process started itself (not their own children). */
export function childrenOf(pid: number): number[] {
  return allProcesses()
    .filter((stat) => stat.ppid === pid && stat.state !== 'Z')
    .map((stat) => stat.pid);
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

/**
 * Live processes whose environment holds `name=value`, this one aside: Linux reads
 * /proc/PID/environ, macOS asks `ps -E` (the user's own processes, which is all a sandbox
 * without root starts). Windows shows no process's environment: none are found there.
 */
export function processesWithVariable(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  if (PROCESS_SOURCE === 'ps') {
    if (process.platform !== 'darwin') return [];
    const run = spawnSync('ps', ['-A', '-E', '-ww', '-o', 'pid=,command='], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error || typeof run.stdout !== 'string') return [];
    // Each line: the pid, the command line, then the environment, all separated by spaces.
    return run.stdout
      .split('\n')
      .filter((line) => `${line} `.includes(` ${needle} `))
      .map((line) => Number(line.trim().split(' ')[0]))
      .filter((pid) => pid !== process.pid);
  }
  if (!hasProc) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(needle)) pids.push(Number(entry));
    } catch {
      // Not ours, or gone.
    }
  }
  return pids;
}
