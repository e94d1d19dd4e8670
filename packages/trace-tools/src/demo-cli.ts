/**
 * `./pnpmw demo` (or `pnpm demo`): runs the chain locally and draws every trace in the terminal.
 * Only this file touches `process`; the work is in demo.ts.
 */

import { MeshtraceError } from '@meshtrace/tracing/settings';
import { colors, plain, wantsColor } from './ansi.ts';
import { commandName, usageProblem } from './cli-name.ts';
import { startDemo } from './demo.ts';
import { type DemoCommand, demoUsage, parseDemoArgs } from './demo-args.ts';
import { terminalColumns } from './fit-width.ts';

const invokedAs = commandName('demo', process.env);
let command: DemoCommand;
try {
  command = parseDemoArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${usageProblem((error as Error).message, invokedAs)}\n`);
  process.exit(2);
}
if (command.kind === 'help') {
  process.stdout.write(`${demoUsage(invokedAs)}\n`);
  process.exit(0);
}

const palette = wantsColor(process.stdout, process.env) ? colors : plain;
const write = (text: string) => process.stdout.write(text);
let demo: Awaited<ReturnType<typeof startDemo>>;
try {
  demo = await startDemo(command.options, { write, palette, columns: terminalColumns(process.stdout) });
} catch (error) {
  const message = error instanceof MeshtraceError ? error.message : String((error as Error).message ?? error);
  process.stderr.write(`demo could not start: ${message}\n`);
  process.exit(1);
}

let stopping = false;
async function stop(why: string, failure = false) {
  if (stopping) return;
  stopping = true;
  write(`\n${palette.dim(`${why}: stopping every process…`)}\n`);
  const result = await demo.stop();
  process.exitCode = failure || !result.clean ? 1 : 0;
}

process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
void demo.failed.then((reason) => {
  process.stderr.write(`${reason}\n`);
  void stop('a service died', true);
});
if (command.options.durationMs !== undefined) {
  setTimeout(() => void stop(`${command.options.durationMs} ms passed`), command.options.durationMs).unref();
}
