/**
 * The dashboard in a real browser: Debian's Chromium through playwright-core (never a
 * downloaded browser). The charts fill, the user table grows, every panel says open; when
 * the stream stalls without closing, every panel says stale instead of open, and recovers;
 * then the server restarts on the same port and the page reconnects by itself, the feed
 * going on from the next id. Leaves a screenshot in artifacts/dashboard.png.
 */
import type { Socket } from 'node:net'
import t from 'tap'
import type { Page } from 'playwright-core'
import { WAIT, launchChromium, openDashboard, saveScreenshot, waitLive } from '../helpers/browser.js'
import { listenDemo, type ListeningDemo } from '../helpers/demo-clients.js'
import { reached } from '../helpers/bounded-wait.js'

const CHARTS = ['chart-cpu', 'chart-memory', 'chart-delay', 'chart-streams']
const PANELS = ['conn-monitor', 'conn-feed', 'conn-chat']
// A short SSE retry, so the page comes back quickly after the restart.
const CONFIG = { retryMs: 300 }
const OUTAGE = /^console: Failed to load resource: (net::ERR_CONNECTION_REFUSED|the server responded with a status of 503 )/

const browser = await launchChromium(t)

/** The feed ids in the table, newest first. */
function tableIds (page: Page): Promise<number[]> {
  return page.$$eval('#users-body tr', rows => rows.map(row => Number((row as HTMLElement).dataset.id)))
}

function waitPanels (page: Page, state: string): Promise<unknown> {
  return Promise.all(PANELS.map(id => page.waitForSelector(`#${id}[data-state="${state}"]`, WAIT)))
}

t.test('a panel whose stream delivers nothing says stale, not open, and recovers', { skip: browser === undefined }, async t => {
  const demo = await listenDemo()
  t.teardown(() => demo.app.close())
  // The server side of the page's stream, to hold back everything written to it.
  const streams: Socket[] = []
  demo.app.server.on('request', (request: { url?: string, socket: Socket }) => {
    if (request.url?.startsWith('/api/live') === true) streams.push(request.socket)
  })
  const context = await browser!.newContext()
  t.teardown(() => context.close())
  const { page, problems } = await openDashboard(context, demo.url)
  await waitLive(page)
  t.equal(streams.length, 1, 'the page holds one stream')

  // Corked: the connection stays open and the server writes on, but nothing reaches the
  // page, as with a stalled server or a proxy that buffers.
  streams[0]!.cork()
  const stalled = performance.now()
  await reached(t, waitPanels(page, 'stale'), 'every panel says stale once its stream goes silent')
  t.comment(`after ${Math.round(performance.now() - stalled)} ms of silence`)
  for (const id of PANELS) {
    t.equal(await page.textContent(`#${id} .conn-state`), 'stale', `${id} says stale`)
    t.match(await page.textContent(`#${id} .conn-rate`), /^silent \d+ s$/, `${id} says for how long`)
  }
  streams[0]!.uncork()
  await reached(t, waitPanels(page, 'open'), 'and open again once events arrive')
  t.same(problems, [], 'no script or console errors')
})

t.test('the dashboard streams live, and reconnects and resumes across a server restart', { skip: browser === undefined }, async t => {
  let demo: ListeningDemo = await listenDemo(CONFIG)
  const port = demo.port
  t.teardown(() => demo.app.close())
  const context = await browser!.newContext({ viewport: { width: 1440, height: 1000 } })
  t.teardown(() => context.close())
  const liveResponse = context.waitForEvent('response', { predicate: response => response.url().includes('/api/live'), timeout: WAIT.timeout })
  const { page, problems } = await openDashboard(context, demo.url)
  t.equal(await page.title(), 'fastify-stream · live demo')
  t.equal((await liveResponse).headers()['content-encoding'], 'gzip', 'Chromium asked for gzip, and its EventSource reads /api/live compressed')

  await reached(t, page.waitForFunction(ids => ids.every(id => Number(document.getElementById(id)?.dataset.points) >= 3), CHARTS, WAIT), 'every chart has at least 3 points')
  await reached(t, page.waitForFunction(() => document.querySelectorAll('#users-body tr').length >= 3, undefined, WAIT), 'the user table has at least 3 rows')
  await waitPanels(page, 'open')
  for (const id of PANELS) t.equal(await page.textContent(`#${id} .conn-state`), 'open', `${id} says open`)
  t.match(await page.textContent('#tile-rss'), /\d+(\.\d)? MB/, 'the tiles show metrics')
  t.same(problems, [], 'no script errors, no CSP violations, no failed loads before the restart')
  const before = await tableIds(page)
  t.same(before, before.map((_, i) => before[0] as number - i), `table ids are consecutive: ${before.join(' ')}`)

  // Restart: stop the server, wait until the page has noticed, start a new one on the port.
  await demo.app.close()
  await reached(t, page.waitForSelector('#conn-feed[data-state="reconnecting"]', WAIT), 'the feed indicator shows the reconnect')
  const lastBefore = Math.max(...await tableIds(page))
  demo = await listenDemo(CONFIG, port)

  await page.waitForFunction(last => {
    const ids = Array.from(document.querySelectorAll<HTMLElement>('#users-body tr'), row => Number(row.dataset.id))
    return ids.includes(last + 2)
  }, lastBefore, WAIT)
  await waitPanels(page, 'open')
  for (const id of PANELS) t.ok(Number(await page.getAttribute(`#${id}`, 'data-reconnects')) >= 1, `${id} reconnected by itself`)
  const after = await tableIds(page)
  t.ok(after.includes(lastBefore) && after.includes(lastBefore + 1), `the rows span the restart (last before: ${lastBefore})`)
  t.same(after, after.map((_, i) => after[0] as number - i), `no gap, no duplicate: ${after.join(' ')}`)
  t.equal(await page.getAttribute('#feed-sequence', 'data-ok'), 'true', 'the page saw a continuous sequence')
  t.ok(demo.app.streams.resumes >= 1, 'the new server was asked to resume')
  // While the server is down, Chromium logs each failed reconnect ("Failed to load resource:
  // net::ERR_CONNECTION_REFUSED", or the 503 of a server shutting down): that is the outage,
  // not a fault of the page. Nothing else may show up.
  t.same(problems.filter(problem => !OUTAGE.test(problem)), [], 'no script errors, no CSP violations, no other console errors')
  await saveScreenshot(page, 'dashboard')
})
