// Loaded into every Node process of a server under test (NODE_OPTIONS=--import=...) where
// there is no /proc to read their CPU and memory from (macOS, Windows): each process writes its
// own figures, process.cpuUsage() and its RSS, to BENCH_REPORT_DIR/<pid>.json every 20 ms and
// as it exits. The bench reads them before and after each run (process-memory.ts). Plain
// JavaScript, so that it loads before tsx does.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_REPORT_DIR;
if (dir) {
  const file = join(dir, `${process.pid}.json`);
  const scratch = join(dir, `${process.pid}.tmp`);
  const report = () => {
    const { user, system } = process.cpuUsage();
    try {
      // Written aside, then renamed: a reader never sees half a file.
      writeFileSync(
        scratch,
        JSON.stringify({ pid: process.pid, cpuSeconds: (user + system) / 1e6, rssBytes: process.memoryUsage.rss() }),
      );
      renameSync(scratch, file);
    } catch {
      // the bench removed the folder: it has stopped reading
    }
  };
  report();
  setInterval(report, 20).unref();
  process.on('exit', report);
}
