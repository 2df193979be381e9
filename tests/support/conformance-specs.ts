// The graded tests of the protocol conformance suite (protocol-conformance.ts), as TestSpecs
// a lab's lab.ts spreads into its tests. Kept apart from the suite so lab.ts, which the
// grader's tools import, does not pull in vitest.
import type { TestSpec } from '../../tools/grader/lab.ts';

/** Where each group of rules is taught in the lab's handout. */
export interface ConformanceSections {
  lines: string;
  commands: string;
  names: string;
  list: string;
  slowReaders: string;
  liveness: string;
  fairness: string;
}

export function conformanceTests(sections: ConformanceSections) {
  return {
    conformLines: {
      name: 'protocol: a line of 1024 bytes is answered, one of 1025 or invalid UTF-8 gets ERR bad-line and the close, \\r\\n works, and no server line passes 2048 bytes',
      points: 3,
      hint: 'docs/protocol.md, "Lines" and "Errors": decode with MessageDecoder(MAX_LINE_BYTES), answer the lines before a bad one, then close with ERR bad-line.',
      section: sections.lines,
    },
    conformCommands: {
      name: 'protocol: every command and every error of the tables gets its exact reply, and the connection stays open or closes as the document says',
      points: 4,
      hint: 'docs/protocol.md, "Commands" and "Errors": compare each reply of yours with the tables, field by field.',
      section: sections.commands,
    },
    conformNames: {
      name: 'protocol: names of 1 to 16 allowed characters, case-sensitive, one connection each, free again however the connection ends',
      points: 3,
      hint: 'docs/protocol.md, "Names": release the name on QUIT, close, reset and cut-off alike.',
      section: sections.names,
    },
    conformQuitQueued: {
      name: 'protocol: QUIT while lines still wait for the client gets every one of them, then BYE, then the close; a reset right after QUIT costs nobody else anything',
      points: 2,
      hint: 'docs/protocol.md, "Commands": after QUIT, answer no more lines, but let what is queued go out first (end(), not destroy(); no write after end(), not even the empty one of a backpressure wait), and keep listening for errors until the socket is gone.',
      section: sections.lines, // where the receive loop is written
      timeoutMs: 30_000,
    },
    conformList: {
      name: 'protocol: LIST answers in NAMES lines of at most 2048 bytes, each but the last ending in "...", and a list longer than the cut-off never cuts off the asker',
      points: 3,
      hint: "Send every line namesLines(table.list()) gives for LIST. The asker's own replies never cut it off: mark them (client.answering) and let backpressure bound them.",
      section: sections.list,
      timeoutMs: 60_000,
    },
    conformSlowReaders: {
      name: 'protocol: a client that does not read is cut off with ERR too-slow after whole lines, also if it reads only after its idle timeout; its name is free at once, also at an idle cut-off with lines still waiting for it; no OK SEND, and no count in OK ALL, for a message that was not queued',
      points: 3,
      hint: 'docs/protocol.md, "Limits that protect everyone": when a message cuts its recipient off, the sender gets ERR unknown-name, not OK SEND, and OK ALL does not count that recipient. Once a client is cut off, write nothing more to it, not its PING, not a second end(): a write after end() destroys the socket, and the lines still queued for it are lost. Free the name at the cut-off itself (too slow or idle), not when the connection ends: that can take the whole grace period.',
      section: sections.slowReaders,
      timeoutMs: 30_000,
    },
    conformLiveness: {
      name: 'protocol: a silent client gets PING, any line keeps it, PONG gets no reply, PING gets PONG, and a client that stays silent is cut off with ERR idle-timeout and loses its name',
      points: 3,
      hint: 'docs/protocol.md, "Liveness": one timer per client, restarted by every line; on expiry send PING, on the next expiry cut off.',
      section: sections.liveness,
      timeoutMs: 20_000,
    },
    conformFairness: {
      name: 'protocol: a client pipelining ALL to hundreds of clients does not stall a pair of other clients chatting',
      points: 3,
      hint: 'docs/protocol.md, "Fairness": count the work done for one client; past TURN_BUDGET, await a setImmediate before its next line.',
      section: sections.fairness,
      timeoutMs: 60_000,
    },
  } satisfies Record<string, TestSpec>;
}

export type ConformanceTests = ReturnType<typeof conformanceTests>;
