/**
 * The Redis adapter's presence store: what this process's clients are, sent to Redis a
 * topic at a time (presence-script.ts), so every process sees the same presence.
 *
 * - Changes of one tick are gathered per topic and sent as one script call, after the
 *   topic's channel is subscribed here, so this process's own watchers hear them.
 * - Every `leaseMs / 3` the process renews its lease on each topic it has clients in or
 *   watchers of (one call per topic, whatever the number of clients), and those calls sweep
 *   the instances whose lease ran out: a killed process's users leave within a lease and a
 *   renewal interval.
 * - An outage must not make everyone leave: only a caller that has renewed without a break
 *   for a renewal interval sweeps (presence-script.ts), so after a stall or an outage every
 *   live process has had time to renew first. After a reconnect each topic is renewed at
 *   once, and where Redis lost this process's clients (a restart without persistence) they
 *   are sent again.
 */
import { randomBytes } from 'node:crypto'
import { errors } from '../../errors.js'
import type { PresencePage, PresenceStore } from '../presence/presence.js'
import { presenceKeys } from './keys.js'
import { mineOf, parsePresencePage, PRESENCE_COMMAND, presenceArgs, type PresenceCall } from './presence-script.js'
import type { RedisLinks } from './links.js'

// Changes per script call: a reconnect storm of one topic becomes several short scripts,
// not one that holds Redis.
const CHANGES_PER_CALL = 256 * 4
// Topics renewed per turn of the event loop, so a process in 100,000 topics stays fair.
const RENEWALS_PER_TURN = 500
// How long close() waits for its last leaves to reach Redis.
const CLOSE_GRACE_MS = 2000
// A cursor is a join-order place: digits only, else the list starts from the beginning.
const PLACE = /^\d{1,16}$/

interface LocalClient {
  /** This client's name in the instance's hash of clients. */
  key: string
  id: string
  /** The info as JSON text. */
  info: string
}

interface LocalTopic {
  clients: Map<object, LocalClient>
  /** Changes not sent yet, in the script's layout. */
  changes: string[]
}

type PresenceCommand = (...args: Array<string | number>) => Promise<unknown[]>

/** What the store needs from the adapter. */
export interface RedisPresenceHost {
  links: RedisLinks
  keyPrefix: string
  leaseMs: number
  /** Resolves once `topic`'s channel is subscribed here; `undefined` when it already is. */
  subscribed (topic: string): Promise<unknown> | undefined
}

/** Presence of this process's clients, kept in Redis with every other process's. */
export class RedisPresence implements PresenceStore {
  private readonly host: RedisPresenceHost
  private readonly instance = randomBytes(8).toString('hex')
  private readonly topics = new Map<string, LocalTopic>()
  private readonly watched = new Set<string>()
  private readonly dirty = new Set<string>()
  private readonly waiting = new Set<string>()
  private readonly inFlight = new Set<Promise<unknown>>()
  private readonly renewer: NodeJS.Timeout
  private clientSeq = 0
  private flushing = false

  constructor (host: RedisPresenceHost) {
    this.host = host
    this.renewer = setInterval(renewAll, this.renewMs, this).unref()
    host.links.on('change', state => {
      if (state !== 'ready') return
      // What Redis lost while away (its data, with a restart) comes back now, not a
      // renewal later; each call's count of this process's clients tells (see sent()).
      this.renew()
    })
  }

  private get renewMs (): number {
    return Math.floor(this.host.leaseMs / 3)
  }

  join (topic: string, client: object, member: { id: string, info: unknown }): void {
    let local = this.topics.get(topic)
    if (local === undefined) {
      local = { clients: new Map(), changes: [] }
      this.topics.set(topic, local)
    }
    const entry = { key: (++this.clientSeq).toString(36), id: member.id, info: JSON.stringify(member.info) }
    local.clients.set(client, entry)
    local.changes.push('j', entry.key, entry.id, entry.info)
    this.schedule(topic)
  }

  leave (topic: string, client: object): void {
    const local = this.topics.get(topic)
    const entry = local?.clients.get(client)
    if (local === undefined || entry === undefined) return
    local.clients.delete(client)
    local.changes.push('l', entry.key, '', '')
    this.schedule(topic)
  }

  watch (topic: string): void {
    this.watched.add(topic)
  }

  unwatch (topic: string): void {
    this.watched.delete(topic)
  }

  async read (topic: string, limit: number, cursor: string | undefined): Promise<PresencePage> {
    // This process's own changes first, on the same connection: a read sees them.
    const changes = this.takeChanges(topic)
    const after = cursor !== undefined && PLACE.test(cursor) ? cursor : '0'
    try {
      return parsePresencePage(await this.send(topic, changes, { after, limit }))
    } catch (err) {
      throw new errors.FST_STREAM_HUB_UNAVAILABLE('Redis refused the presence read', { cause: err })
    }
  }

