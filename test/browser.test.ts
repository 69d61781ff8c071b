/**
 * The dashboard in a real browser: Debian's Chromium through playwright-core (never a
 * downloaded browser). The charts fill, the user table grows, both streams say open; then
 * the server restarts on the same port and the page reconnects by itself, the feed going on
 * from the next id. Leaves a screenshot in artifacts/dashboard.png.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { test } from 'tap'
import { listenDemo, type ListeningDemo } from './helpers/demo-clients.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))
const CHARTS = ['chart-cpu', 'chart-memory', 'chart-delay', 'chart-streams']
// Generous bounds for a loaded CI machine; each wait ends as soon as its condition holds.
const WAIT = { timeout: 30_000 }
// A short SSE retry, so the page comes back quickly after the restart.
const CONFIG = { retryMs: 300 }

/** The feed ids in the table, newest first. */
function tableIds (page: Page): Promise<number[]> {
  return page.$$eval('#users-body tr', rows => rows.map(row => Number((row as HTMLElement).dataset.id)))
}

test('the dashboard streams live, and reconnects and resumes across a server restart', async t => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: run \`node test/system-deps.mjs\` (apt-get install -y chromium)`)
    return
  }
  let demo: ListeningDemo = await listenDemo(CONFIG)
  const port = demo.port
  t.teardown(() => demo.app.close())
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
  const problems: string[] = []
  page.on('pageerror', err => problems.push(`page error: ${err.message}`))
  page.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })

  await page.goto(`${demo.url}/`)
  t.equal(await page.title(), 'fastify-stream · live demo')

  await page.waitForFunction(ids => ids.every(id => Number(document.getElementById(id)?.dataset.points) >= 3), CHARTS, WAIT)
  t.pass('every chart has at least 3 points')
  await page.waitForFunction(() => document.querySelectorAll('#users-body tr').length >= 3, undefined, WAIT)
  t.pass('the user table has at least 3 rows')
  for (const id of ['conn-monitor', 'conn-feed']) {
    await page.waitForSelector(`#${id}[data-state="open"]`, WAIT)
    t.equal(await page.textContent(`#${id} .conn-state`), 'open', `${id} says open`)
  }
  t.match(await page.textContent('#tile-rss'), /\d+(\.\d)? MB/, 'the tiles show metrics')
  t.same(problems, [], 'no script errors, no CSP violations, no failed loads')
  const before = await tableIds(page)
  t.same(before, before.map((_, i) => before[0] as number - i), `table ids are consecutive: ${before.join(' ')}`)

  // Restart: stop the server, wait until the page has noticed, start a new one on the port.
  await demo.app.close()
  await page.waitForSelector('#conn-feed[data-state="reconnecting"]', WAIT)
  t.pass('the feed indicator shows the reconnect')
  const lastBefore = Math.max(...await tableIds(page))
  demo = await listenDemo(CONFIG, port)

  await page.waitForFunction(last => {
    const ids = Array.from(document.querySelectorAll<HTMLElement>('#users-body tr'), row => Number(row.dataset.id))
    return ids.includes(last + 2)
  }, lastBefore, WAIT)
  for (const id of ['conn-monitor', 'conn-feed']) {
    await page.waitForSelector(`#${id}[data-state="open"]`, WAIT)
    t.ok(Number(await page.getAttribute(`#${id}`, 'data-reconnects')) >= 1, `${id} reconnected by itself`)
  }
  const after = await tableIds(page)
  t.ok(after.includes(lastBefore) && after.includes(lastBefore + 1), `the rows span the restart (last before: ${lastBefore})`)
  t.same(after, after.map((_, i) => after[0] as number - i), `no gap, no duplicate: ${after.join(' ')}`)
  t.equal(await page.getAttribute('#feed-sequence', 'data-ok'), 'true', 'the page saw a continuous sequence')
  t.ok(demo.app.streams.resumes >= 1, 'the new server was asked to resume')

  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true })
})
