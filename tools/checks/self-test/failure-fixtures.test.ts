// The pinned failure text (tools/checks/self-test/failure-fixtures.ts) leaves out what changes from
// run to run, and a line seen to vary matches any text with its label, nothing else.
import { describe, test } from 'vitest';
import { matchesPinned, mergeRuns, normalise, variantDiff } from './failure-fixtures.ts';

// As variantFailureText shapes them: quoted text and numbers already left out.
const run = (got: string) =>
  [
    '=== one buffer for every client',
    "  ✗ the server keeps each client's message apart 0/3",
    '      Expected: the reply "…" (N bytes)',
    `      Got:      ${got}`,
    '      Hint: Create the list of chunks inside the connection handler.',
  ].join('\n');

describe('pinned failure text', () => {
  test("ports, times, seeds, paths and Node's own stack frames become placeholders", ({ expect }) => {
    const text =
      'connect ECONNREFUSED 127.0.0.1:40117 (waited 2000 ms, seed -1234) at /tmp/x/labs/01-echo/server.ts:3:9\n' +
      '    at TCP.onStreamRead (node:internal/stream_base_commons:218:20)\nNode.js v22.12.0';
    expect(normalise(text, '/tmp/x')).toBe(
      'connect ECONNREFUSED 127.0.0.1:<port> (waited <time>, seed <n>) at <target>/labs/01-echo/server.ts:<line>\n' +
        '    at <node internals>\nNode.js v<version>',
    );
  });

  test('a line two grades disagree on is pinned by its label and matches any text under that label only', ({
    expect,
  }) => {
    const pinned = mergeRuns(
      run('"…" (N bytes): yours has N extra bytes at the end'),
      run('"…" (N bytes): they differ from byte N on'),
    );
    expect(pinned).toContain('      Got: (varies from run to run)');
    expect(pinned).toContain('      Expected: the reply "…" (N bytes)');
    expect(matchesPinned(pinned, run('anything at all'))).toBe(true);
    expect(matchesPinned(pinned, run('x').replace('Hint: Create', 'Hint: Make'))).toBe(false);
    expect(matchesPinned(pinned, run('x').replace('      Got:      x\n', ''))).toBe(false);
  });

  test("a Got line that differs only warns (variantDiff): a buggy program's output may depend on timing", ({
    expect,
  }) => {
    const pinned = new Map([['v', run('"…" (N bytes): yours has N extra bytes at the end')]]);
    expect(variantDiff(pinned, 'v', run('"…" (N bytes): they differ from byte N on'))).toEqual({
      failure: '',
      warning: expect.stringContaining('they differ'),
    });
    expect(
      variantDiff(
        pinned,
        'v',
        run('"…" (N bytes): yours has N extra bytes at the end').replace('Hint: Create', 'Hint: Make'),
      ).failure,
    ).toMatch(/^variant "v" now fails with other text:\n.*- .*Hint: Create/s);
  });
});
