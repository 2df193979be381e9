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
import { StringDecoder } from 'node:string_decoder';
import type { MeshAddress } from './messages.ts';

/** A frame: its header, and the line for the client, which nobody parses on the way. */
export interface Frame {
  version: number;
  client: number;
  line: string;
}

/**
 * A frame holds a server line (a MSG of a 1024-byte SEND is longer than 1024) and its header:
 * more than this without a "\n" is not one of our workers talking.
 */
const MAX_FRAME_CHARS = 8192;

/**
 * The most one worker queues for another that reads its frames slower than they come (busy,
 * paused by a debugger, stopped): past it, this worker reads no more lines from its clients
 * until that worker has caught up (see congested()). Without it, the queue has no end.
 */
export const MAX_QUEUED_FOR_PEER = 1024 * 1024;

export class Mesh {
  private readonly server = net.createServer({ noDelay: true });
  private readonly token = randomBytes(16).toString('hex');
  /** The connection to each other worker, by worker number. */
  private readonly channels = new Map<number, net.Socket>();
  /** The frames sent this tick, by worker number: written together at the end of the tick. */
  private readonly queued = new Map<number, string>();

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
   * Sends `line` to client `client` of worker `worker`. The frames for one worker in one tick
   * leave together, as one string in one write: lab 05's cork, without the cost of a write()
   * call per frame. If that worker is gone, the frame is dropped: so is its client.
   */
  send(worker: number, version: number, client: number, line: string): void {
    const frame = `${version} ${client} ${line}\n`;
    const queued = this.queued.get(worker);
    if (queued !== undefined) {
      this.queued.set(worker, queued + frame);
      return;
    }
    this.queued.set(worker, frame);
    process.nextTick(() => {
      const frames = this.queued.get(worker)!;
      this.queued.delete(worker);
      const socket = this.channels.get(worker);
      if (socket && !socket.destroyed) socket.write(frames);
    });
  }

  /**
   * Reads frames from another worker. Only workers write here, and only whole lines of valid
   * UTF-8, so a chunk is decoded in one go (StringDecoder keeps a character cut between two
   * chunks for the next) and split at each "\n": cheaper than lab 02's decoder, which checks
   * every line of an untrusted client.
   */
  private accept(socket: net.Socket): void {
    const text = new StringDecoder('utf8');
    let partial = '';
    let trusted = false;
    socket.on('error', () => {}); // the other worker died: its frames stop, its clients are released by the primary
    socket.on('data', (chunk: Buffer) => {
      const data = partial + text.write(chunk);
      let start = 0;
      for (let end = data.indexOf('\n'); end >= 0; end = data.indexOf('\n', start)) {
        const line = data.slice(start, end);
        start = end + 1;
        if (!trusted) {
          if (line !== this.token) return void socket.destroy(); // not one of ours
          trusted = true;
          continue;
        }
        const first = line.indexOf(' ');
        const second = line.indexOf(' ', first + 1);
        this.arrived({ version: Number(line.slice(0, first)), client: Number(line.slice(first + 1, second)), line: line.slice(second + 1) });
      }
      partial = data.slice(start);
      if (partial.length > MAX_FRAME_CHARS) {
        this.log('mesh: a frame without an end; closing that channel');
        socket.destroy();
      }
    });
  }

  /** Whether some other worker has more than MAX_QUEUED_FOR_PEER bytes of frames waiting for it. */
  congested(): boolean {
    return this.congestedChannel() !== undefined;
  }

  /**
   * Resolves once no other worker has more than MAX_QUEUED_FOR_PEER bytes waiting for it: each
   * such channel has drained, or closed (its worker died, and its frames with it).
   */
  async uncongested(): Promise<void> {
    for (let full = this.congestedChannel(); full; full = this.congestedChannel()) {
      const channel = full;
      await new Promise<void>((resolve) => {
        const done = () => {
          channel.off('drain', done);
          channel.off('close', done);
          resolve();
        };
        channel.on('drain', done);
        channel.on('close', done);
      });
    }
  }

  private congestedChannel(): net.Socket | undefined {
    for (const socket of this.channels.values()) {
      if (!socket.destroyed && socket.writableLength > MAX_QUEUED_FOR_PEER) return socket;
    }
    return undefined;
  }

  /** Stops listening and closes every channel. */
  close(): void {
    this.server.close();
    for (const socket of this.channels.values()) socket.destroy();
  }
}
