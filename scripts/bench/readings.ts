/**
 * What the benchmarks read about a server process from Linux's /proc: its CPU
 * time, the time it waited for a CPU while other processes held it (the
 * machine's noise, measured), and its resident memory. Each reading is
 * undefined (or NaN) where there is no /proc or the process is gone.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/PID/stat, 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used, from /proc/PID/stat. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Seconds the process's threads spent runnable but waiting for a CPU (the
 * second field of /proc/PID/task/TID/schedstat): how much other load on the
 * machine held this server back.
 */
export function waitSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    let nanoseconds = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`))
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident memory in MiB (VmRSS from /proc/PID/status). */
export function rssMiB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}
