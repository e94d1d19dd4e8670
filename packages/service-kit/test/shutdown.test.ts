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

  it('gives up at the deadline and names the stuck step', async () => {
    const result = await shutdownInOrder([{ name: 'spans', run: () => new Promise(() => {}) }], { timeoutMs: 50, log });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'ERR_SHUTDOWN_TIMEOUT', message: expect.stringContaining('spans') },
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
    expect(told).toMatchObject({ code: 'ERR_SHUTDOWN_TIMEOUT' });
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
