/// <reference lib="dom" />
/**
 * A real browser for the report tests: playwright-core driving the system's Chromium (Debian's
 * `chromium` package; .ci/run installs it), never a browser download. Each launch gets a fresh
 * profile directory and the flags that keep Chromium from calling home.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.DLNFLOW_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or null when they can. */
export function browserUnavailable(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a test launches the browser
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'dlnflow-chromium-'));
  // Not the sanitizer run's preloaded ASan runtime (scripts/ci/sanitizers.sh): Chromium is not built for it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k !== 'LD_PRELOAD' && v !== undefined)) as Record<string, string>;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    env,
    headless: true,
    args: CHROMIUM_FLAGS, // the fresh profile directory is passed as --user-data-dir by playwright
    viewport: { width: 1200, height: 900 },
    deviceScaleFactor: 2,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Everything a page asked of the network (other than file:// loads) and every CSP violation. */
export interface NetworkLog {
  requests: string[];
  violations: string[];
}

/** Records requests and Content-Security-Policy violations of `page` from now on (and aborts non-file requests). */
export async function watchNetwork(page: Page): Promise<NetworkLog> {
  const log: NetworkLog = { requests: [], violations: [] };
  page.on('request', (r) => {
    if (!r.url().startsWith('file://')) log.requests.push(r.url());
  });
  await page.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : route.abort()));
  await page.exposeFunction('__dlnViolation', (what: string) => log.violations.push(what));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __dlnViolation(s: string): void }).__dlnViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return log;
}

export interface TextBox {
  text: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * The boxes of every visible, non-empty SVG <text> under `root` (a CSS selector), in page pixels.
 * Invisible means display:none, visibility:hidden, or opacity 0 on the element or an ancestor
 * (Vega hides overlapping tick labels that way).
 */
export function visibleTextBoxes(page: Page, root: string): Promise<TextBox[]> {
  return page.$$eval(`${root} svg text`, (els) => {
    const visible = (el: Element | null): boolean => {
      for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return false;
        const fo = e.getAttribute('fill-opacity');
        if (fo !== null && Number(fo) === 0) return false;
      }
      return true;
    };
    return els
      .filter((el) => (el.textContent ?? '').trim() !== '' && visible(el))
      .map((el) => {
        const r = el.getBoundingClientRect();
        return { text: el.textContent ?? '', x1: r.left, y1: r.top, x2: r.right, y2: r.bottom };
      })
      .filter((b) => b.x2 > b.x1 && b.y2 > b.y1);
  });
}

/**
 * Pairs of boxes that overlap by more than `tolerance` px in both directions (glyph boxes include
 * the font's line gap, so neighbours that only touch are not overlaps).
 */
export function overlappingPairs(boxes: TextBox[], tolerance = 1): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
      const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
      if (w > tolerance && h > tolerance) out.push([a.text, b.text]);
    }
  }
  return out;
}
