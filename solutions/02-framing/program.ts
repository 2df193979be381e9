// PROVIDED, complete: not part of your work. The command-line part that the server
// programs of labs 02, 04, 05 and 06 share: read --host and --port (and any extra options),
// start the server, print "listening on HOST:PORT" (the real port, so --port 0 shows the
// one the OS chose), or explain in one line why it could not listen and exit with code 1.
import type net from 'node:net';
import { parseArgs } from 'node:util';
import { explainSocketError } from '../01-echo/errors.ts';

export interface ServerArgs {
  host: string;
  port: number;
  /** The extra options' values, by name. */
  extra: Record<string, string>;
}

export async function runServerProgram(start: (args: ServerArgs) => Promise<net.Server>, extraDefaults: Record<string, string> = {}): Promise<void> {
  const extraOptions = Object.fromEntries(Object.entries(extraDefaults).map(([name, value]) => [name, { type: 'string' as const, default: value }]));
  const { values } = parseArgs({
    options: { host: { type: 'string', default: '0.0.0.0' }, port: { type: 'string', default: '5000' }, ...extraOptions },
  });
  const host = String(values.host);
  const port = Number(values.port);
  const given = values as Record<string, string | undefined>;
  const extra = Object.fromEntries(Object.keys(extraDefaults).map((name) => [name, String(given[name])]));
  try {
    const server = await start({ host, port, extra });
    console.log(`listening on ${host}:${(server.address() as net.AddressInfo).port}`);
  } catch (error) {
    console.error(`error: ${explainSocketError(error, { host, port })}`);
    process.exitCode = 1;
  }
}
