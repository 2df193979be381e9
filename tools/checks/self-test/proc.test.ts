// tools/shared/proc.ts on every system: the same answers from /proc (Linux), ps (macOS, and checked
// against /proc here on Linux) and PowerShell (Windows), about a child this test starts.
import { describe, expect, test } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  childrenOf,
  isRunning,
  PROCESS_SOURCE,
  processesWithVariable,
  procStat,
  psProcesses,
  psSeconds,
} from '../../shared/proc.ts';

const hasPs = !spawnSync('ps', ['-p', String(process.pid)]).error;

/** A child that waits for its stdin to close, with a variable that marks it. */
function sleeper(marker: string) {
  const child = spawn(
    process.execPath,
    ['-e', 'process.stdin.resume(); process.stdin.on("end", () => process.exit(0))'],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, PROC_SELF_TEST: marker },
      windowsHide: true,
    },
  );
  return child;
}

describe('tools/shared/proc.ts', () => {
  test("reads ps's CPU time as procps (Linux) and BSD ps (macOS) write it", () => {
    expect(psSeconds('00:00:07')).toBe(7);
    expect(psSeconds('1-02:03:04')).toBe(93_784);
    expect(psSeconds('0:01.50')).toBe(1.5);
    expect(psSeconds('12:34.00')).toBe(754);
  });

  test('finds a child: its parent, that it runs, and then that it has ended', async () => {
    const marker = `${process.pid}-${Date.now()}`;
    const child = sleeper(marker);
    try {
      await once(child, 'spawn');
      const pid = child.pid!;
      expect(isRunning(pid)).toBe(true);
      expect(childrenOf(process.pid)).toContain(pid);
      expect(procStat(pid)?.ppid).toBe(process.pid);
      // Windows shows no process's environment: there nothing carries the marker.
      expect(processesWithVariable('PROC_SELF_TEST', marker)).toEqual(PROCESS_SOURCE === 'windows' ? [] : [pid]);
    } finally {
      child.stdin.end();
      await once(child, 'close');
    }
    expect(isRunning(child.pid!)).toBe(false);
  });

  // Skipped where there is no ps: Windows, and minimal Linux images, which read /proc anyway.
  test.skipIf(!hasPs)('ps gives what /proc gives (ps is the source on macOS)', () => {
    const [self] = psProcesses(['-p', String(process.pid)]);
    expect(self).toMatchObject({ pid: process.pid, ppid: process.ppid });
    expect(self.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    if (PROCESS_SOURCE === 'proc') expect(self.pgrp).toBe(procStat(process.pid)!.pgrp);
    expect(psProcesses(['-A']).some((stat) => stat.pid === process.pid)).toBe(true);
  });
});
