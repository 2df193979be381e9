// docs/protocol.md as a contract, across workers: lines, commands, names and LIST (see
// conformance-load.test.ts for the others). The same suite as lab 05's, on two workers.
import { describe } from 'vitest';
import { registerConformanceTests } from '../support/protocol-conformance.ts';
import { startStudentCluster } from './start.ts';
import lab from './lab.ts';

describe(lab.title, () => {
  registerConformanceTests(
    lab.tests,
    async (t, options) => (await startStudentCluster(t, 2, options)).port,
    ['conformLines', 'conformCommands', 'conformNames', 'conformList', 'conformQuitQueued'],
    { crossProcess: true },
  );
});
