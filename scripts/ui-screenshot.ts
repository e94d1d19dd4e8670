/**
 * `./pnpmw ui:screenshot`: docs/explorer.md's pictures of the propagation explorer,
 * taken from the real page. Starts backend-2, backend and the frontend on
 * loopback (spans go to an in-process Zipkin endpoint), sends one request
 * from the page in headless Chromium, and saves the page at desktop width
 * (light, the default preset), at 360 px (dark, no headers: a joined trace),
 * and the PROPAGATION=off chain.
 */
import { startService, startZipkinReceiver } from '@meshtrace/harness';
import { launchBrowser } from '../services/frontend/test/browser.ts';

const OUT = new URL('../docs/', import.meta.url);

const zipkin = await startZipkinReceiver();
const tracing = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
const backend2 = await startService('backend', { env: { ...tracing, OTEL_SERVICE_NAME: 'backend-2' } });
const backend = await startService('backend', { env: { ...tracing, DOWNSTREAM_URLS: backend2.url } });
const backendOff = await startService('backend', {
  env: { ...tracing, DOWNSTREAM_URLS: backend2.url, PROPAGATION: 'off' },
});
const common = { ...tracing, JAEGER_UI_URL: 'http://localhost:16686', LOOP_INTERVAL_MS: '1000' };
const frontend = await startService('frontend', { env: { ...common, TARGET_URL: `${backend.url}/` } });
const frontendOff = await startService('frontend', {
  env: { ...common, TARGET_URL: `${backendOff.url}/`, LOOP_MODE: 'off' },
});

const shots = [
  {
    file: 'ui-desktop.png',
    url: frontend.url,
    preset: 'B3 multi-header, sampled',
    width: 1280,
    colorScheme: 'light',
    fullPage: true,
  },
  // One phone screen, scrolled to the verdict and hops: the whole page is many screens long at 360 px.
  { file: 'ui-phone-dark.png', url: frontend.url, preset: 'Nothing', width: 360, colorScheme: 'dark', fullPage: false },
  {
    file: 'ui-broken.png',
    url: frontendOff.url,
    preset: 'B3 multi-header, sampled',
    width: 1280,
    colorScheme: 'light',
    fullPage: true,
  },
] as const;

try {
  // A few loop ticks, so the loop panel has rows.
  await new Promise((resolve) => setTimeout(resolve, 3500));
  for (const shot of shots) {
    const browser = await launchBrowser({ width: shot.width, colorScheme: shot.colorScheme });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${shot.url}/ui/`);
      await page.locator('body[data-ready]').waitFor();
      await page.getByLabel('What the request carries').selectOption({ label: shot.preset });
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.locator('.chain').waitFor();
      await page.locator('.ticks, #loop-note:not(:empty)').first().waitFor();
      if (!shot.fullPage) await page.locator('#hops-title').evaluate((title) => title.scrollIntoView());
      const path = new URL(shot.file, OUT).pathname;
      await page.screenshot({ path, fullPage: shot.fullPage });
      process.stdout.write(`${path}\n`);
    } finally {
      await browser.close();
    }
  }
} finally {
  await Promise.all([frontend, frontendOff, backend, backendOff, backend2].map((service) => service.stop()));
  await zipkin.close();
}
