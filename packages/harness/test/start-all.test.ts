import { describe, expect, it } from 'vitest';
import { type ServiceProcess, startAll, startService } from '../src/service-process.ts';

describe('startAll', () => {
  it('starts everything at once and hands each back in order', async () => {
    const [first, second] = await startAll([startService('backend'), startService('backend')]);
    try {
      expect((await fetch(`${first.url}/health`)).status).toBe(200);
      expect(second.port).not.toBe(first.port);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('stops what did start when another start fails, then rethrows that failure', async () => {
    let started: ServiceProcess | undefined;
    const backend = startService('backend').then((service) => {
      started = service;
      return service;
    });
    const noBrowser = Promise.reject(new Error('no Chromium at /nowhere'));
    await expect(startAll([backend, noBrowser as Promise<ServiceProcess>])).rejects.toThrow('no Chromium at /nowhere');
    expect(started).toBeDefined();
    // The process is gone, not waiting for an afterAll that never learned of it.
    expect(await started?.exited).toBe(0);
    await expect(fetch(`${started?.url}/health`)).rejects.toThrow();
  });
});
