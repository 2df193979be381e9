// npm run nc -- [-C] HOST PORT: a small line client that works everywhere Node does (Windows
// has no nc). What you type, or pipe in, goes to the server as it is; with -C each "\n"
// becomes "\r\n", as `nc -C` and telnet send. What the server sends is printed as it comes.
// At the end of input (Ctrl-D, Ctrl-Z then Enter on Windows, or the end of a pipe) it
// half-closes, as `nc -N` does, and exits once the server has closed its side too.
import net from 'node:net';
import { parseArgs } from 'node:util';
import { Transform } from 'node:stream';

const USAGE = 'usage: npm run nc -- [-C] HOST PORT   (for example: npm run nc -- 127.0.0.1 5000)';

function fail(message: string, code = 1): never {
  console.error(`error: ${message}`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { C: { type: 'boolean', short: 'C', default: false } } });
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`, 2);
}
const [host, portText] = parsed.positionals;
const port = Number(portText);
if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
  fail(`give a host and a port from 1 to 65535\n${USAGE}`, 2);

/** With -C, "\n" becomes "\r\n" (a "\r\n" already there stays as it is). */
const lineEndings = new Transform({
  transform(chunk: Buffer, _encoding, done) {
    done(null, parsed.values.C ? Buffer.from(chunk.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1') : chunk);
  },
});

const socket = net.connect({ host, port, allowHalfOpen: true });
socket.on('connect', () => process.stdin.pipe(lineEndings).pipe(socket)); // ends the socket (FIN) at the end of input
socket.on('data', (chunk: Buffer) => process.stdout.write(chunk));
socket.on('end', () => {
  process.stdin.unpipe();
  process.stdin.destroy(); // the server closed: nothing typed now would arrive
  socket.end();
});
socket.on('error', (error: NodeJS.ErrnoException) => {
  const reason =
    error.code === 'ECONNREFUSED'
      ? `connection to ${host}:${port} refused: is a server listening there?`
      : error.code === 'ENOTFOUND'
        ? `cannot resolve host "${host}"`
        : error.code === 'ECONNRESET'
          ? `the server reset the connection`
          : error.message;
  fail(reason);
});
