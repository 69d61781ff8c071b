/**
 * Streams per client: one address (or whatever `clientKey` names) may not take every stream
 * of the instance, so `maxStreams` stays a shared budget instead of a prize for the first
 * client that opens enough connections.
 */
import type { FastifyRequest } from 'fastify'

// Keys come from the request (an address, perhaps from X-Forwarded-For) and live in a map
// while their streams are open, so a hostile one may not be arbitrarily long.
const MAX_KEY_LENGTH = 256

/** Open streams per client key, for one plugin instance. */
export class ClientLimits {
  /** Most streams one key may hold. */
  readonly max: number
  private readonly keyOf: (request: FastifyRequest) => string
  private readonly open = new Map<string, number>()

  /**
   * @param max the cap per key; `Infinity` turns counting off.
   * @param keyOf names a request's client (the plugin's `clientKey` option).
   */
  constructor (max: number, keyOf: (request: FastifyRequest) => string) {
    this.max = max
    this.keyOf = keyOf
  }

  /**
   * Takes one stream slot for `request`'s client.
   * @returns the key to give back to {@link release}, `''` when nothing is counted, or
   *   `undefined` when the client is at its cap.
   */
  acquire (request: FastifyRequest): string | undefined {
    if (this.max === Infinity) return ''
    const key = String(this.keyOf(request)).slice(0, MAX_KEY_LENGTH)
    const held = this.open.get(key) ?? 0
    if (held >= this.max) return undefined
    this.open.set(key, held + 1)
    return key
  }

  /** Gives back a slot taken by {@link acquire}. */
  release (key: string): void {
    if (key === '') return
    // Only keys from acquire() come back here, so the key is held.
    const held = this.open.get(key) as number
    // Deleted at zero, so the map holds only clients with open streams.
    if (held <= 1) this.open.delete(key)
    else this.open.set(key, held - 1)
  }
}
