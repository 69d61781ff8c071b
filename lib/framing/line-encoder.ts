/**
 * What the two line formats, NDJSON and CSV, share: one line per item and nothing else. They
 * have no comment line for an idle heartbeat, no terminal or reconnect frame, and a clean end
 * that looks like success, so a failed stream is aborted: only then can a client tell a
 * truncated stream from a complete one.
 */
import type { Encoder, StreamFault, StreamFormat } from './encoder.js'

/** The base of the NDJSON and CSV encoders; each frames its items and may add a preamble or a fault record. */
export abstract class LineEncoder implements Encoder {
  abstract readonly format: StreamFormat
  abstract readonly contentType: string
  abstract readonly shareable: boolean
  readonly heartbeatFrame = ''
  readonly abortOnFault = true

  abstract encode (item: unknown): string

  preamble (): string {
    return ''
  }

  faultFrame (_fault: StreamFault): string {
    return ''
  }

  endFrame (): string {
    return ''
  }

  reconnectFrame (): string {
    return ''
  }
}
