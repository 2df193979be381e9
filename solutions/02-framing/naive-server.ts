// PROVIDED, complete: not part of your work. Lab 01's server, changed the way most people
// first try to carry many messages over one connection: it treats every 'data' event as
// one message. Put it behind the chaos proxy (see the handout) and watch it break.
//
// Run it:  npx tsx labs/02-framing/naive-server.ts [--port 5000]
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { host: { type: 'string', default: '0.0.0.0' }, port: { type: 'string', default: '5000' } } });
const server = net.createServer((socket) => {
  socket.on('data', (chunk: Buffer) => socket.write(`echo: ${chunk.toString('utf8')}`)); // the bug: a chunk is not a message
  socket.on('end', () => socket.end());
  socket.on('error', () => {});
});
server.listen(Number(values.port), values.host, () => console.log(`listening on ${values.host}:${(server.address() as net.AddressInfo).port}`));
