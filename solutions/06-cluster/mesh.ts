// PROVIDED, complete: not part of your work. The mesh: one TCP connection over loopback from
// every worker to every other, the way a message for a client on another worker travels,
// without the primary. Each connection carries one direction only, so the frames from one
// worker to another arrive in the order they were sent, as a TCP stream's bytes do.
//
// A frame is one line: "<version> <client> <line>\n". <client> is the number of the client
// it is for (never a name: a name can change hands on the way), <line> is what that client
// gets (a MSG or a BROADCAST, whole), and <version> the version of the names the sending
// worker had when it sent it (see "When the directory is out of date" in the handout).
//
// Loopback TCP works the same on Linux, macOS and Windows. Other programs on the machine
// could connect to a worker's port too, so the first line on a connection is the receiving
// worker's token, a random password it gave the primary: a connection that starts with
// anything else is closed at once.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { FramingError, MessageDecoder } from '../02-framing/framing.ts';
import type { MeshAddress } from './messages.ts';

/** A frame: its header, and the line for the client, which nobody parses on the way. */
export interface Frame {
  version: number;
  client: number;
  line: string;
}

/** A frame holds a server line (a MSG of a 1024-byte SEND is longer than 1024) and its header. */
const MAX_FRAME_BYTES = 4096;

export class Mesh {
  private readonly server = net.createServer({ noDelay: true });
  private readonly token = randomBytes(16).toString('hex');
  /** The connection to each other worker, by worker number. */
  private readonly channels = new Map<number, net.Socket>();

  /** `arrived` gets every frame another worker sends this one, in the order that worker sent them. */
  constructor(private readonly arrived: (frame: Frame) => void, private readonly log: (line: string) => void) {
    this.server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on a port of the loopback interface; resolves with the address to give the primary. */
  listen(): Promise<Omit<MeshAddress, 'worker'>> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve({ port: (this.server.address() as net.AddressInfo).port, token: this.token });
      });
    });
  }

  /** Opens the channel to `peer`, replacing any channel to a worker that had its number before. */
  connect(peer: MeshAddress): void {
    this.channels.get(peer.worker)?.destroy();
    const socket = net.connect({ host: '127.0.0.1', port: peer.port, noDelay: true });
    socket.on('error', (error) => this.log(`mesh channel to worker ${peer.worker} failed: ${error.message}`));
    socket.on('close', () => {
      if (this.channels.get(peer.worker) === socket) this.channels.delete(peer.worker);
    });
    // Written before the connection is up: Node queues it, and it leaves first.
    socket.write(`${peer.token}\n`);
    this.channels.set(peer.worker, socket);
  }

  /**
   * Sends `line` to client `client` of worker `worker`. Frames sent in one tick leave in one
   * system call (lab 05's cork). If that worker is gone, the frame is dropped: so is its client.
   */
  send(worker: number, version: number, client: number, line: string): void {
    const socket = this.channels.get(worker);
    if (!socket || socket.destroyed) return;
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    socket.write(`${version} ${client} ${line}\n`);
  }

  private accept(socket: net.Socket): void {
    const decoder = new MessageDecoder(MAX_FRAME_BYTES);
    let trusted = false;
    socket.on('error', () => {}); // the other worker died: its frames stop, its clients are released by the primary
    socket.on('data', (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = decoder.push(chunk);
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        this.log(`mesh: a bad frame (${error.message}); closing that channel`);
        socket.destroy();
        return;
      }
      for (const text of lines) {
        if (!trusted) {
          if (text !== this.token) return void socket.destroy(); // not one of ours
          trusted = true;
          continue;
        }
        const first = text.indexOf(' ');
        const second = text.indexOf(' ', first + 1);
        this.arrived({ version: Number(text.slice(0, first)), client: Number(text.slice(first + 1, second)), line: text.slice(second + 1) });
      }
    });
  }

  /** Stops listening and closes every channel. */
  close(): void {
    this.server.close();
    for (const socket of this.channels.values()) socket.destroy();
  }
}
