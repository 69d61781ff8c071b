/**
 * Real Chromium for the dashboard's tests: Debian's /usr/bin/chromium through playwright-core
 * (never a downloaded browser), launched once per test file, and dashboard pages that record
 * every script error and console error.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { Test } from 'tap'

/** Debian's Chromium; `node test/system-deps.mjs` installs it. */
export const CHROMIUM = '/usr/bin/chromium'
/** Exactly these flags: headless, no sandbox (root in CI), no GPU, no calls home. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
/** Where screenshots go (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url))
/** The bound of one wait on a loaded CI machine; each ends as soon as its condition holds. */
export const WAIT = { timeout: 20_000 }

/** A dashboard tab and what went wrong in it. */
export interface DashboardTab {
  page: Page
  /** Script errors and console errors, as they happened. */
  problems: string[]
}

/**
 * Launches Chromium for the test file `t`, closed on its teardown; `undefined` (and a failed
 * test saying how to install it) when it is missing.
 */
export async function launchChromium (t: Test): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: run \`node test/system-deps.mjs\` (apt-get install -y chromium)`)
    return undefined
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: WAIT.timeout })
  t.teardown(() => browser.close())
  return browser
}

/** Opens the dashboard at `url` in a new tab of `context`; the navigation is bounded by {@link WAIT}. */
export async function openDashboard (context: BrowserContext, url: string): Promise<DashboardTab> {
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', err => problems.push(`page error: ${err.message}`))
  page.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })
  await page.goto(`${url}/`, WAIT)
  return { page, problems }
}

/** Resolves once every panel of `page` has data and says open. */
export async function waitLive (page: Page): Promise<void> {
  await page.waitForFunction(() => Number(document.getElementById('chart-cpu')?.dataset.points) > 0 &&
    ['conn-monitor', 'conn-feed', 'conn-chat'].every(id => document.getElementById(id)?.dataset.state === 'open'), undefined, WAIT)
}

/** The time of the newest metrics sample `page` shows (ms since the epoch; 0 before any). */
export async function newestSample (page: Page): Promise<number> {
  return page.evaluate(() => Number(document.getElementById('chart-cpu')?.dataset.newest ?? 0))
}

/** Resolves once `page` shows a metrics sample newer than `than`. */
export async function waitNewerSample (page: Page, than: number): Promise<void> {
  await page.waitForFunction(time => Number(document.getElementById('chart-cpu')?.dataset.newest ?? 0) > time, than, WAIT)
}

/** Saves a full-page screenshot of `page` as artifacts/`name`.png. */
export async function saveScreenshot (page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true })
}
