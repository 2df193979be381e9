// PROVIDED program for trying your code by hand; it uses your writeAll and readMessage.
//
//   npx tsx labs/03-partial-io/transfer.ts serve [--port 5000]
//   npx tsx labs/03-partial-io/transfer.ts send [--host 127.0.0.1] [--port 5000] [--bytes 20000000]
//
// "send" sends one random message of --bytes bytes, length-prefixed, watching how much
// Node queues in memory while it goes; "serve" answers each message with its size and
// SHA-256, so the sender can check that every byte arrived.
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { readMessage, writeAll } from './node-io.ts';

function frame(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Answers each message of one client until it goes away. Never rejects. */
async function answer(socket: net.Socket): Promise<void> {
  socket.on('error', () => {});
  try {
    for (;;) {
      const message = await readMessage(socket, 1 << 30);
      console.log(`received ${message.length} bytes from ${socket.remoteAddress}:${socket.remotePort}`);
      await writeAll(socket, frame(Buffer.from(`received ${message.length} bytes, sha256 ${sha256(message)}`)));
    }
  } catch (error) {
    console.log(`connection ended: ${(error as Error).message}`);
    socket.end();
  }
}

function serve(host: string, port: number): void {
  const server = net.createServer((socket) => void answer(socket));
  server.listen(port, host, () => console.log(`listening on ${host}:${(server.address() as net.AddressInfo).port}`));
}

async function send(host: string, port: number, bytes: number): Promise<void> {
  const payload = randomBytes(bytes);
  const socket = net.connect({ host, port });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', (error) => {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  });
  let maxQueued = 0;
  const watch = setInterval(() => (maxQueued = Math.max(maxQueued, socket.writableLength)), 1);
  const started = Date.now();
  const sending = writeAll(socket, frame(payload));
  // A writeAll that ignores write()'s return value queues everything at once, right here.
  maxQueued = Math.max(maxQueued, socket.writableLength);
  await sending;
  clearInterval(watch);
  console.log(`sent ${bytes} bytes in ${Date.now() - started} ms; queued in memory: max ${maxQueued} bytes`);
  const reply = (await readMessage(socket)).toString('utf8');
  console.log(`server: ${reply}`);
  console.log(reply.endsWith(sha256(payload)) ? 'the hash matches: every byte arrived' : 'THE HASH DIFFERS: bytes were lost or changed');
  socket.end();
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '5000' }, bytes: { type: 'string', default: '20000000' } },
});
const mode = positionals[0];
if (mode === 'serve') await serve(values.host === '127.0.0.1' ? '0.0.0.0' : values.host, Number(values.port));
else if (mode === 'send') await send(values.host, Number(values.port), Number(values.bytes));
else {
  console.error('usage: transfer.ts serve [--port P] | send [--host H] [--port P] [--bytes N]');
  process.exitCode = 2;
}
