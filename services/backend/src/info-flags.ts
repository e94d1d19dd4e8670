/**
 * http-echo's informational flags: `-version` prints the version and `-h`
 * (`-help`, `--help`) prints the usage, each on stdout and with exit 0, before
 * any configuration is read. Pure: server.ts prints and exits.
 */
import { BACKEND_PACKAGE, backendSchema, FLAGS } from './config.ts';

export type InfoRequest = 'version' | 'help';

/** The first informational flag in argv, if any: it wins over every other flag, as in Go's flag package. */
export function infoRequestOf(argv: readonly string[]): InfoRequest | undefined {
  for (const arg of argv) {
    if (/^--?version$/.test(arg)) return 'version';
    if (/^--?(h|help)$/.test(arg)) return 'help';
  }
  return undefined;
}

/** `backend 0.1.0`, like http-echo's `http-echo v1.0.0`. */
export function versionText(): string {
  return `${BACKEND_PACKAGE.name} ${BACKEND_PACKAGE.version}`;
}

function describeFlag(flag: string, variable: string): string {
  if (flag === 'listen') return `[host]:port to listen on (HOST, PORT; default :${backendSchema.port.default})`;
  const field = Object.values(backendSchema).find((candidate) => candidate.env === variable);
  return `${field?.description ?? ''} (${variable})`;
}

export function usageText(): string {
  const rows: [string, string][] = [
    ...Object.entries(FLAGS).map(([flag, variable]): [string, string] => [
      `-${flag}=VALUE`,
      describeFlag(flag, variable),
    ]),
    ['-version', 'Print the version and exit.'],
    ['-h, -help', 'Print this help and exit.'],
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `Usage: ${BACKEND_PACKAGE.name} [flags]`,
    '',
    'An http-echo drop-in that continues the incoming trace and forwards it downstream.',
    'Flags also take `--flag=value` and `-flag value`; each sets the variable named, and flags win.',
    'Every other setting is an environment variable (see the backend README).',
    '',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    '',
  ].join('\n');
}
