/**
 * Which content coding one stream gets, and the sink that writes it, with the defaults per
 * format. The defaults come from measurements (docs/compression.md): event streams are many
 * and mostly idle, so they get gzip, which keeps no compressor between writes; a CSV export
 * is one busy download, so Brotli (smaller, an encoder per stream) comes first.
 */
import type { StreamFormat } from '../framing/encoder.js'
import { BrotliSink } from '../write-path/brotli-sink.js'
import { GzipSink } from '../write-path/gzip-sink.js'
import type { ResponseSink } from '../write-path/response-sink.js'
import { negotiateEncoding, type ContentCoding } from './accept-encoding.js'
import type { Compression } from './compress-option.js'

const ENCODINGS: Record<StreamFormat, readonly ContentCoding[]> = { sse: ['gzip'], ndjson: ['gzip'], csv: ['br', 'gzip'] }
// gzip: how much recent text each write may refer back to, kept per stream. On the demo's user
// feed flushed an event at a time, 8 KiB gives 2.57x (NDJSON) and 2.76x (SSE) where 4 KiB gave
// 2.45x and 2.64x, for ~40 us per write; an export's large batches get the whole 32 KiB window.
const DICTIONARY_BYTES: Record<StreamFormat, number> = { sse: 8192, ndjson: 8192, csv: 32768 }
// Brotli: the window bounds what the encoder holds per stream (about 25 KiB at 16, 55 at 18).
const BROTLI_LGWIN: Record<StreamFormat, number> = { sse: 16, ndjson: 16, csv: 18 }

/** The coding for a stream in `format` under `compression`, from the request's `Accept-Encoding`. */
export function chooseCoding (compression: Compression, acceptEncoding: string | string[] | undefined, format: StreamFormat): ContentCoding | undefined {
  return negotiateEncoding(acceptEncoding, compression.encodings ?? ENCODINGS[format])
}

/** A sink that writes `res`'s body in `coding`, each write flushed. */
export function compressedSink (res: ResponseSink, coding: ContentCoding, compression: Compression, format: StreamFormat): ResponseSink {
  if (coding === 'br') {
    const { quality, lgwin, mode } = compression.brotli
    return new BrotliSink(res, { quality, mode, lgwin: lgwin ?? BROTLI_LGWIN[format] })
  }
  const { level, dictionaryBytes } = compression.gzip
  return new GzipSink(res, { level, dictionaryBytes: dictionaryBytes ?? DICTIONARY_BYTES[format] })
}
