/**
 * A response seen through another: what a compressing sink passes on unchanged (the head,
 * the socket, the events), so each compressing sink writes only what it changes.
 */
import type { Duplex } from 'node:stream'
import type { ResponseSink } from './response-sink.js'

/** Passes everything but the body's bytes on to the response beneath. */
export abstract class WrappedSink implements ResponseSink {
  /** The `Content-Encoding` this sink writes. */
  abstract readonly contentEncoding: string
  protected readonly res: ResponseSink

  constructor (res: ResponseSink) {
    this.res = res
  }

  abstract write (chunk: string | Buffer, callback?: () => void): boolean
  abstract end (): unknown

  destroy (err?: Error): unknown {
    return this.res.destroy(err)
  }

  flushHeaders (): void {
    this.res.flushHeaders?.()
  }

  get socket (): Duplex | null | undefined {
    return this.res.socket
  }

  get stream (): unknown {
    return this.res.stream
  }

  on (event: 'close' | 'error' | 'drain', listener: (...args: any[]) => void): unknown {
    return this.res.on(event, listener)
  }

  once (event: 'close' | 'finish', listener: () => void): unknown {
    return this.res.once(event, listener)
  }

  off (event: 'close' | 'error' | 'drain', listener: (...args: any[]) => void): unknown {
    return this.res.off(event, listener)
  }
}
