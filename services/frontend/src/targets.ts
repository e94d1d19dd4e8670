/**
 * Weighted targets: `TARGETS=http://backend:5678/a=3,http://backend:5678/b=1`
 * sends three ticks to /a for each one to /b. A URL without `=weight` weighs 1.
 * Pure: the random source is passed in, so tests pick over a fixed sequence.
 */

export interface Target {
  readonly url: string;
  readonly weight: number;
}

const WEIGHT = /=(\d+)$/;

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol, hostname } = new URL(text);
  return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
}

/** What TARGETS accepts, in the words the start-up error uses. */
export const TARGETS_FORM =
  'comma-separated http(s) URLs, each optionally followed by =weight (an integer of 1 or more)';

/** Parses TARGETS; empty gives an empty list, `undefined` means "not accepted" (never throws). */
export function parseTargets(text: string): Target[] | undefined {
  const targets: Target[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    // The weight is the last `=digits`; a URL's own query (`?a=b`) keeps its `=`.
    const match = WEIGHT.exec(item);
    const url = match ? item.slice(0, match.index) : item;
    const weight = match ? Number(match[1]) : 1;
    if (!isHttpUrl(url) || weight < 1) return undefined;
    targets.push({ url, weight });
  }
  return targets;
}

/** Picks a target with probability weight / total; `random` returns [0, 1). */
export function pickTarget(targets: readonly Target[], random: () => number): Target {
  const total = targets.reduce((sum, target) => sum + target.weight, 0);
  let point = random() * total;
  for (const target of targets) {
    point -= target.weight;
    if (point < 0) return target;
  }
  return targets[targets.length - 1] as Target;
}
