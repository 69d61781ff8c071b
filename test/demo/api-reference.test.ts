/**
 * The demo's API reference, as a new user meets it: /documentation/json is a valid OpenAPI
 * 3.2 document where every stream route lists its items per media type, and /documentation
 * (Swagger UI from node_modules) opens in Chromium under the demo's CSP with no error and no
 * request leaving the origin, showing the stream routes and their items. Leaves a screenshot
 * in artifacts/api-reference.png.
 */
import { Validator } from '@seriousme/openapi-schema-validator'
import t from 'tap'
import { WAIT, launchChromium, saveScreenshot } from '../helpers/browser.js'
import { listenDemo } from '../helpers/demo-clients.js'

const STREAMS: Record<string, string[]> = {
  '/api/live': ['text/event-stream'],
  '/api/users/feed': ['text/event-stream', 'application/x-ndjson'],
  '/api/users/export': ['text/csv', 'application/x-ndjson'],
  '/api/chat/stream': ['text/event-stream', 'application/x-ndjson'],
  '/api/monitor': ['text/event-stream', 'application/x-ndjson']
}

type Media = Record<string, { itemSchema?: any, schema?: any }>

const demo = await listenDemo()
t.teardown(() => demo.app.close())

t.test('/documentation/json: OpenAPI 3.2, valid, every stream with its items', async t => {
  const res = await fetch(`${demo.url}/documentation/json`)
  t.equal(res.status, 200)
  const doc = await res.json() as { openapi: string, paths: Record<string, { get: { responses: { 200: { content: Media } } } }> }
  t.equal(doc.openapi, '3.2.0')
  t.same(await new Validator().validate(doc), { valid: true }, 'valid against the OpenAPI 3.2 schema')
  for (const [path, types] of Object.entries(STREAMS)) {
    const content = doc.paths[path]?.get.responses[200].content ?? {}
    t.same(Object.keys(content), types, `${path}: the media types it streams`)
    for (const type of types) t.ok(content[type]?.itemSchema, `${path} ${type}: an itemSchema`)
  }
  const feed = doc.paths['/api/users/feed']!.get.responses[200].content
  t.match(feed['application/x-ndjson']!.itemSchema, { properties: { id: { type: 'integer' }, email: { type: 'string' } } })
  t.match(feed['text/event-stream']!.itemSchema, { properties: { data: { type: 'string', contentMediaType: 'application/json', contentSchema: { properties: { username: { type: 'string' } } } } } })
  const live = doc.paths['/api/live']!.get.responses[200].content['text/event-stream']!.itemSchema as { oneOf: Array<{ properties: { event: { enum: string[] } } }> }
  t.same(live.oneOf.map(branch => branch.properties.event.enum[0]), ['metrics', 'metrics-history', 'user', 'chat', 'chat-reset', 'chat-presence', 'end', 'stream-error'], '/api/live: one branch per event type')
})

t.test('/documentation in Chromium: the stream routes and their items, offline, under the CSP', async t => {
  const browser = await launchChromium(t)
  if (browser === undefined) return
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const problems: string[] = []
  const elsewhere: string[] = []
  page.on('pageerror', err => problems.push(`page error: ${err.message}`))
  page.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })
  page.on('request', request => { if (!request.url().startsWith(demo.url) && !request.url().startsWith('data:')) elsewhere.push(request.url()) })
  const response = await page.goto(`${demo.url}/documentation`, WAIT)
  t.match(response?.headers()['content-security-policy'] ?? '', /default-src 'self'/, 'served with a CSP')

  for (const path of Object.keys(STREAMS)) {
    await page.locator('.opblock-summary-path', { hasText: new RegExp(`^${path.replaceAll('/', '\\/')}$`) }).first().waitFor(WAIT)
  }
  t.pass('every stream route is listed')

  await page.locator('.opblock-summary-path', { hasText: /^\/api\/users\/feed$/ }).first().click()
  const responses = page.locator('.opblock.is-open .responses-wrapper')
  await responses.waitFor(WAIT)
  await responses.locator('text=Schema').first().click()
  await page.locator('.opblock.is-open .model-box').first().waitFor(WAIT)
  const shown = await page.locator('.opblock.is-open .responses-wrapper').innerText()
  for (const field of ['username', 'email', 'createdAt']) t.match(shown, field, `the feed's items show ${field}`)
  await saveScreenshot(page, 'api-reference')
  t.same(problems, [], 'no page error, no console error (a CSP violation would be one)')
  t.same(elsewhere, [], 'nothing is fetched from another origin')
})
