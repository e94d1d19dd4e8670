import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches, rejects after `timeoutMs` or if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs one of the package's CLIs from source, the way the root scripts do, without colour. */
export function runCli(
  file: 'demo-cli.ts' | 'verify-cli.ts',
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): CliRun {
  // No FORCE_COLOR at all: even empty, next to NO_COLOR it makes Node print a warning.
  const { FORCE_COLOR: _, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--conditions=source', `src/${file}`, ...args], {
    cwd: PACKAGE_DIR,
    env: { ...inherited, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const onOutput = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const check of onOutput) check();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let exited = false;
  void exit.then(() => {
    exited = true;
    for (const check of onOutput) check();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    // Checked on every chunk of output and at exit: the wait ends on the event, not on a poll.
    waitForOutput(pattern, timeoutMs = 15_000) {
      return new Promise<void>((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(timer);
          onOutput.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (pattern.test(out)) finish();
          else if (exited) finish(new Error(`exited before ${pattern}:\n${out}\n${err}`));
        };
        const timer = setTimeout(
          () => finish(new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`)),
          timeoutMs,
        );
        onOutput.add(check);
        check();
      });
    },
  };
}

/** Kills a CLI still running after a failed test, and waits for it. */
export async function ensureStopped(run: CliRun | undefined): Promise<void> {
  if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill('SIGKILL');
  await run.exit;
}
