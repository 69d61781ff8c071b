// What a tab keeps of the live stream: the charts' window of metrics, the newest users and
// the recent chat. Every item passes here once: a backlog the server sends again after a
// reconnect, or a snapshot from another tab that overlaps what this tab has, adds only what
// is new. What is kept is the snapshot a tab that joins later receives.

// The server sends two minutes of samples on connect; a little more covers a reconnect.
const KEEP = { metrics: 150, user: 14, chat: 50 }

/**
 * @typedef {{ event: string, data: unknown, id: string }} LiveEntry
 *   one item as the panels get it: `metrics` carries an array of samples, oldest first;
 *   `user` one user; `chat` one message (id: its hub id); `chat-reset` the hub's reset data.
 */

/** Creates an empty store. */
export function createLiveStore () {
  const metrics = []
  const users = []
  const chat = []
  const chatIds = new Set()
  // Who is online: each list replaces the one before, so only the newest is kept.
  let presence
  let lastTime = 0
  let lastUser = 0

  const keep = (list, item, max) => {
    list.push(item)
    if (list.length > max) return list.shift()
  }

  return {
    /**
     * Takes one event as the server sent it (`metrics-history` is a batch of `metrics`) and
     * returns what is new in it as a {@link LiveEntry}, or `undefined` when nothing is.
     * @param {string} key for `chat`: the message's own hub id.
     */
    admit (event, data, key) {
      if (event === 'metrics' || event === 'metrics-history') {
        const fresh = (event === 'metrics' ? [data] : data).filter(sample => sample.time > lastTime)
        if (fresh.length === 0) return undefined
        lastTime = fresh[fresh.length - 1].time
        for (const sample of fresh) keep(metrics, sample, KEEP.metrics)
        return { event: 'metrics', data: fresh, id: '' }
      }
      if (event === 'user') {
        if (data.id <= lastUser) return undefined
        lastUser = data.id
        keep(users, data, KEEP.user)
        return { event, data, id: String(data.id) }
      }
      if (event === 'chat') {
        if (chatIds.has(key)) return undefined
        chatIds.add(key)
        const dropped = keep(chat, { data, id: key }, KEEP.chat)
        if (dropped !== undefined) chatIds.delete(dropped.id)
        return { event, data, id: key }
      }
      if (event === 'chat-presence') presence = data
      return { event, data, id: '' }
    },

    /** What is kept of one entry type (`metrics`, `user`, `chat`, `chat-presence`), as the panels get it. */
    kept (event) {
      if (event === 'metrics') return metrics.length > 0 ? [{ event, data: metrics.slice(), id: '' }] : []
      if (event === 'user') return users.map(user => ({ event, data: user, id: String(user.id) }))
      if (event === 'chat') return chat.map(({ data, id }) => ({ event, data, id }))
      if (event === 'chat-presence') return presence === undefined ? [] : [{ event, data: presence, id: '' }]
      return []
    },

    /** Everything kept, as `{ event, data, key }` for `admit()`: metrics, then users, then chat. */
    snapshot () {
      return [
        ...(metrics.length > 0 ? [{ event: 'metrics-history', data: metrics.slice(), key: '' }] : []),
        ...users.map(user => ({ event: 'user', data: user, key: '' })),
        ...chat.map(({ data, id }) => ({ event: 'chat', data, key: id })),
        ...(presence === undefined ? [] : [{ event: 'chat-presence', data: presence, key: '' }])
      ]
    }
  }
}
