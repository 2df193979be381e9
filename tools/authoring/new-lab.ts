// npm run new-lab -- NN topic: scaffolds lab NN-topic so that `npm test -- NN` passes at
// once: a handout with its "What is graded" markers, a solution with one region, lab.ts,
// a first graded test, a catalog of three buggy variants, the starter and the README's row.
// The author then replaces the example (a server that greets each client) with the lab.
// docs/adding-a-lab.md walks through it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverLabs, LAB_FOLDER, REPO_ROOT } from '../grader/lab.ts';
import { generate } from './starters.ts';

const USAGE =
  'usage: npm run new-lab -- NN topic   (e.g. npm run new-lab -- 07 file-transfer: two digits, then lowercase words joined by -)';

/** The files of a new lab, by path relative to the repository. */
export function scaffold(number: string, topic: string): Map<string, string> {
  const slug = `${number}-${topic}`;
  const title = topic
    .split('-')
    .map((word, i) => (i === 0 ? word[0].toUpperCase() + word.slice(1) : word))
    .join(' ');
  const section = 'Task 1: the server';
  const files = new Map<string, string>();

  files.set(
    `solutions/${slug}/README.md`,
    `# Lab ${number}: ${title}

This lab's handout: what students build and learn, taught step by step. The scaffold's
example is a server that greets every client with one line and closes the connection; replace
it with your lab (docs/adding-a-lab.md says how).

## ${section}

Fill in \`startServer\` in \`labs/${slug}/server.ts\`. It listens on the host and port it is
given (port 0: any free port) and resolves with the server once it listens. To every client
that connects it sends \`hello\\n\` and then closes the connection; it goes on listening for the
next client.

## What is graded

<!-- graded-tests:begin -->
<!-- graded-tests:end -->
`,
  );

  files.set(
    `solutions/${slug}/server.ts`,
    `// Lab ${number} server: greets every client with one line, closes the connection, and goes on
// listening for the next client.
//
// Run it:  node --import tsx labs/${slug}/server.ts   (then: npm run nc -- 127.0.0.1 5000)
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const GREETING = 'hello\\n';

/** Starts listening on host:port (port 0: any free port); resolves with the server once it listens. */
export function startServer({ host = '127.0.0.1', port = 5000 }: { host?: string; port?: number } = {}): Promise<net.Server> {
  // BEGIN SOLUTION "${section}"
  const server = net.createServer((socket) => {
    socket.on('error', () => {}); // a client that resets must not crash the server
    socket.end(GREETING);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
  // END SOLUTION
}

// Only when run as a program: the tests import this file and must not start a server.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startServer();
  console.log(\`listening on \${JSON.stringify(server.address())}\`);
}
`,
  );

  files.set(
    `tests/${slug}/lab.ts`,
    `import { defineLab } from '../../tools/grader/lab.ts';

const SERVER = '${section}';

export default defineLab({
  slug: '${slug}',
  title: '${title}',
  summary: 'One line for the README: what students learn in this lab.',
  // The labs whose code this lab's solution imports, e.g. ['02-framing'] (npm test checks).
  requires: [],
  tests: {
    greets: {
      name: 'the server sends "hello" to a client and closes the connection',
      points: 3,
      hint: 'End each accepted socket with the greeting: socket.end(GREETING).',
      section: SERVER,
    },
    keepsListening: {
      name: 'the server keeps listening: two clients in a row each get the greeting',
      points: 2,
      hint: "Close each client's socket, never the listening server.",
      section: SERVER,
    },
  },
});
`,
  );

  files.set(
    `tests/${slug}/server.test.ts`,
    `import { describe } from 'vitest';
import { graded, type Trace } from '../support/graded.ts';
import { LOOPBACK, Peer, superviseServer } from '../support/net.ts';
import { show } from '../../tools/shared/bytes.ts';
import lab from './lab.ts';

// Long enough for a loaded machine; it only costs time when the reply never comes.
const REPLY_MS = 5000;
const GREETING = Buffer.from('hello\\n');

/** Starts the student's server on 127.0.0.1, port 0, in the test's sandbox; returns its port. */
async function startServer(t: Trace): Promise<number> {
  // Loaded on every call, never at the top of the file: one test process grades several targets.
  const { startServer } = await t.lab<typeof import('../../labs/${slug}/server.ts')>('${slug}', 'server.ts');
  t.step(\`started your server: startServer({ host: "\${LOOPBACK}", port: 0 })\`);
  const server = await t.within(
    startServer({ host: LOOPBACK, port: 0 }),
    REPLY_MS,
    'startServer to resolve once the server is listening',
    () => 'its promise has not settled',
  );
  return (await superviseServer(t, server)).port;
}

async function expectGreeting(t: Trace, port: number, label: string): Promise<void> {
  const peer = await Peer.connect(t, port, label);
  const reply = await peer.readToEnd(REPLY_MS, \`\${show(GREETING)} and the connection closed\`);
  t.step(\`\${show(reply)} came back to \${label}\`);
  t.check(reply.equals(GREETING), \`the greeting \${show(GREETING)}\`, () => show(reply));
}

describe(lab.title, () => {
  graded(lab.tests.greets, async (t) => {
    await expectGreeting(t, await startServer(t), 'a test client');
  });

  graded(lab.tests.keepsListening, async (t) => {
    const port = await startServer(t);
    await expectGreeting(t, port, 'client 1');
    await expectGreeting(t, port, 'client 2');
  });
});
`,
  );

  files.set(
    `tests/${slug}/buggy-variants.ts`,
    `// Classic mistakes of lab ${number}, each caught by the tests named in caughtBy (npm run prove checks).
// Instructors only: the student copy leaves this file out.
import { defineVariants } from '../../tools/checks/variants.ts';
import lab from './lab.ts';

const GREET = 'socket.end(GREETING);';

export default defineVariants(lab, [
  {
    name: 'never closes the connection',
    mistake: 'Writes the greeting but never ends the socket: the client waits for the end forever.',
    file: 'server.ts',
    find: GREET,
    replace: 'socket.write(GREETING);',
    caughtBy: ['greets', 'keepsListening'],
  },
  {
    name: 'forgets the line end',
    mistake: 'Sends "hello" without its "\\\\n": a client reading lines never sees the greeting.',
    file: 'server.ts',
    find: GREET,
    replace: "socket.end('hello');",
    caughtBy: ['greets'],
  },
  {
    name: 'stops listening after the first client',
    mistake: "Closes the listening server along with the first client's socket.",
    file: 'server.ts',
    find: GREET,
    replace: \`\${GREET}\\n    server.close();\`,
    caughtBy: ['keepsListening'],
  },
]);
`,
  );
  return files;
}

