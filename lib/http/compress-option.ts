/**
 * The `compress` option: off by default, `true` for the defaults, or settings whose names
 * follow `@fastify/compress`. Checked with the other options; resolved once per distinct value.
 */
import { constants } from 'node:zlib'
import { isIntegerIn } from '../option-checks.js'
import type { BrotliSettings } from '../write-path/brotli-sink.js'
import type { GzipSettings } from '../write-path/gzip-writer.js'
import { CONTENT_CODINGS, type ContentCoding } from './accept-encoding.js'

/** Settings of `compress`. */
export interface CompressOptions {
  /**
   * The codings offered, in the server's order of preference. Default: `['br', 'gzip']` for
   * CSV, `['gzip']` for SSE and NDJSON, whose many idle streams Brotli would cost an encoder
   * each (docs/compression.md).
   */
  encodings?: readonly ContentCoding[]
  /** gzip: `level`, 1 (fastest) to 9 (smallest); default 6. */
  zlibOptions?: { level?: number }
  /**
   * Brotli: `params` keyed by `zlib.constants`: `BROTLI_PARAM_QUALITY` 0 to 11 (default 5),
   * `BROTLI_PARAM_LGWIN` 10 to 24 (default 16, CSV 18), `BROTLI_PARAM_MODE`.
   */
  brotliOptions?: { params?: Record<number, number> }
  /**
   * gzip: how many bytes of a stream's recent text each write may refer back to, kept per
   * stream (default 8192, CSV 32768; at most 32768). More compresses small events better and
   * costs idle memory.
   */
  dictionaryBytes?: number
}

/** `false` (the default), `true` for the default settings, or the settings. */
export type CompressOption = boolean | CompressOptions

/** A compression setting ready for streams; unset fields take the format's default. */
export interface Compression {
  encodings: readonly ContentCoding[] | undefined
  gzip: GzipSettings
  brotli: BrotliSettings
}

const KEYS = new Set(['encodings', 'zlibOptions', 'brotliOptions', 'dictionaryBytes'])
// The Brotli parameters a stream may set, with their bounds.
const BROTLI_PARAMS = new Map<number, { name: string, min: number, max: number }>([
  [constants.BROTLI_PARAM_QUALITY, { name: 'BROTLI_PARAM_QUALITY', min: constants.BROTLI_MIN_QUALITY, max: constants.BROTLI_MAX_QUALITY }],
  [constants.BROTLI_PARAM_LGWIN, { name: 'BROTLI_PARAM_LGWIN', min: constants.BROTLI_MIN_WINDOW_BITS, max: constants.BROTLI_MAX_WINDOW_BITS }],
  [constants.BROTLI_PARAM_MODE, { name: 'BROTLI_PARAM_MODE', min: constants.BROTLI_MODE_GENERIC, max: constants.BROTLI_MODE_FONT }]
])
const DEFAULT: Compression = { encodings: undefined, gzip: {}, brotli: {} }
const resolved = new WeakMap<CompressOptions, Compression>()

/** What is wrong with a `compress` value, phrased to finish "option "compress" ...". */
export function checkCompressOption (value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be true, false, or { encodings, zlibOptions, brotliOptions, dictionaryBytes }'
  for (const key of Object.keys(value)) {
    if (!KEYS.has(key)) return `has no setting "${key}"; its settings are encodings, zlibOptions, brotliOptions and dictionaryBytes`
  }
  const { encodings, zlibOptions, brotliOptions, dictionaryBytes } = value as CompressOptions
  if (encodings !== undefined && (!Array.isArray(encodings) || encodings.length === 0 || encodings.some(coding => !CONTENT_CODINGS.includes(coding)))) {
    return `encodings must be a non-empty array of supported codings: ${CONTENT_CODINGS.join(', ')}`
  }
  return checkZlibOptions(zlibOptions) ?? checkBrotliOptions(brotliOptions) ??
    (dictionaryBytes === undefined || isIntegerIn(dictionaryBytes, 0, 32768) ? undefined : 'dictionaryBytes must be an integer from 0 to 32768')
}

function checkZlibOptions (zlibOptions: unknown): string | undefined {
  if (zlibOptions === undefined) return undefined
  if (typeof zlibOptions !== 'object' || zlibOptions === null) return 'zlibOptions must be an object'
  const extra = Object.keys(zlibOptions).find(key => key !== 'level')
  if (extra !== undefined) return `zlibOptions.${extra} is not a setting for streams (each write is flushed with its own small context); set level`
  const { level } = zlibOptions as { level?: unknown }
  if (level !== undefined && !isIntegerIn(level, 1, 9)) return 'zlibOptions.level must be an integer from 1 to 9'
  return undefined
}

function checkBrotliOptions (brotliOptions: unknown): string | undefined {
  if (brotliOptions === undefined) return undefined
  if (typeof brotliOptions !== 'object' || brotliOptions === null) return 'brotliOptions must be an object'
  const extra = Object.keys(brotliOptions).find(key => key !== 'params')
  if (extra !== undefined) return `brotliOptions.${extra} is not a setting for streams (each write is flushed); set params`
  const { params } = brotliOptions as { params?: unknown }
  if (params === undefined) return undefined
  if (typeof params !== 'object' || params === null) return 'brotliOptions.params must be an object keyed by zlib.constants.BROTLI_PARAM_*'
  for (const [key, value] of Object.entries(params)) {
    const param = BROTLI_PARAMS.get(Number(key))
    if (param === undefined) return `brotliOptions.params[${key}] is not a setting for streams; set BROTLI_PARAM_QUALITY, BROTLI_PARAM_LGWIN or BROTLI_PARAM_MODE (zlib.constants)`
    if (!isIntegerIn(value, param.min, param.max)) return `brotliOptions.params[zlib.constants.${param.name}] must be an integer from ${param.min} to ${param.max}`
  }
  return undefined
}

/** The compression of a checked `compress` value, or undefined when it is off. */
export function compressionOf (value: CompressOption | undefined): Compression | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return DEFAULT
  let compression = resolved.get(value)
  if (compression === undefined) {
    const params = value.brotliOptions?.params ?? {}
    compression = {
      encodings: value.encodings,
      gzip: { level: value.zlibOptions?.level, dictionaryBytes: value.dictionaryBytes },
      brotli: { quality: params[constants.BROTLI_PARAM_QUALITY], lgwin: params[constants.BROTLI_PARAM_LGWIN], mode: params[constants.BROTLI_PARAM_MODE] }
    }
    resolved.set(value, compression)
  }
  return compression
}
