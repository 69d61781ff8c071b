/**
 * The `compress` option: off by default, `true` for the defaults, or settings whose names
 * follow `@fastify/compress`. Checked with the other options; resolved once per distinct value.
 */
import { negotiateEncoding, type ContentCoding } from '../lib/http/accept-encoding.js'
import type { GzipSettings } from '../lib/write-path/gzip-writer.js'
import { isIntegerIn } from '../lib/option-checks.js'

/** Settings of `compress`. */
export interface CompressOptions {
  /** The codings offered, in the server's order of preference (default `['gzip']`). */
  encodings?: Array<'gzip'>
  /** zlib settings: `level`, 1 (fastest) to 9 (smallest), default 6. */
  zlibOptions?: { level?: number }
  /**
   * How many bytes of a stream's recent text each write may refer back to, kept per stream
   * (default 4096, at most 32768). More compresses small events better and costs idle memory.
   */
  dictionaryBytes?: number
}

/** `false` (the default), `true` for the default settings, or the settings. */
export type CompressOption = boolean | CompressOptions

/** A compression setting ready for streams. */
export interface Compression {
  encodings: readonly ContentCoding[]
  settings: GzipSettings
}

const KEYS = new Set(['encodings', 'zlibOptions', 'dictionaryBytes'])
const DEFAULT: Compression = { encodings: ['gzip'], settings: {} }
const resolved = new WeakMap<CompressOptions, Compression>()

/** What is wrong with a `compress` value, phrased to finish "option "compress" ...". */
export function checkCompressOption (value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be true, false, or { encodings, zlibOptions, dictionaryBytes }'
  for (const key of Object.keys(value)) {
    if (!KEYS.has(key)) return `has no setting "${key}"; its settings are encodings, zlibOptions and dictionaryBytes`
  }
  const { encodings, zlibOptions, dictionaryBytes } = value as CompressOptions
  if (encodings !== undefined && (!Array.isArray(encodings) || encodings.length === 0 || encodings.some(coding => coding !== 'gzip'))) {
    return 'encodings must be a non-empty array of supported codings: gzip'
  }
  if (zlibOptions !== undefined) {
    if (typeof zlibOptions !== 'object' || zlibOptions === null) return 'zlibOptions must be an object'
    const extra = Object.keys(zlibOptions).find(key => key !== 'level')
    if (extra !== undefined) return `zlibOptions.${extra} is not a setting for streams (each write is flushed with its own small context); set level`
    if (zlibOptions.level !== undefined && !isIntegerIn(zlibOptions.level, 1, 9)) return 'zlibOptions.level must be an integer from 1 to 9'
  }
  if (dictionaryBytes !== undefined && !isIntegerIn(dictionaryBytes, 0, 32768)) return 'dictionaryBytes must be an integer from 0 to 32768'
  return undefined
}

/** The compression of a checked `compress` value, or undefined when it is off. */
export function compressionOf (value: CompressOption | undefined): Compression | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return DEFAULT
  let compression = resolved.get(value)
  if (compression === undefined) {
    compression = {
      encodings: value.encodings ?? DEFAULT.encodings,
      settings: { level: value.zlibOptions?.level, dictionaryBytes: value.dictionaryBytes }
    }
    resolved.set(value, compression)
  }
  return compression
}

/** The coding for a request's `Accept-Encoding` under `compression`, or undefined. */
export function codingFor (compression: Compression, acceptEncoding: string | string[] | undefined): ContentCoding | undefined {
  return negotiateEncoding(acceptEncoding, compression.encodings)
}
