/**
 * The checks every options validator shares (plugin, hub, Redis adapter), so a bound or a
 * message is decided in one place.
 */
import { errors } from './errors.js'

/** True for a number that is an integer from `min` to `max`, inclusive. */
export function isIntegerIn (value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
}

/** The FST_STREAM_INVALID_OPTION error for option `name`; `problem` finishes "option X …". */
export function invalidOption (name: string, problem: string): Error {
  return new errors.FST_STREAM_INVALID_OPTION(name, problem)
}
