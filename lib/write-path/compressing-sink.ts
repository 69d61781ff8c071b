/**
 * A response that compresses what the pump writes: each write (a batch of frames, a
 * heartbeat, the preamble, an error record, the end frame) leaves compressed and flushed, in
 * the same call, so nothing waits in a compressor and backpressure is the response's own.
 */
import type { Duplex } from 'node:stream'
import { GzipWriter, type GzipSettings } from './gzip-writer.js'
import type { ResponseSink } from './response-sink.js'

/** Wraps `res` so its body is one gzip member. */
export class CompressingSink implements ResponseSink {
  /** The `Content-Encoding` this sink writes. */
  readonly contentEncoding = 'gzip'
  private readonly res: ResponseSink
  private readonly gzip: GzipWriter

  constructor (res: ResponseSink, settings: GzipSettings) {
    this.res = res
    this.gzip = new GzipWriter(settings)
  }

  write (chunk: string | Buffer, callback?: () => void): boolean {
    // An empty write only waits for what is already queued (stream-end.ts); nothing to add.
    if (chunk.length === 0) return this.res.write(chunk, callback)
    return this.res.write(this.gzip.compress(chunk), callback)
  }

  end (): unknown {
    this.res.write(this.gzip.finish())
    return this.res.end()
  }

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
