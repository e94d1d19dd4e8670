/**
 * How the user ran a CLI, for its help and error text: `./pnpmw demo` when started through
 * the wrapper (which sets MESHTRACE_RUNNER), else `pnpm demo`.
 */
export function commandName(script: 'demo' | 'verify', env: Readonly<Record<string, string | undefined>>): string {
  return `${env.MESHTRACE_RUNNER || 'pnpm'} ${script}`;
}

/** A bad flag: the error and a one-line hint, not the whole help text. */
export function usageProblem(message: string, command: string): string {
  return `${message}\nRun ${command} --help to see every option.`;
}
