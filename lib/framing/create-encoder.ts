/**
 * One entry point to build the encoder for a negotiated format.
 */
import { createCsvEncoder, type CsvEncoderOptions } from './csv-encoder.js'
import type { Encoder, StreamFormat } from './encoder.js'
import { createNdjsonEncoder } from './ndjson-encoder.js'
import { createSseEncoder, type SseEncoderOptions } from './sse-encoder.js'

/** The union of every encoder's options; each encoder reads only its own. */
export interface EncoderOptions extends SseEncoderOptions, CsvEncoderOptions {}

/**
 * Creates a fresh encoder for `format`.
 * @throws FST_STREAM_INVALID_RETRY / FST_STREAM_INVALID_EVENT for bad SSE options.
 */
export function createEncoder (format: StreamFormat, options: EncoderOptions = {}): Encoder {
  if (format === 'sse') return createSseEncoder(options)
  if (format === 'ndjson') return createNdjsonEncoder(options)
  return createCsvEncoder(options)
}
