/**
 * `validateItems`: each item is checked against its declared schema by the route's
 * validator compiler (Ajv unless the app or route sets another) before it is encoded. A
 * mismatch throws FST_STREAM_INVALID_ITEM naming the failing path, which ends that one stream.
 */
import { errors } from '../../lib/errors.js'
import type { Encoder, StreamFault, StreamFormat } from '../../lib/framing/encoder.js'
import { eventTypeOf, isLibraryEvent, isSseEvent } from '../../lib/framing/sse-event.js'
import type { StreamDeclaration } from './declaration.js'

/**
 * What a validator compiler returns: Ajv's style (a boolean, with `errors` on the function)
 * or the `{ value } | { error }` style of other compilers (zod's, for one).
 */
export type ItemValidator = ((value: unknown) => unknown) & { errors?: unknown }

/** Compiles one schema into a validator; throws what the compiler throws. */
export type CompileValidator = (schema: unknown) => ItemValidator

/** Checks one item; throws FST_STREAM_INVALID_ITEM. */
export type ItemCheck = (item: unknown) => void

/** The check of one format's items, or undefined when that format declares no item schema. */
export function compileItemCheck (declaration: StreamDeclaration, format: StreamFormat, compile: CompileValidator): ItemCheck | undefined {
  if (format !== 'sse') {
    const schema = declaration[format]
    if (schema === undefined) return undefined
    const validate = compile(schema)
    return item => { checkData(validate, isSseEvent(item) ? item.data : item) }
  }
  const sse = declaration.sse
  if (sse === undefined) return undefined
  if (sse.kind === 'data') {
    const validate = compile(sse.schema)
    return item => {
      if (!isSseEvent(item)) return checkData(validate, item)
      if (!isLibraryEvent(item)) checkData(validate, item.data)
    }
  }
  const byEvent = new Map<string, ItemValidator>()
  for (const [name, schema] of sse.events) byEvent.set(name, compile(schema))
  return item => {
    if (isSseEvent(item) && isLibraryEvent(item)) return
    const validate = byEvent.get(eventTypeOf(item))
    // An undeclared event is the encoder's to refuse (sse-encoder.ts), with the same code.
    if (validate !== undefined) checkData(validate, isSseEvent(item) ? item.data : item)
  }
}

function checkData (validate: ItemValidator, data: unknown): void {
  // An event with no data (a bare id or comment) has nothing to check.
  if (data === undefined) return
  const result = validate(data)
  if (result === true) return
  if (result === false) throw new errors.FST_STREAM_INVALID_ITEM(describeFailure(validate.errors))
  const error = (result as { error?: unknown } | undefined)?.error
  if (error !== undefined && error !== null) throw new errors.FST_STREAM_INVALID_ITEM(describeFailure(error))
}

/**
 * "at /email: must match format \"email\"" from Ajv's errors, or the first issue of a
 * compiler that reports `issues` (zod), or the error's message. Never the value itself.
 */
export function describeFailure (failure: unknown): string {
  const first = Array.isArray(failure)
    ? failure[0] as unknown
    : Array.isArray((failure as { issues?: unknown } | undefined)?.issues) ? (failure as { issues: unknown[] }).issues[0] : failure
  if (typeof first !== 'object' || first === null) return 'the validator refused it'
  const { instancePath, path, message } = first as { instancePath?: unknown, path?: unknown, message?: unknown }
  const at = typeof instancePath === 'string'
    ? instancePath
    : Array.isArray(path) ? path.map(part => '/' + String(part)).join('') : ''
  return `at ${at === '' ? '/' : at}: ${typeof message === 'string' ? message : 'the validator refused it'}`
}

/**
 * An encoder that checks each item before its inner encoder frames it. It shares the inner
 * encoder's statelessness, so a hub event is checked once per route, with its frame.
 */
export class CheckingEncoder implements Encoder {
  readonly format: StreamFormat
  readonly contentType: string
  readonly heartbeatFrame: string
  readonly abortOnFault: boolean
  readonly shareable: boolean
  private readonly inner: Encoder
  private readonly check: ItemCheck

  constructor (inner: Encoder, check: ItemCheck) {
    this.inner = inner
    this.check = check
    this.format = inner.format
    this.contentType = inner.contentType
    this.heartbeatFrame = inner.heartbeatFrame
    this.abortOnFault = inner.abortOnFault
    this.shareable = inner.shareable
  }

  encode (item: unknown): string {
    this.check(item)
    return this.inner.encode(item)
  }

  preamble (): string { return this.inner.preamble() }
  faultFrame (fault: StreamFault): string { return this.inner.faultFrame(fault) }
  endFrame (): string { return this.inner.endFrame() }
  reconnectFrame (): string { return this.inner.reconnectFrame() }
}
