// One run of the load against one server: the load, the memory and CPU sampled meanwhile,
// and the figures of results.json.
import { runLoad, windowFor, type LoadSpec } from './load.ts';
import { sampleServer } from './process-memory.ts';
import type { RunResult, ServerKind } from './results.ts';
import type { ServerProcess } from './server-process.ts';
import { summarize } from './stats.ts';

/** One run against one server: the load, the memory and CPU sampled meanwhile, the figures. */
export async function measure(
  server: ServerProcess,
  kind: ServerKind,
  spec: Omit<LoadSpec, 'port' | 'protocol'>,
  pace: RunResult['pace'],
): Promise<RunResult> {
  // The forwarder wires connections in accept order: tell it how many form this run's group.
  if (kind === 'forwarder') await server.ask(`group ${spec.clients}`, `group ${spec.clients}`);
  const sampler = sampleServer(server.pid, server.reportDir);
  const benchCpuAtStart = process.cpuUsage();
  const startedAt = performance.now();
  let endedAt = startedAt;
  let usage: { peakRssBytes: number; cpuSeconds: number; rootCpuSeconds: number };
  let outcome;
  try {
    outcome = await runLoad({ ...spec, port: server.port, protocol: kind });
  } catch (error) {
    // A server that died explains more than the connections it dropped.
    const died = await server.endsWithin(500);
    throw new Error(died ?? `${server.label}, ${spec.clients} clients: ${(error as Error).message}`);
  } finally {
    endedAt = performance.now();
    usage = await sampler.stop();
  }
  const benchCpu = process.cpuUsage(benchCpuAtStart);
  // Over the whole run (registration included), as the CPU figures are.
  const wallSeconds = (endedAt - startedAt) / 1000;
  return {
    server: kind,
    clients: spec.clients,
    pace,
    targetRate: spec.rate,
    messages: outcome.messages,
    seconds: outcome.seconds,
    msgsPerSec: outcome.messages / outcome.seconds,
    mbPerSec: outcome.bytes / outcome.seconds / 1e6,
    latencyMs: summarize(outcome.latenciesMs),
    okSends: outcome.okSends,
    peakRssMb: usage.peakRssBytes / 1e6,
    serverCpu: usage.cpuSeconds / wallSeconds,
    loadCpu: (benchCpu.user + benchCpu.system) / 1e6 / wallSeconds,
    // Registration included: a few hundred NAMEs against tens of thousands of messages.
    cpuUsPerMsg: (usage.cpuSeconds * 1e6) / outcome.messages,
    rootCpuUsPerMsg: (usage.rootCpuSeconds * 1e6) / outcome.messages,
    window: spec.window ?? windowFor(spec.size),
  };
}
