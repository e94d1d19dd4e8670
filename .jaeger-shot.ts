// Session-only (not committed): one trace in the Jaeger UI the stand-in serves, as a PNG.
import { launchBrowser } from './services/frontend/test/browser.ts';
const [base, traceId, out] = process.argv.slice(2);
const browser = await launchBrowser({ width: 1280 });
try {
  const page = await browser.context.newPage();
  await page.goto(`${base}/trace/${traceId}`);
  // The trace page's timeline rows: one per span.
  await page.getByText('backend-2').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out, fullPage: false });
  process.stdout.write(`${out}\n`);
} finally {
  await browser.close();
}
