/**
 * Who is online, in Debian's Chromium: two browser profiles (two visitors) each see the other
 * in the chat's list, with its name and the count; a second tab of one visitor does not count
 * twice; closing that visitor's last tab removes it from the other's list. With REDIS_URL,
 * two demo instances on one Redis show the same visitors, each on its own instance.
 */
import t from 'tap'
import type { BrowserContext, Page } from 'playwright-core'
import { WAIT, launchChromium, openDashboard, saveScreenshot, waitLive } from '../helpers/browser.js'
import { reached } from '../helpers/bounded-wait.js'
import { listenDemo } from '../helpers/demo-clients.js'
import { startRedisServer } from '../helpers/redis-server.js'

const browser = await launchChromium(t)
const demo = await listenDemo()
t.teardown(() => demo.app.close())

/** A profile whose chat name is `name` (as if it had chatted before). */
async function profile (name: string): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport: { width: 1024, height: 900 } })
  await context.addInitScript(chatName => { localStorage.setItem('fastify-stream-demo.chat-name', chatName) }, name)
  return context
}

/** Resolves once `page` lists exactly `names` as online. */
function showsOnline (page: Page, names: string[]): Promise<unknown> {
  return page.waitForFunction(expected => {
    const shown = Array.from(document.querySelectorAll('#chat-online .chat-online-name'), node => node.textContent).sort()
    return document.getElementById('chat-online')?.dataset.users === String(expected.length) &&
      JSON.stringify(shown) === JSON.stringify(expected) &&
      document.getElementById('chat-online-count')?.textContent === `${expected.length} online`
  }, names.slice().sort(), WAIT)
}

t.test('two visitors see each other online, and see the other leave', { skip: browser === undefined }, async t => {
  const adaProfile = await profile('Ada')
  const bobProfile = await profile('Bob')
  t.teardown(() => adaProfile.close())
  const ada = await openDashboard(adaProfile, demo.url)
  await reached(t, waitLive(ada.page), 'Ada\'s dashboard is live')
  await reached(t, showsOnline(ada.page, ['Ada']), 'Ada sees herself online')

  const bob = await openDashboard(bobProfile, demo.url)
  const bobsSecondTab = await openDashboard(bobProfile, demo.url)
  await reached(t, Promise.all([showsOnline(ada.page, ['Ada', 'Bob']), showsOnline(bob.page, ['Ada', 'Bob']), showsOnline(bobsSecondTab.page, ['Ada', 'Bob'])]), 'each sees both, in every tab')
  t.match(await demo.app.hub.presence('chat'), { users: 2 }, 'two visitors for the server too, though Bob has two tabs')
  await saveScreenshot(ada.page, 'chat-presence')

  await bobsSecondTab.page.close()
  await bob.page.close()
  await reached(t, showsOnline(ada.page, ['Ada']), 'Bob closed his last tab: Ada sees him leave')
  t.match(await demo.app.hub.presence('chat'), { clients: 1, users: 1 })
  t.same([...ada.problems, ...bob.problems, ...bobsSecondTab.problems], [], 'no script or console error')
  await bobProfile.close()
})

t.test('with REDIS_URL, two demo instances agree on who is online', { skip: browser === undefined }, async t => {
  const redis = await startRedisServer()
  t.teardown(() => redis.stop())
  const [a, b] = await Promise.all([listenDemo({ redisUrl: redis.url }), listenDemo({ redisUrl: redis.url })])
  t.teardown(() => Promise.all([a.app.close(), b.app.close()]))
  const adaProfile = await profile('Ada')
  const bobProfile = await profile('Bob')
  t.teardown(() => Promise.all([adaProfile.close(), bobProfile.close()]))
  // Ada on one instance, Bob on the other: each sees both, through Redis.
  const ada = await openDashboard(adaProfile, a.url)
  const bob = await openDashboard(bobProfile, b.url)
  await reached(t, Promise.all([showsOnline(ada.page, ['Ada', 'Bob']), showsOnline(bob.page, ['Ada', 'Bob'])]), 'each instance\'s page shows both visitors')
  t.same(await a.app.hub.presence('chat'), await b.app.hub.presence('chat'), 'the two instances answer alike')
  await bob.page.close()
  await reached(t, showsOnline(ada.page, ['Ada']), 'Bob closed his tab on B: Ada, on A, sees him leave')
  t.same([...ada.problems, ...bob.problems], [], 'no script or console error')
})
