// Preloaded into every program a test spawns (node --import): answers DNS look-ups for
// names other than localhost with ENOTFOUND, locally. Tests of "a host that does not
// resolve" then never send a query to a real DNS server.
import dns from 'node:dns';

type LookupCallback = (error: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void;
const realLookup = dns.lookup;
const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);

function offlineLookup(hostname: string, ...rest: unknown[]): void {
  const callback = rest[rest.length - 1] as LookupCallback;
  if (LOCAL.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname)) {
    (realLookup as (...args: unknown[]) => void)(hostname, ...rest);
    return;
  }
  const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname,
  });
  process.nextTick(callback, error);
}

(dns as { lookup: unknown }).lookup = offlineLookup;
