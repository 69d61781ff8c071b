/**
 * The one blocking reader a process runs per followed topic (not per subscriber): XREAD on
 * its own connection, fanned out locally. It remembers the last id it delivered, so after a
 * dropped connection or a Redis restart it continues from there and nothing published in
 * between is skipped.
 */
import type { HubAdapterContext } from './hub-adapter.js'
import { decodeEntry, rangeEntries, readEntries } from './redis-entries.js'

/** The commands and events of an ioredis connection the adapter uses. */
export interface RedisConnection {
  readonly status: string
  call (command: string, ...args: Array<string | number>): Promise<unknown>
  on (event: string, listener: (arg: unknown) => void): unknown
  once (event: string, listener: (arg: unknown) => void): unknown
  removeListener (event: string, listener: (arg: unknown) => void): unknown
  disconnect (): void
  /** Closes after the replies to every command already sent (ioredis `quit()`). */
  quit (): Promise<unknown>
}

/** What a reader needs from its adapter. */
export interface ReaderSettings {
  /** The stream key of the topic. */
  key: string
  /** The reader's own connection (a blocking XREAD occupies it). */
  connection: RedisConnection
  /** The adapter's publishing connection, for the first position query (see begin). */
  publisher: RedisConnection
  /** The shared connection for XREVRANGE that waits through outages. */
  query: RedisConnection
  context: HubAdapterContext
  blockMs: number
  readCount: number
}

// Backoff after a command error (not a dropped connection: ioredis waits those out itself).
const RETRY_MIN_MS = 100
const RETRY_MAX_MS = 5000

/** Reads one topic's stream for this process until {@link TopicReader.stop}. */
export class TopicReader {
  /** The id of the last event delivered, or `undefined` while none (empty stream). */
  lastId: string | undefined = undefined
  /** Resolves to the id live delivery starts after, once the reader has its position. */
  readonly started: Promise<string | undefined>
  /** True once `started` has resolved. */
  begun = false
  private readonly topic: string
  private readonly settings: ReaderSettings
  private running = true
  private failures = 0
  private disconnected = false
  private markStarted!: (id: string | undefined) => void
  private wake: (() => void) | undefined = undefined
  private backoff: NodeJS.Timeout | undefined = undefined

  constructor (topic: string, settings: ReaderSettings) {
    this.topic = topic
    this.settings = settings
    this.started = new Promise(resolve => { this.markStarted = resolve })
    this.onClose = this.onClose.bind(this)
    this.onReady = this.onReady.bind(this)
    settings.connection.on('close', this.onClose)
    settings.connection.on('ready', this.onReady)
    this.run()
  }

  /** Stops reading and closes the connection; a blocked XREAD ends at once. Idempotent. */
  stop (): void {
    if (!this.running) return
    this.running = false
    clearTimeout(this.backoff)
    this.wake?.()
    this.settings.connection.removeListener('close', this.onClose)
    this.settings.connection.removeListener('ready', this.onReady)
    this.settings.connection.disconnect()
    this.markStarted(undefined)
  }

  private async run (): Promise<void> {
    while (this.running) {
      try {
        if (this.begun) await this.readOnce()
        else await this.begin()
        if (this.failures > 0) this.settings.context.log.info({ topic: this.topic }, 'fastify-stream hub: reading the Redis stream works again')
        this.failures = 0
      } catch (err) {
        if (!this.running) return
        await this.pause(err)
      }
    }
  }

  // The starting position is the stream's last entry now: events after it are read live,
  // and the hub replays anything at or before it from history. The first try goes out on
  // the publisher's connection, synchronously within subscribe(): Redis answers one
  // connection's commands in order, so a publish this process makes after subscribe()
  // lands after this position and is delivered to that subscriber.
  private async begin (): Promise<void> {
    const { publisher, query, key } = this.settings
    const connection = this.failures === 0 && publisher.status === 'ready' ? publisher : query
    const last = rangeEntries(await connection.call('XREVRANGE', key, '+', '-', 'COUNT', 1))[0]
    if (!this.running) return
    this.lastId = last?.[0]
    this.begun = true
    this.markStarted(this.lastId)
  }

  private async readOnce (): Promise<void> {
    const { connection, key, blockMs, readCount, context } = this.settings
    const reply = await connection.call('XREAD', 'COUNT', readCount, 'BLOCK', blockMs, 'STREAMS', key, this.lastId ?? '0-0')
    if (!this.running) return
    for (const entry of readEntries(reply)) {
      this.lastId = entry[0]
      context.deliver(this.topic, context.prepare(decodeEntry(entry)))
    }
  }

  private pause (err: unknown): Promise<void> {
    const ms = Math.min(RETRY_MIN_MS * 2 ** this.failures++, RETRY_MAX_MS)
    // Once per streak of failures: a key that is not a stream would otherwise flood the log.
    if (this.failures === 1) this.settings.context.log.error({ err, topic: this.topic }, 'fastify-stream hub: reading the Redis stream failed; retrying')
    return new Promise(resolve => {
      this.wake = resolve
      this.backoff = setTimeout(resolve, ms).unref()
    })
  }

  private onClose (): void {
    this.disconnected = true
  }

  private onReady (): void {
    if (!this.disconnected) return
    this.disconnected = false
    // ioredis resends the blocked XREAD with the same last id, so this is the continuation point.
    this.settings.context.log.info({ topic: this.topic, lastId: this.lastId }, 'fastify-stream hub: Redis reader reconnected; continuing after its last id')
  }
}