async function main(): Promise<void> {
  const [number, topic, ...rest] = process.argv.slice(2);
  if (!number || !topic || rest.length > 0 || !/^\d\d$/.test(number) || !LAB_FOLDER.test(`${number}-${topic}`))
    throw new Error(USAGE);
  const slug = `${number}-${topic}`;
  const taken = (await discoverLabs()).find((lab) => lab.slug.startsWith(`${number}-`));
  if (taken) throw new Error(`lab ${number} exists already (${taken.slug}): pick another number`);
  for (const dir of ['solutions', 'labs', 'tests']) {
    if (existsSync(join(REPO_ROOT, dir, slug)))
      throw new Error(`${dir}/${slug} exists already: remove it or pick another topic`);
  }
  const written = new Set<string>();
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(REPO_ROOT, path)), { recursive: true });
    writeFileSync(join(REPO_ROOT, path), content);
    written.add(path);
  };
  for (const [path, content] of scaffold(number, topic)) write(path, content);
  // The starter, the handout's table and the README's row, as `npm run starters` writes them
  // (only this lab's files: other labs' starters may hold edits of the author's).
  const generated = generate(await discoverLabs());
  for (const [path, content] of generated.files) {
    if (path === 'README.md' || path.startsWith(`labs/${slug}/`) || path === `solutions/${slug}/README.md`)
      write(path, content);
  }
  console.log(`scaffolded lab ${slug}:\n${[...written].map((path) => `  ${path}`).join('\n')}`);
  console.log(`\nNext: npm test -- ${number} (it passes as it is), then make the lab yours: docs/adding-a-lab.md.`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
