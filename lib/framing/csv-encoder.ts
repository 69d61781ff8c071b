/**
 * CSV framing per RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote,
 * CR or LF, and quotes doubled. A header row comes from `columns` or the first item's keys.
 */
import type { Encoder } from './encoder.js'
import { errors } from '../errors.js'
import { LineEncoder } from './line-encoder.js'
import { createSerialize, type Serializer } from './serialize.js'
import { isSseEvent } from './sse-event.js'

// RFC 4180 §2: "Each record is located on a separate line, delimited by a line break (CRLF)".
const EOL = '\r\n'
const NEEDS_QUOTES = /[",\r\n]/
// OWASP "CSV Injection": spreadsheets run a cell as a formula when it starts with one of these.
const FORMULA_START = /^[=+\-@\t\r]/
// Excel detects UTF-8 only with a byte order mark; other readers do not need it.
const BOM = '\uFEFF'
// Nested values are JSON; its failures become FST_STREAM_UNSERIALIZABLE without V8's message.
const toJson = createSerialize()

/** Options of {@link createCsvEncoder}. */
export interface CsvEncoderOptions {
  /** Header row and field order. Default: the keys of the first object item. */
  columns?: readonly string[]
  /** Prefix string cells that start with `= + - @`, tab or CR with `'` (default true). */
  csvInjection?: boolean
  /** Start the file with a UTF-8 byte order mark, for Excel (default false). */
  bom?: boolean
  /**
   * A serializer per column for object and array values, in place of `JSON.stringify`: a
   * route whose item schema declares what a nested value may hold (docs/schemas.md).
   */
  columnSerializers?: ReadonlyMap<string, Serializer>
}

/**
 * Creates a CSV encoder. Items are objects (fields by column name) or arrays (fields by
 * position). `null` and `undefined` become empty fields, nested values JSON, dates ISO 8601.
 */
export function createCsvEncoder (options: CsvEncoderOptions = {}): Encoder {
  return new CsvEncoder(options)
}

/**
 * Formats one CSV field: quoting, quote doubling and the injection guard.
 * @param serialize turns an object or array into text (default `JSON.stringify`).
 */
export function csvField (value: unknown, csvInjection = true, serialize: Serializer = toJson): string {
  let text: string
  // As inside a JSON object, values with no text form leave their field empty.
  if (value === null || value === undefined || typeof value === 'symbol' || typeof value === 'function') return ''
  if (typeof value === 'string') {
    text = csvInjection && FORMULA_START.test(value) ? "'" + value : value
  } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    // Numbers are never formulas, so a negative number keeps its sign unguarded.
    return String(value)
  } else if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new errors.FST_STREAM_UNSERIALIZABLE('an invalid Date has no text form')
    return value.toISOString()
  } else {
    text = serialize(value)
  }
  return NEEDS_QUOTES.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text
}

// CSV has no error record (the base's empty fault frame): only the abort tells a truncated
// file from a complete one.
class CsvEncoder extends LineEncoder {
  readonly format = 'csv' as const
  readonly contentType = 'text/csv; charset=utf-8'
  readonly shareable = false
  private columns: readonly string[] | undefined
  private readonly headerInPreamble: boolean
  private started = false
  private readonly guard: boolean
  private readonly bom: boolean
  private readonly columnSerializers: ReadonlyMap<string, Serializer> | undefined

  constructor (options: CsvEncoderOptions) {
    super()
    this.columnSerializers = options.columnSerializers
    this.columns = options.columns
    // Only given columns belong in the preamble; derived ones are written with the first row,
    // which the pump may frame before it asks for the preamble.
    this.headerInPreamble = options.columns !== undefined
    this.guard = options.csvInjection ?? true
    this.bom = options.bom ?? false
  }

  override preamble (): string {
    const header = this.headerInPreamble ? this.row(this.columns as readonly string[]) : ''
    return this.bom ? BOM + header : header
  }

  encode (item: unknown): string {
    const value = isSseEvent(item) ? item.data : item
    if (value === undefined) return ''
    const first = !this.started
    this.started = true
    if (Array.isArray(value)) return this.row(value)
    if (this.columns === undefined) {
      // No columns given: the first item decides the header, written just before its row. If
      // positional rows came first, a header now would land mid-file, so only the order is kept.
      this.columns = typeof value === 'object' && value !== null ? Object.keys(value) : ['value']
      if (first) return this.row(this.columns) + this.record(value)
    }
    return this.record(value)
  }

  private record (value: unknown): string {
    if (typeof value !== 'object' || value === null) return csvField(value, this.guard) + EOL
    const fields = value as Record<string, unknown>
    const columns = this.columns as readonly string[]
    let line = ''
    const nested = this.columnSerializers
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as string
      line += (i === 0 ? '' : ',') + csvField(fields[column], this.guard, nested?.get(column))
    }
    return line + EOL
  }

  private row (values: readonly unknown[]): string {
    let line = ''
    for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvField(values[i], this.guard)
    return line + EOL
  }
}
