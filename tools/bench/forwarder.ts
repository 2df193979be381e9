// The bare forwarder: the ceiling the relay is measured against. It moves the bytes each
// client writes to its partner's socket unchanged, with socket.pipe: no line splitting, no
// parsing, no name table, no replies. What it costs is the price of TCP and of Node's sockets
// alone, which any relay written in Node pays too; the relay's own work is what it adds.
//
// Connections are grouped in the order they are accepted. In a group of 1 a client's bytes
// come back to itself; in an even group they go to its pair (0↔1, 2↔3, ...); in an odd
// group, round a ring (0→1→...→N-1→0). Groups are pairs unless the program is told
// otherwise: with --groups-from-stdin it reads lines "group N" and answers each with the
// same line once the next group will have N connections (that is how the bench sets it).
//
//   node --import tsx tools/bench/forwarder.ts [--host 127.0.0.1] [--port 0] [--groups-from-stdin]
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

function wire(group: net.Socket[]): void {
  const size = group.length;
  group.forEach((socket, i) => {
    const partner = size % 2 === 0 ? group[i ^ 1] : group[(i + 1) % size];
    socket.pipe(partner); // pipe also resumes the socket, paused since it was accepted
    // One member gone ends the group: a ring or pair with a hole forwards nowhere.
    socket.on('close', () => group.forEach((member) => member.destroy()));
  });
}

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'groups-from-stdin': { type: 'boolean', default: false },
  },
});

let groupSize = 2;
let forming: net.Socket[] = [];
// pauseOnConnect: bytes that arrive before the partner does wait in the kernel, not here.
// noDelay, as the relay: each write goes out at once instead of waiting for an ACK.
const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
  socket.on('error', () => {}); // a client that resets must not take the forwarder down
  forming.push(socket);
  if (forming.length < groupSize) return;
  wire(forming);
  forming = [];
});
server.on('error', () => {}); // a failed accept must not either

if (values['groups-from-stdin']) {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const size = Number(line.match(/^group (\d+)$/)?.[1]);
    if (!(size >= 1)) return console.error(`forwarder: ignored "${line}" (expected "group N")`);
    for (const socket of forming) socket.destroy(); // a group left incomplete will never be
    forming = [];
    groupSize = size;
    console.log(line);
  });
  // The bench holds our stdin: when it is gone, so is the reason to run.
  process.stdin.on('end', () => process.exit(0));
}

server.listen(Number(values.port), values.host, () => {
  console.log(`listening on ${values.host}:${(server.address() as net.AddressInfo).port}`);
});
