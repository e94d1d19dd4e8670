import type { Loop, LoopState } from './loop.ts';
import type { LoopSnapshot, LoopStats } from './loop-stats.ts';

/** `POST /loop` bodies: pause, resume, and a new rate. Parsed here, applied by the controller. */
export interface LoopCommand {
  readonly action?: 'pause' | 'resume';
  /** Ticks per second from now on. */
  readonly rate?: number;
}

export type ParsedCommand =
  | { readonly ok: true; readonly command: LoopCommand }
  | { readonly ok: false; readonly reason: string };

const MAX_RATE = 10_000;

/** Validates a `POST /loop` body; never throws. */
export function parseLoopCommand(body: unknown): ParsedCommand {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, reason: 'expected a JSON object such as {"action":"pause"} or {"rate":5}' };
  const { action, rate, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return { ok: false, reason: `unknown field ${unknown[0]}: expected action or rate` };
  if (action !== undefined && action !== 'pause' && action !== 'resume')
    return { ok: false, reason: `action=${JSON.stringify(action)}: expected "pause" or "resume"` };
  if (rate !== undefined && (typeof rate !== 'number' || !(rate > 0) || rate > MAX_RATE))
    return { ok: false, reason: `rate=${JSON.stringify(rate)}: expected a number above 0, at most ${MAX_RATE}` };
  if (action === undefined && rate === undefined) return { ok: false, reason: 'expected action or rate' };
  return { ok: true, command: { ...(action ? { action } : {}), ...(rate === undefined ? {} : { rate }) } };
}

export interface LoopStatus extends LoopSnapshot {
  /** LOOP_MODE: generate, headerless or off. */
  readonly mode: string;
  /** running, paused, finished (LOOP_COUNT or LOOP_DURATION_MS reached), stopped, or off. */
  readonly state: LoopState | 'off';
  /** Ticks per second. */
  readonly rate: number;
  readonly concurrency: number;
}

/** Joins the running loop (started after listen) to the `/loop` routes. */
export class LoopControl {
  #loop: Loop | undefined;
  readonly #mode: string;
  readonly #concurrency: number;
  readonly #stats: LoopStats;

  constructor(options: { mode: string; concurrency: number; stats: LoopStats }) {
    this.#mode = options.mode;
    this.#concurrency = options.concurrency;
    this.#stats = options.stats;
  }

  attach(loop: Loop): void {
    this.#loop = loop;
  }

  get stats(): LoopStats {
    return this.#stats;
  }

  get attached(): boolean {
    return this.#loop !== undefined;
  }

  status(): LoopStatus {
    const loop = this.#loop;
    return {
      mode: this.#mode,
      state: loop?.state ?? 'off',
      rate: loop ? Math.round((1000 / loop.intervalMs) * 1000) / 1000 : 0,
      concurrency: this.#concurrency,
      ...this.#stats.snapshot(),
    };
  }

  apply(command: LoopCommand): void {
    const loop = this.#loop;
    if (!loop) return;
    if (command.rate !== undefined) loop.setIntervalMs(1000 / command.rate);
    if (command.action === 'pause') loop.pause();
    if (command.action === 'resume') loop.resume();
  }
}
