import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** A service started as a real process, as the image's CMD starts it. */
export interface RunningService {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * Runs `command` in `cwd` with only `env` (plus PATH) and resolves once the
 * service logs the address it listens on. PORT=0 lets the OS pick a free port.
 */
export async function startService(
  command: readonly string[],
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly timeoutMs?: number },
): Promise<RunningService> {
  const [program = '', ...args] = command;
  const child: ChildProcess = spawn(program, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${command.join(' ')} did not start within ${options.timeoutMs ?? 10_000} ms:\n${output}`));
    }, options.timeoutMs ?? 10_000);
    const check = () => {
      const match = LISTENING.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited with ${code} before listening:\n${output}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });

  return { url, output: () => output, stop };
}
