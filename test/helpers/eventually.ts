/**
 * Waits until `condition` holds, checking every 20 ms: for state only observable by asking
 * (a metrics scrape, a status route, a counter in a test server). The deadline is a generous
 * safety net below vitest's 20 s test timeout, there to name what never happened; a test never
 * relies on it for its result, so a loaded machine only makes the wait longer.
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what = 'condition',
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
