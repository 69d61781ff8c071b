/**
 * A new user's first visit, in Debian's Chromium: on a 390 × 844 phone the page fits the
 * screen (only the user table scrolls sideways, inside its card) and every control can be
 * used; on a desktop the charts show the recent two minutes and the chat its recent messages
 * the moment the page opens, because the server keeps both. Leaves screenshots in
 * artifacts/dashboard-390.png and artifacts/dashboard-1280.png.
 */
import t from 'tap'
import { WAIT, launchChromium, openDashboard, saveScreenshot, waitLive } from '../helpers/browser.js'
import { listenDemo, openStream } from '../helpers/demo-clients.js'
import { reached } from '../helpers/bounded-wait.js'

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
const DESKTOP = { viewport: { width: 1280, height: 900 } }
const CHAT = ['first', 'second', 'third']
// Samples the server holds before the desktop visit: several seconds' worth.
const HISTORY = 5
// Much less than HISTORY seconds: what the page shows by then came from the history.
const AT_ONCE_MS = 2500

const browser = await launchChromium(t)
const demo = await listenDemo()
t.teardown(() => demo.app.close())
for (const text of CHAT) {
  await fetch(`${demo.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', text }) })
}
// Counts the samples the server takes while the phone test runs.
const samples = await openStream(`${demo.url}/api/live?feed=off`, { accept: 'text/event-stream' })
t.teardown(() => samples.destroy())

/** One control as the phone test measures it, after scrolling it into view. */
interface Control {
  name: string
  left: number
  right: number
  width: number
  height: number
  /** The element at its centre is the control itself (nothing covers it). */
  reachable: boolean
}

t.test('on a 390 px phone the page fits the screen, the table scrolls in its card, every control works', { skip: browser === undefined }, async t => {
  const context = await browser!.newContext(PHONE)
  t.teardown(() => context.close())
  const { page, problems } = await openDashboard(context, demo.url)
  await waitLive(page)
  await page.waitForFunction(() => document.querySelectorAll('#users-body tr').length >= 2, undefined, WAIT)

  const page390 = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, innerWidth }))
  t.equal(page390.innerWidth, 390)
  t.ok(page390.scrollWidth <= page390.innerWidth, `no horizontal page scroll (scrollWidth ${page390.scrollWidth})`)

  const table = await page.evaluate(() => {
    const wrap = document.querySelector<HTMLElement>('.table-wrap')!
    const card = wrap.closest('.card')!.getBoundingClientRect()
    const needs = wrap.scrollWidth > wrap.clientWidth
    wrap.scrollLeft = wrap.scrollWidth
    return { needs, scrolled: wrap.scrollLeft, cardLeft: card.left, cardRight: card.right, pageScrollWidth: document.scrollingElement!.scrollWidth }
  })
  t.ok(table.needs, 'the table is wider than its card')
  t.ok(table.scrolled > 0, 'and scrolls sideways inside it')
  t.ok(table.cardLeft >= 0 && table.cardRight <= 390, `its card is on screen (${table.cardLeft}–${table.cardRight})`)
  t.ok(table.pageScrollWidth <= 390, 'scrolling the table does not scroll the page')

  const controls: Control[] = await page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('input, select, button, a.button'), element => {
    element.scrollIntoView({ block: 'center' })
    const rect = element.getBoundingClientRect()
    const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2)
    return {
      name: element.id || element.textContent!.trim(),
      left: rect.left,
      right: rect.right,
      width: rect.width,
      height: rect.height,
      reachable: hit !== null && (hit === element || element.contains(hit))
    }
  }))
  t.ok(controls.length >= 7, `${controls.length} controls`)
  for (const control of controls) {
    t.ok(control.left >= 0 && control.right <= 390, `${control.name} is on screen (${Math.round(control.left)}–${Math.round(control.right)})`)
    t.ok(control.width >= 44 && control.height >= 36, `${control.name} is big enough to tap (${Math.round(control.width)} × ${Math.round(control.height)})`)
    t.ok(control.reachable, `${control.name} is not covered`)
  }
  for (const id of ['chat-name', 'chat-text']) {
    const width = controls.find(control => control.name === id)!.width
    t.ok(width >= 250, `#${id} is wide enough to type in (${Math.round(width)} px)`)
  }

  const text = 'typed on a phone'
  await page.tap('#chat-name')
  await page.keyboard.type('ada')
  await page.tap('#chat-text')
  await page.keyboard.type(text)
  await page.tap('#chat-form button[type="submit"]')
  await reached(t, page.waitForFunction(sent => Array.from(document.querySelectorAll('#chat-log .chat-text'), node => node.textContent).includes(sent), text, WAIT), 'a message typed and sent on the phone arrives')
  await page.evaluate(() => window.scrollTo(0, 0))
  await saveScreenshot(page, 'dashboard-390')
  t.same(problems, [], 'no script or console errors')
})

t.test('on a first visit, the charts show the recent window and the chat its recent messages at once', { skip: browser === undefined }, async t => {
  await samples.waitForText(() => samples.events.reduce((sum, event) => sum + (event.event === 'metrics-history' ? JSON.parse(event.data).length : event.event === 'metrics' ? 1 : 0), 0) >= HISTORY)
  samples.destroy()
  const context = await browser!.newContext(DESKTOP)
  t.teardown(() => context.close())
  const started = performance.now()
  const { page, problems } = await openDashboard(context, demo.url)
  await reached(t, page.waitForFunction(([points, messages]) => Number(document.getElementById('chart-cpu')?.dataset.points) >= points &&
    Number(document.getElementById('chat-log')?.dataset.messages) >= messages, [HISTORY, CHAT.length + 1], { timeout: AT_ONCE_MS }), `within ${AT_ONCE_MS} ms: at least ${HISTORY} samples per chart and the ${CHAT.length + 1} messages so far`)
  t.comment(`shown after ${Math.round(performance.now() - started)} ms`)

  const shown = await page.evaluate(() => ({
    charts: Array.from(document.querySelectorAll<HTMLElement>('.chart'), chart => ({ points: Number(chart.dataset.points), span: Number(chart.dataset.spanSeconds) })),
    chat: Array.from(document.querySelectorAll('#chat-log .chat-text'), node => node.textContent),
    emptyHidden: document.getElementById('chat-empty')!.hidden,
    rss: document.getElementById('tile-rss')!.textContent,
    scrollWidth: document.scrollingElement!.scrollWidth
  }))
  t.equal(shown.charts.length, 4)
  for (const chart of shown.charts) {
    t.ok(chart.points >= HISTORY, `a chart with ${chart.points} points`)
    t.equal(chart.span, 120, 'spanning the whole two-minute window, not stretched')
  }
  t.same(shown.chat, [...CHAT, 'typed on a phone'], 'the recent chat, in order')
  t.ok(shown.emptyHidden, 'no "No messages yet"')
  t.match(shown.rss, /\d+(\.\d)? MB/, 'the tiles show the newest sample')
  t.ok(shown.scrollWidth <= 1280, 'no horizontal page scroll at 1280 px')
  await waitLive(page)
  await saveScreenshot(page, 'dashboard-1280')
  t.same(problems, [], 'no script or console errors')
})