  /** Sends what is pending, waits for it (at most a grace period), and stops renewing. */
  async close (): Promise<void> {
    clearInterval(this.renewer)
    for (const topic of this.topics.keys()) {
      const changes = this.takeChanges(topic)
      if (changes.length > 0) this.send(topic, changes).catch(noop)
    }
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise(resolve => { timer = setTimeout(resolve, CLOSE_GRACE_MS) })
    await Promise.race([Promise.allSettled(this.inFlight), grace])
    clearTimeout(timer)
  }

  /** @internal the renewal timer: every topic with clients or watchers here, a batch per turn. */
  renew (): void {
    if (!this.host.links.ready) return
    const topics = new Set([...this.topics.keys(), ...this.watched])
    const iterator = topics.values()
    const turn = (): void => {
      for (let i = 0; i < RENEWALS_PER_TURN; i++) {
        const next = iterator.next()
        if (next.done === true || this.host.links.closed) return
        this.send(next.value, this.takeChanges(next.value)).catch(noop)
      }
      setImmediate(turn)
    }
    turn()
  }

  /** @internal the tick's changes go out, per topic, once its channel is subscribed here. */
  flush (): void {
    this.flushing = false
    for (const topic of this.dirty) {
      const subscribed = this.host.subscribed(topic)
      if (subscribed !== undefined) {
        this.waitFor(topic, subscribed)
        continue
      }
      const changes = this.takeChanges(topic)
      if (changes.length > 0) this.send(topic, changes).catch(noop)
    }
    this.dirty.clear()
  }

  private schedule (topic: string): void {
    if (this.waiting.has(topic)) return
    this.dirty.add(topic)
    if (this.flushing) return
    this.flushing = true
    setImmediate(flushPresence, this)
  }

  private waitFor (topic: string, subscribed: Promise<unknown>): void {
    this.waiting.add(topic)
    subscribed.then(() => {
      this.waiting.delete(topic)
      this.schedule(topic)
    }, noop)
  }

  /** Takes `topic`'s pending changes; forgets a topic with no client left here. */
  private takeChanges (topic: string): string[] {
    const local = this.topics.get(topic)
    if (local === undefined) return []
    const changes = local.changes
    local.changes = []
    if (local.clients.size === 0) this.topics.delete(topic)
    return changes
  }

  /**
   * Sends `changes` to `topic`'s script, in calls of at most CHANGES_PER_CALL, and resolves
   * to the last reply. Every call renews this process's lease and may sweep.
   */
  private send (topic: string, changes: string[], read?: PresenceCall['read']): Promise<unknown[]> {
    const keys = presenceKeys(this.host.keyPrefix, topic)
    const query = this.host.links.query as unknown as Record<string, PresenceCommand>
    let last: Promise<unknown[]> | undefined
    for (let from = 0; from < changes.length || last === undefined; from += CHANGES_PER_CALL) {
      const call: PresenceCall = {
        keys,
        instance: this.instance,
        leaseMs: this.host.leaseMs,
        sharded: this.host.links.sharded,
        maySweep: this.host.links.ready,
        watching: this.watched.has(topic),
        changes: changes.slice(from, from + CHANGES_PER_CALL)
      }
      if (read !== undefined && from + CHANGES_PER_CALL >= changes.length) call.read = read
      last = query[PRESENCE_COMMAND]!(...presenceArgs(call))
    }
    // The count of this process's clients Redis holds is checked against the count here
    // after these changes: calls on one connection run in order, so they must agree.
    const expected = this.topics.get(topic)?.clients.size ?? 0
    const sent = (last as Promise<unknown[]>).then(reply => {
      this.sent(topic, mineOf(reply), expected)
      return reply
    })
    this.inFlight.add(sent)
    sent.catch(noop).finally(() => this.inFlight.delete(sent))
    return sent
  }

  /**
   * Puts `topic` right when Redis holds another number of this process's clients than it
   * has: fewer when Redis lost them (a restart without its data, keys expired through a long
   * outage, this process swept while it could not reach Redis), more if a leave was lost.
   * They all leave and the current ones join again in one call, so users who stay make no
   * event (their leave and join cancel out) and those really gone leave.
   */
  private sent (topic: string, mine: number, expected: number): void {
    if (mine === expected) return
    let local = this.topics.get(topic)
    if (local === undefined) {
      local = { clients: new Map(), changes: [] }
      this.topics.set(topic, local)
    }
    local.changes.push('c', '', '', '')
    for (const entry of local.clients.values()) local.changes.push('j', entry.key, entry.id, entry.info)
    this.schedule(topic)
  }
}

function renewAll (presence: RedisPresence): void {
  presence.renew()
}

function flushPresence (presence: RedisPresence): void {
  presence.flush()
}

// A presence call fails only when the connection is gone for good (close) or Redis refused
// the script; the next renewal sends the topic's state again.
function noop (): void {}
