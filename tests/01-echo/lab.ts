import { defineLab } from '../../tools/grader/lab.ts';

const ERRORS = 'Task 1: when things go wrong';
const SERVER = 'Task 2: the server';
const CLIENT = 'Task 3: the client';

export default defineLab({
  slug: '01-echo',
  title: 'One-shot echo',
  summary:
    'A client sends one message, the server prints it and replies: sockets, addresses and ports, connect/accept, half-close, error handling.',
  tests: {
    explainsErrors: {
      name: 'explainSocketError describes refused, in-use, unresolvable and privileged-port errors in one line',
      points: 2,
      hint: "Switch on err.code (ECONNREFUSED, EADDRINUSE, ENOTFOUND and EAI_AGAIN, EACCES) and return one sentence that names the host or port; anything else: the error's own message, on one line.",
      section: ERRORS,
    },
    replies: {
      name: 'the server replies "echo: " followed by the message, then closes the connection',
      points: 3,
      hint: "Reply once the client has half-closed (the socket's 'end' event), then end the socket yourself.",
      section: SERVER,
    },
    logs: {
      name: 'the server prints each message it receives',
      points: 2,
      hint: 'Call the log function you were given with "received from ADDRESS:PORT: MESSAGE".',
      section: SERVER,
    },
    reassembles: {
      name: 'the server waits for the whole message even when it arrives in 1-byte pieces',
      points: 3,
      hint: "One 'data' event is not one message: keep every chunk and only reply on 'end'.",
      section: SERVER,
    },
    keepsListening: {
      name: 'the server keeps listening: three clients in a row each get their own reply',
      points: 2,
      hint: "Do not close the listening server after the first client; only close each client's own socket.",
      section: SERVER,
    },
    concurrentClients: {
      name: "the server keeps each client's message apart when two clients send at the same time",
      points: 3,
      hint: 'Create the list of chunks inside the connection handler, so that every connection collects its own message.',
      section: SERVER,
    },
    survivesReset: {
      name: 'the server survives a client that resets its connection',
      points: 2,
      hint: "Give every accepted socket an 'error' listener: an 'error' event with no listener crashes the process.",
      section: SERVER,
    },
    clientReadsWholeReply: {
      name: 'sendOnce half-closes after its message and resolves with the whole reply',
      points: 3,
      hint: "End your side with socket.end(message), collect every 'data' chunk, and resolve on 'end'.",
      section: CLIENT,
    },
    serverProgram: {
      name: 'the server program prints "listening on HOST:PORT" and serves clients',
      points: 2,
      hint: "The program part is provided: it prints the port of the server your startEchoServer resolves with. Resolve with that server only once it listens (in listen()'s callback).",
      section: SERVER,
      timeoutMs: 15_000,
    },
    clientProgram: {
      name: 'the client program prints the reply and exits with code 0',
      points: 2,
      hint: 'The program part is provided: it prints what your sendOnce resolves with, then must end by itself. Resolve with the whole reply once the server closes, and leave no socket open.',
      section: CLIENT,
      timeoutMs: 15_000,
    },
    refused: {
      name: 'the client program reports a refused connection in one line and exits non-zero',
      points: 2,
      hint: 'Catch the error, print "error: " + explainSocketError(...) on stderr, and set process.exitCode = 1.',
      section: ERRORS,
      timeoutMs: 15_000,
    },
    clientReset: {
      name: 'the client program reports a connection reset by the server in one line and exits non-zero',
      points: 2,
      hint: "A reset after connecting is an 'error' event too (ECONNRESET): keep rejecting on it, so that the catch prints one line and sets process.exitCode = 1.",
      section: CLIENT,
      timeoutMs: 15_000,
    },
    unresolvable: {
      name: 'the client program reports a host name that does not resolve in one line and exits non-zero',
      points: 2,
      hint: 'A name with no address fails with ENOTFOUND; explain it instead of printing the stack trace.',
      section: ERRORS,
      timeoutMs: 15_000,
    },
    portInUse: {
      name: 'the server program reports a port already in use in one line and exits non-zero',
      points: 2,
      hint: "listen() fails with EADDRINUSE as an 'error' event on the server: reject, catch, explain, exit 1.",
      section: ERRORS,
      timeoutMs: 15_000,
    },
  },
});
