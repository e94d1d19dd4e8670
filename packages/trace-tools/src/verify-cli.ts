/**
 * `./pnpmw verify` (or `pnpm verify`): checks recent traces in Jaeger. Only this file touches
 * `process`; the checks are in verify.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { colors, plain, wantsColor } from './ansi.ts';
import { commandName, usageProblem } from './cli-name.ts';
import { exitCodeOf, verifyTraces } from './verify.ts';
import { parseVerifyArgs, type VerifyCommand, verifyUsage } from './verify-args.ts';
import { renderVerifyJson, renderVerifyTable } from './verify-report.ts';

const invokedAs = commandName('verify', process.env);
let command: VerifyCommand;
try {
  command = parseVerifyArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${usageProblem((error as Error).message, invokedAs)}\n`);
  process.exit(2);
}
if (command.kind === 'help') {
  process.stdout.write(`${verifyUsage(invokedAs)}\n`);
  process.exit(0);
}

const { options } = command;
const palette = wantsColor(process.stdout, process.env) ? colors : plain;

async function round(): Promise<number> {
  const report = await verifyTraces(options);
  process.stdout.write(`${options.json ? renderVerifyJson(report) : renderVerifyTable(report, palette)}\n`);
  return exitCodeOf(report);
}

if (!options.watch) {
  process.exitCode = await round();
} else {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  while (!stop.signal.aborted) {
    process.exitCode = await round();
    if (stop.signal.aborted) break;
    if (!options.json) process.stdout.write('\n');
    await sleep(options.intervalMs, undefined, { signal: stop.signal }).catch(() => {});
  }
}
