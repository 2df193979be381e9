// docs/protocol.md as a contract, across workers: slow readers, liveness and fairness (see
// conformance.test.ts for the others).
import { describe } from 'vitest';
import { registerConformanceTests } from '../support/protocol-conformance.ts';
import { startStudentCluster } from './start.ts';
import lab from './lab.ts';

describe(lab.title, () => {
  registerConformanceTests(
    lab.tests,
    async (t, options) => (await startStudentCluster(t, 2, options)).port,
    ['conformSlowReaders', 'conformLiveness', 'conformFairness'],
    { crossProcess: true },
  );
});
