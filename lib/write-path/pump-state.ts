/**
 * The states of one stream, shared by the pump (which moves between them) and its source
 * reader (which stops when they say so): before the head, streaming, over.
 */

/** The head is not written yet: a failure still gets a normal error response. */
export const STARTING = 0
/** The head is out: items stream, a failure ends in-band. */
export const OPEN = 1
/** Over, for whatever reason; nothing more is written. */
export const ENDED = 2

/** One of {@link STARTING}, {@link OPEN}, {@link ENDED}. */
export type PumpState = typeof STARTING | typeof OPEN | typeof ENDED
