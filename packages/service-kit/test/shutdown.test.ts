import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { shutdownInOrder } from '../src/shutdown.ts';

const log = createLogger({ level: 'silent', service: 'test', version: '0' });

describe('shutdownInOrder', () => {
  it('runs the steps one after another', async () => {
    const order: string[] = [];
    const step = (name: string, ms: number) => ({
      name,
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(name);
      },
    });
    const result = await shutdownInOrder([step('readiness', 20), step('server', 1), step('spans', 5)], {
      timeoutMs: 10_000,
      log,
    });
    expect(result).toEqual({ ok: true });
    expect(order).toEqual(['readiness', 'server', 'spans']);
  });

  it('still flushes spans when an earlier step fails, and reports the failure', async () => {
    let flushed = false;
    const result = await shutdownInOrder(
      [
        { name: 'server', run: () => Promise.reject(new Error('close failed')) },
        { name: 'spans', run: () => (flushed = true) },
      ],
      { timeoutMs: 10_000, log },
    );
    expect(flushed).toBe(true);
    expect(result).toMatchObject({ ok: false, error: { message: 'close failed' } });
  });

  it('tells a step that is not best-effort to cut short at three quarters; the flush after it keeps the last quarter', async () => {
    let toldAt = 0;
    let flushGot = 0;
    const started = Date.now();
    const result = await shutdownInOrder(
      [
        {
          name: 'http server',
          // A drain that ends only when told to close what is still open.
          run: (cut) =>
            new Promise<void>((resolve) =>
              cut.addEventListener('abort', () => {
                toldAt = Date.now() - started;
                resolve();
              }),
            ),
        },
        {
          name: 'span export',
          bestEffort: true,
          run: (deadline) => {
            flushGot = deadline.aborted ? 0 : 1;
          },
        },
      ],
      { timeoutMs: 400, log },
    );
    expect(result).toEqual({ ok: true });
    // Told no earlier than three quarters; the flush then ran before the deadline.
    expect(toldAt).toBeGreaterThanOrEqual(300 - 5);
    expect(flushGot).toBe(1);
  });

  it('logs what a step resolves with on its line (the span counts, for the flush)', async () => {
    const lines: Record<string, unknown>[] = [];
    const capture = createLogger({
      level: 'info',
      service: 'test',
      version: '0',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    await shutdownInOrder([{ name: 'span export', run: () => ({ exported: 3, failed: 0, dropped: 0 }) }], {
      timeoutMs: 1000,
      log: capture,
    });
    expect(lines.find((line) => line.step === 'span export')).toMatchObject({
      level: 'info',
      msg: 'shutdown step done',
      result: { exported: 3, failed: 0, dropped: 0 },
    });
  });

  it('past the deadline, later steps are still told, not awaited: a flush reports its losses at once', async () => {
    let told: boolean | undefined;
    const result = await shutdownInOrder(
      [
        { name: 'http server', run: () => new Promise(() => {}) },
        {
          name: 'span export',
          bestEffort: true,
          run: (deadline) => {
            told = deadline.aborted;
            return new Promise(() => {});
          },
        },
      ],
      { timeoutMs: 50, log },
    );
    expect(told).toBe(true);
    expect(result).toMatchObject({ ok: false, error: { code: 'MTR_ERR_SHUTDOWN_TIMEOUT' } });
  });

  it('gives up at the deadline and names the stuck step', async () => {
    const result = await shutdownInOrder([{ name: 'spans', run: () => new Promise(() => {}) }], { timeoutMs: 50, log });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'MTR_ERR_SHUTDOWN_TIMEOUT', message: expect.stringContaining('spans') },
    });
  });

  it('a best-effort step that fails does not fail the shutdown', async () => {
    const result = await shutdownInOrder(
      [{ name: 'span export', run: () => Promise.reject(new Error('collector refused')), bestEffort: true }],
      { timeoutMs: 1000, log },
    );
    expect(result).toEqual({ ok: true });
  });

  it('at the deadline, a best-effort step is told to give up and the shutdown still completes', async () => {
    let told: unknown;
    const result = await shutdownInOrder(
      [
        {
          name: 'span export',
          bestEffort: true,
          run: (deadline) =>
            new Promise(() => deadline.addEventListener('abort', () => (told = deadline.reason), { once: true })),
        },
      ],
      { timeoutMs: 50, log },
    );
    expect(result).toEqual({ ok: true });
    expect(told).toMatchObject({ code: 'MTR_ERR_SHUTDOWN_TIMEOUT' });
  });

  it('the deadline still fails a shutdown stuck in a step that is not best-effort', async () => {
    const result = await shutdownInOrder(
      [
        { name: 'http server', run: () => new Promise(() => {}) },
        { name: 'span export', run: () => undefined, bestEffort: true },
      ],
      { timeoutMs: 50, log },
    );
    expect(result).toMatchObject({ ok: false, error: { message: expect.stringContaining('http server') } });
  });
});
