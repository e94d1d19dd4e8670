/**
 * Instruction counts for `pnpm bench`, from `perf stat`, when the machine has
 * hardware counters. Instructions retired per request barely move with other
 * load on the machine, so where they exist they are the steadiest figure of
 * all. In most VMs they do not: `perf stat -e instructions` then prints
 * `<not supported>`, and the bench says so instead of printing a number.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';

export type PerfSupport = { readonly available: true } | { readonly available: false; readonly reason: string };

/** The counter value from `perf stat -x,` output (CSV on stderr: value,unit,event,…); undefined if not counted. */
export function parsePerfCount(stderr: string, event = 'instructions'): number | undefined {
  for (const line of stderr.split('\n')) {
    const fields = line.split(',');
    if (fields[2]?.startsWith(event)) {
      const value = Number(fields[0]);
      return Number.isFinite(value) && fields[0] !== '' ? value : undefined;
    }
  }
  return undefined;
}

/** Tries `perf stat -e instructions true` once. */
export function probePerf(): PerfSupport {
  const probe = spawnSync('perf', ['stat', '-x,', '-e', 'instructions', 'true'], { encoding: 'utf8' });
  if (probe.error) return { available: false, reason: 'perf is not installed' };
  if (probe.stderr.includes('<not supported>'))
    return {
      available: false,
      reason: '`perf stat -e instructions true` prints <not supported> (no hardware counters)',
    };
  if (probe.status !== 0 || parsePerfCount(probe.stderr) === undefined)
    return { available: false, reason: `perf stat failed: ${probe.stderr.trim().split('\n').at(-1) ?? ''}` };
  return { available: true };
}

export interface PerfCounter {
  /** Stops counting and resolves with the instructions counted (undefined if perf counted none). */
  stop(): Promise<number | undefined>;
}

/** Counts instructions of a running process until stop(). */
export function countInstructions(pid: number): PerfCounter {
  const child: ChildProcess = spawn('perf', ['stat', '-x,', '-e', 'instructions', '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  return {
    async stop() {
      const exited = once(child, 'exit');
      // perf stat prints its counts when interrupted.
      child.kill('SIGINT');
      await exited;
      return parsePerfCount(stderr);
    },
  };
}
