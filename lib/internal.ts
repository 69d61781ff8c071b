/**
 * What the plugin (and the core's own tests) use beyond the public `./core` surface: the
 * pump, its config, and the helpers the adapter shares with the core. Not part of the
 * package's API: it may change in any release.
 */
export * from './index.js'
export { createEncoder, type EncoderOptions } from './create-encoder.js'
export { STREAM_FORMATS } from './encoder.js'
export { streamHeaders } from './headers.js'
export { invalidOption, isIntegerIn } from './option-checks.js'
export { PreparedEvent, isPreparedEvent } from './prepared-event.js'
export { discardSource } from './source.js'
export { StreamPump } from './pump.js'
export type { PumpConfig, PumpCounters, PumpHandle, PumpInit } from './pump-config.js'
export type { ResponseSink } from './response-sink.js'
export { isEventName } from './sse-event.js'
