/**
 * Presence kept in this process (the memory adapter's). Per topic: each client's user, and
 * each user's info, client count and join order. Counts are sizes of maps, so asking how many
 * are here costs nothing whatever the count; a page walks the users in join order from the
 * cursor and allocates only the page.
 */
import type { PresenceChange, PresencePage, PresenceStore, PresentUser } from './presence.js'

interface PresentEntry {
  info: unknown
  clients: number
  // The user's place in the join order: the cursor of a page is the last one it listed.
  seq: number
}

interface TopicPresence {
  clients: Map<object, string>
  // In join order: a user who leaves and comes back is appended again with a new seq.
  users: Map<string, PresentEntry>
  seq: number
}

/** Presence in one process: every subscriber of a topic is in this hub. */
export class MemoryPresence implements PresenceStore {
  private readonly topics = new Map<string, TopicPresence>()
  private readonly changed: (topic: string, change: PresenceChange) => void

  /** @param changed told of each user's first join and last leave. */
  constructor (changed: (topic: string, change: PresenceChange) => void) {
    this.changed = changed
  }

  join (topic: string, client: object, member: { id: string, info: unknown }): void {
    let presence = this.topics.get(topic)
    if (presence === undefined) {
      presence = { clients: new Map(), users: new Map(), seq: 0 }
      this.topics.set(topic, presence)
    }
    presence.clients.set(client, member.id)
    const entry = presence.users.get(member.id)
    if (entry !== undefined) {
      entry.clients++
      // The newest tab's info wins: a renamed user shows the new name.
      entry.info = member.info
      return
    }
    presence.users.set(member.id, { info: member.info, clients: 1, seq: ++presence.seq })
    this.changed(topic, { type: 'join', id: member.id, info: member.info })
  }

  leave (topic: string, client: object): void {
    const presence = this.topics.get(topic)
    const id = presence?.clients.get(client)
    if (presence === undefined || id === undefined) return
    presence.clients.delete(client)
    const entry = presence.users.get(id) as PresentEntry
    if (--entry.clients > 0) return
    presence.users.delete(id)
    if (presence.users.size === 0) this.topics.delete(topic)
    this.changed(topic, { type: 'leave', id, info: entry.info })
  }

  async read (topic: string, limit: number, cursor: string | undefined): Promise<PresencePage> {
    const presence = this.topics.get(topic)
    if (presence === undefined) return { clients: 0, users: 0, list: [], cursor: null }
    const after = cursor === undefined ? 0 : Number(cursor)
    const list: PresentUser[] = []
    let last = 0
    let more = false
    for (const [id, entry] of presence.users) {
      // A cursor that is not a number lists from the start rather than failing.
      if (entry.seq <= after) continue
      if (list.length === limit) {
        more = true
        break
      }
      list.push({ id, info: entry.info, clients: entry.clients })
      last = entry.seq
    }
    return { clients: presence.clients.size, users: presence.users.size, list, cursor: more ? String(last) : null }
  }
}
