/**
 * The demo's NDJSON panel in real Chromium: the page loads fastify-stream/client from the
 * demo's /vendor/ routes through its import map (allowed by the CSP's hash), reads the user
 * feed as NDJSON with readNdjson(), shows the newest users, and Stop aborts the request.
 */
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import t from 'tap'
import { listenDemo } from '../helpers/demo-clients.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
const WAIT = { timeout: 30_000 }

t.test('the NDJSON panel reads the feed with readNdjson, and Stop aborts it', async t => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: run \`node test/system-deps.mjs\` (apt-get install -y chromium)`)
    return
  }
  const demo = await listenDemo()
  t.teardown(() => demo.app.close())
  const page = await fetch(`${demo.url}/`)
  t.match(page.headers.get('content-security-policy'), /script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'/, 'the CSP allows the import map by its hash')
  for (const path of ['/vendor/fastify-stream/client/index.js', '/vendor/fastify-stream/client/read-ndjson.js', '/vendor/eventsource-parser/index.js']) {
    const response = await fetch(`${demo.url}${path}`)
    t.equal(response.status, 200, `${path} is served`)
    t.match(response.headers.get('content-type'), /javascript/)
  }
  t.equal((await fetch(`${demo.url}/vendor/fastify-stream/client/index.d.ts`)).status, 404, 'only modules are served from dist')

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  const tab = await browser.newPage()
  const problems: string[] = []
  tab.on('pageerror', err => problems.push(`page error: ${err.message}`))
  tab.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })
  await tab.goto(`${demo.url}/`)

  await tab.selectOption('#ndjson-count', '1000')
  await tab.click('#ndjson-start')
  await tab.waitForSelector('#ndjson-status[data-state="done"]', WAIT)
  t.equal(await tab.getAttribute('#ndjson-status', 'data-received'), '1000', 'every user arrived')
  t.match(await tab.textContent('#ndjson-status'), /^1,000 of 1,000 users in .+ s \(.+\/s\)\. Done\.$/)
  t.same(await tab.$$eval('#ndjson-latest li', items => items.map(item => Number((item as HTMLElement).dataset.id))), [1000, 999, 998, 997, 996], 'the newest users, newest first')

  await tab.selectOption('#ndjson-count', '100000')
  await tab.click('#ndjson-start')
  await tab.waitForFunction(() => Number(document.getElementById('ndjson-status')?.dataset.received) >= 500, undefined, WAIT)
  await tab.click('#ndjson-stop')
  await tab.waitForSelector('#ndjson-status[data-state="stopped"]', WAIT)
  const stoppedAt = Number(await tab.getAttribute('#ndjson-status', 'data-received'))
  t.ok(stoppedAt >= 500 && stoppedAt < 100_000, `stopped after ${stoppedAt} users`)
  t.equal(await tab.isEnabled('#ndjson-start'), true, 'ready for another fetch')

  t.same(problems, [], 'no script errors, no CSP violations, no failed loads')
})
