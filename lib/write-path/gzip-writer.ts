/**
 * One gzip member (RFC 1952) written a batch at a time, with no compressor kept between
 * batches. Each batch is compressed by a short-lived raw DEFLATE context (RFC 1951) and ends
 * with a sync flush, so the client can decode everything sent so far; the context is freed at
 * once. What makes the batches one stream is the dictionary: the last bytes of the stream's
 * own text, which the client's decoder still has in its window, so back-references into
 * earlier batches stay valid. An idle stream holds only that tail, a few KiB, where a live
 * zlib context would hold 80 to 250 KiB (docs/compression.md).
 */
import { constants, crc32, deflateRawSync } from 'node:zlib'

/** Settings of a {@link GzipWriter}. */
export interface GzipSettings {
  /** Compression level, 1 (fastest) to 9 (smallest); default 6. */
  level?: number
  /**
   * How much of the stream's most recent text each batch may refer back to, in bytes, kept
   * per stream (default 4096; the plugin's defaults are per format, lib/http/stream-coding.ts).
   * Larger compresses small events better and costs idle memory.
   */
  dictionaryBytes?: number
}

// ID1 ID2, CM = 8 (deflate), FLG = 0, MTIME = 0 (none), XFL = 0, OS = 255 (unknown).
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
// After a sync flush the stream is byte-aligned: a final, empty, fixed-Huffman block
// (BFINAL 1, BTYPE 01, then the end-of-block code 0000000) ends the DEFLATE data.
const FINAL_BLOCK = Buffer.from([0x03, 0x00])
const MAX_WINDOW_BITS = 15

/** Compresses one stream's batches into one gzip member. */
export class GzipWriter {
  private readonly level: number
  private readonly dictionaryBytes: number
  private readonly windowBits: number
  private tail: Buffer | undefined = undefined
  private crc = 0
  private size = 0
  private started = false

  constructor (settings: GzipSettings = {}) {
    this.level = settings.level ?? 6
    this.dictionaryBytes = settings.dictionaryBytes ?? 4096
    // The window need not exceed the dictionary plus a batch: smaller contexts start faster.
    this.windowBits = Math.min(MAX_WINDOW_BITS, Math.max(9, Math.ceil(Math.log2(this.dictionaryBytes * 2))))
  }

  /** The compressed bytes of `text`, flushed: the gzip header comes with the first batch. */
  compress (text: string | Buffer): Buffer {
    const input = typeof text === 'string' ? Buffer.from(text) : text
    this.crc = crc32(input, this.crc)
    this.size = (this.size + input.length) >>> 0
    const body = deflateRawSync(input, {
      level: this.level,
      windowBits: this.windowBits,
      // The hash table is sized by memLevel; a batch is small, so a small one does.
      memLevel: 4,
      finishFlush: constants.Z_SYNC_FLUSH,
      ...(this.tail === undefined ? {} : { dictionary: this.tail })
    })
    this.keepTail(input)
    if (this.started) return body
    this.started = true
    return Buffer.concat([HEADER, body])
  }

  /** The end of the member: the final block and the trailer (CRC-32 and length of the text). */
  finish (): Buffer {
    const trailer = Buffer.alloc(8)
    trailer.writeUInt32LE(this.crc >>> 0, 0)
    trailer.writeUInt32LE(this.size, 4)
    return Buffer.concat(this.started ? [FINAL_BLOCK, trailer] : [HEADER, FINAL_BLOCK, trailer])
  }

  // The dictionary for the next batch: the last dictionaryBytes of the text so far.
  private keepTail (input: Buffer): void {
    const keep = this.dictionaryBytes
    if (keep === 0) return
    if (input.length >= keep) {
      this.tail = Buffer.from(input.subarray(input.length - keep))
      return
    }
    const previous = this.tail
    const joined = previous === undefined ? input : Buffer.concat([previous, input])
    this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - keep)))
  }
}
