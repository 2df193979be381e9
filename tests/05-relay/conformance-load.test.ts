// docs/protocol.md as a contract: the slow readers, liveness and fairness rules (see
// conformance.test.ts for the others).
import { describe } from 'vitest';
import { registerConformanceTests } from '../support/protocol-conformance.ts';
import { startStudentRelay } from './start.ts';
import lab from './lab.ts';

describe(lab.title, () => {
  registerConformanceTests(lab.tests, async (t, options) => (await startStudentRelay(t, options)).port, [
    'conformSlowReaders',
    'conformLiveness',
    'conformFairness',
  ]);
});
