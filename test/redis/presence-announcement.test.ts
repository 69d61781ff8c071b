// The presence announcements and replies of the Redis adapter, parsed: what the script wrote
// is read back; anything else on a topic's channel is not taken for a join or a leave.
import t from 'tap'
import { parsePresenceAnnouncement, parsePresencePage, PRESENCE_MARK } from '../../lib/hub/redis/presence-script.js'

t.test('announcements: joins and leaves with their info; anything else is not one', async t => {
  t.same(parsePresenceAnnouncement(`${PRESENCE_MARK}join\nada\n{"name":"Ada"}`), { type: 'join', id: 'ada', info: { name: 'Ada' } })
  t.same(parsePresenceAnnouncement(`${PRESENCE_MARK}leave\nbob\nnull`), { type: 'leave', id: 'bob', info: null })
  t.same(parsePresenceAnnouncement(`${PRESENCE_MARK}leave\nbob\nnot json`), { type: 'leave', id: 'bob', info: null }, 'info that is not JSON reads as none')
  const others = ['epoch\nprevious\nid\ns\n\npayload', `${PRESENCE_MARK}join`, `${PRESENCE_MARK}join\nada`, `${PRESENCE_MARK}wave\nada\nnull`, '']
  for (const message of others) t.equal(parsePresenceAnnouncement(message), undefined, JSON.stringify(message))
})

t.test('a read\'s reply: counts, the page, and a cursor only when more follow', async t => {
  t.same(parsePresencePage([1, 3, 2, 1, 'ada', '1', '2\n{"name":"Ada"}']), { clients: 3, users: 2, list: [{ id: 'ada', info: { name: 'Ada' }, clients: 2 }], cursor: '1' })
  t.same(parsePresencePage([0, 0, 0, 0]), { clients: 0, users: 0, list: [], cursor: null })
})
