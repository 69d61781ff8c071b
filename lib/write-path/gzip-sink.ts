/**
 * A response whose body is gzip: each write (a batch of frames, a heartbeat, the preamble,
 * an error record, the end frame) leaves compressed and flushed in the same call, so nothing
 * waits in a compressor and backpressure is the response's own.
 */
import { GzipWriter, type GzipSettings } from './gzip-writer.js'
import type { ResponseSink } from './response-sink.js'
import { WrappedSink } from './wrapped-sink.js'

/** Wraps `res` so its body is one gzip member. */
export class GzipSink extends WrappedSink {
  readonly contentEncoding = 'gzip'
  private readonly gzip: GzipWriter

  constructor (res: ResponseSink, settings: GzipSettings) {
    super(res)
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
}
