/**
 * A response whose body is Brotli (RFC 7932). Brotli cannot be written a batch at a time by
 * short-lived contexts the way gzip is (gzip-writer.ts): Node gives a Brotli encoder no
 * dictionary, so a stream keeps one encoder for its whole life (about 25 to 60 KiB, by window,
 * docs/compression.md). Node compresses off the main thread, so a write's bytes reach the
 * response later than the write: the sink reports every write as "wait for drain" and sends
 * 'drain' once the flushed bytes are out, so the compressor never holds more than one batch
 * and its bytes count toward backpressure like the socket's.
 */
import { EventEmitter } from 'node:events'
import { brotliCompressSync, constants, createBrotliCompress, type BrotliCompress } from 'node:zlib'
import type { ResponseSink } from './response-sink.js'
import { abortAfterFlush } from './stream-end.js'
import { WrappedSink } from './wrapped-sink.js'

/** Settings of a {@link BrotliSink}. */
export interface BrotliSettings {
  /** Quality, 0 (fastest) to 11 (smallest); default 5. */
  quality?: number
  /** Window, as log2 of its bytes, 10 to 24; default 16 (what the encoder keeps per stream grows with it). */
  lgwin?: number
  /** `zlib.constants.BROTLI_MODE_*`; default text, which every stream format is. */
  mode?: number
}

// What an empty body compresses to: a stream with only its last, empty meta-block.
const EMPTY = brotliCompressSync(Buffer.alloc(0))

/** Wraps `res` so its body is one Brotli stream, flushed after every write. */
export class BrotliSink extends WrappedSink {
  readonly contentEncoding = 'br'
  private readonly settings: BrotliSettings
  private readonly drains = new EventEmitter()
  private encoder: BrotliCompress | undefined = undefined
  private output: Buffer[] = []
  // Writes handed to the encoder whose flushed bytes have not reached the response yet.
  private inFlight = 0
  private responseFull = false
  private afterWrites: Array<() => void> = []
  private closed = false

  constructor (res: ResponseSink, settings: BrotliSettings) {
    super(res)
    this.settings = settings
    this.onFlushed = this.onFlushed.bind(this)
    this.onResponseDrain = this.onResponseDrain.bind(this)
    this.release = this.release.bind(this)
    res.on('drain', this.onResponseDrain)
    // A client that leaves frees the encoder at once, whatever the pump does next.
    res.once('close', this.release)
  }

  write (chunk: string | Buffer, callback?: () => void): boolean {
    if (this.closed) return true
    if (chunk.length === 0) {
      // An empty write waits for what is already queued (stream-end.ts): here, the encoder too.
      this.whenWritten(() => this.res.write(chunk, callback))
      return true
    }
    const encoder = this.encoder ?? this.start()
    this.inFlight++
    encoder.write(chunk)
    encoder.flush(constants.BROTLI_OPERATION_FLUSH, this.onFlushed)
    return false
  }

  end (): unknown {
    if (this.closed) return undefined
    if (this.encoder === undefined) {
      this.res.write(EMPTY)
      return this.res.end()
    }
    const encoder = this.encoder
    encoder.once('end', () => {
      this.writeOutput()
      this.release()
      this.res.end()
    })
    return encoder.end()
  }

  override destroy (err?: Error): unknown {
    this.release()
    return this.res.destroy(err)
  }

  /** Ends the body incomplete (stream-end.ts) once the encoder has handed over what it has. */
  endIncomplete (): void {
    this.whenWritten(() => abortAfterFlush(this.res))
  }

  override on (event: 'close' | 'error' | 'drain', listener: (...args: any[]) => void): unknown {
    if (event === 'drain') return this.drains.on(event, listener)
    return this.res.on(event, listener)
  }

  override off (event: 'close' | 'error' | 'drain', listener: (...args: any[]) => void): unknown {
    if (event === 'drain') return this.drains.off(event, listener)
    return this.res.off(event, listener)
  }

  private start (): BrotliCompress {
    const { quality = 5, lgwin = 16, mode = constants.BROTLI_MODE_TEXT } = this.settings
    const encoder = createBrotliCompress({
      // A batch's output is usually small; a large one comes in several chunks, joined before writing.
      chunkSize: 4096,
      params: {
        [constants.BROTLI_PARAM_QUALITY]: quality,
        [constants.BROTLI_PARAM_LGWIN]: lgwin,
        [constants.BROTLI_PARAM_MODE]: mode
      }
    })
    encoder.on('data', (bytes: Buffer) => { this.output.push(bytes) })
    // An encoder fails only on bad settings or memory; the response cannot go on either way.
    encoder.on('error', (err: Error) => { this.destroy(err) })
    this.encoder = encoder
    return encoder
  }

  private onFlushed (): void {
    if (this.closed) return
    this.inFlight--
    this.writeOutput()
    if (this.inFlight > 0) return
    const waiting = this.afterWrites
    this.afterWrites = []
    for (const run of waiting) run()
    if (!this.responseFull) this.drains.emit('drain')
  }

  private writeOutput (): void {
    if (this.output.length === 0) return
    const bytes = this.output.length === 1 ? this.output[0] as Buffer : Buffer.concat(this.output)
    this.output = []
    if (!this.res.write(bytes)) this.responseFull = true
  }

  private onResponseDrain (): void {
    this.responseFull = false
    if (this.inFlight === 0) this.drains.emit('drain')
  }

  private whenWritten (run: () => void): void {
    if (this.inFlight === 0) run()
    else this.afterWrites.push(run)
  }

  // Frees the encoder (its native memory) and stops listening to the response.
  private release (): void {
    if (this.closed) return
    this.closed = true
    this.res.off('drain', this.onResponseDrain)
    this.res.off('close', this.release)
    this.encoder?.destroy()
    this.encoder = undefined
  }
}
