/**
 * Integer query parameters, declared once per route: `integerQuery()` turns one bounds
 * declaration into the JSON schema ajv coerces and defaults with, and a `preValidation` check
 * that sees the raw strings first. Fastify's ajv coerces with `Number()`, so without the check
 * `0x10` is 16, `1e3` is 1000, ` 5` and `+5` are 5, and a 5,000-digit string of zeros ending
 * in 5 is 5 (which ran the feed at about 800 events/s); the schema alone cannot refuse them.
 */
import createError from '@fastify/error'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/** The accepted range of one integer parameter, both ends included, and its default. */
export interface IntegerBounds {
  readonly minimum: number
  readonly maximum: number
  /** Used when the query leaves the parameter out; absent means the route sees `undefined`. */
  readonly default?: number
}

/** The JSON schema of one integer parameter, as ajv gets it. */
export interface IntegerSchema extends IntegerBounds {
  readonly type: 'integer'
}

/** What a route spreads into its options: schema properties and the raw-string check. */
export interface IntegerQuery<Name extends string> {
  /** One `{ type: 'integer', minimum, maximum, default? }` per parameter. */
  readonly properties: Readonly<Record<Name, IntegerSchema>>
  /**
   * The route's `preValidation` hook: answers 400 `DEMO_QUERY_INTEGER` for a value that is not
   * plain decimal digits (no sign, no leading zero, no exponent, no spaces), is repeated, or
   * is out of bounds. Runs before ajv, while the query values are still strings.
   */
  readonly preValidation: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void
}

/**
 * The 400 for a refused integer; the message has the same `querystring/<name>` prefix as
 * Fastify's own validation errors, and states the bounds so the caller can fix the value.
 */
export const QueryIntegerError = createError(
  'DEMO_QUERY_INTEGER',
  'querystring/%s must be an integer from %s to %s, written in plain decimal digits',
  400
)

// One spelling per number: "0", or a non-zero digit and more digits. Anything else that
// Number() would accept (hex, exponents, signs, padding, "1.0") is an unreadable second
// spelling of a value, or a way to smuggle a huge string past the bounds.
const PLAIN_DIGITS = /^(?:0|[1-9][0-9]*)$/

/**
 * Declares a route's integer query parameters.
 * @param bounds parameter name → its bounds; each must be safe integers with
 *   `0 <= minimum <= default <= maximum` (a negative bound could never be written in plain
 *   digits, so it would be dead).
 * @throws TypeError at declaration when a bound breaks that rule.
 */
export function integerQuery<Name extends string> (bounds: Readonly<Record<Name, IntegerBounds>>): IntegerQuery<Name> {
  const checks: Array<[Name, IntegerBounds, number]> = []
  const properties = {} as Record<Name, IntegerSchema>
  for (const name of Object.keys(bounds) as Name[]) {
    const range = bounds[name]
    checkBounds(name, range)
    properties[name] = { type: 'integer', ...range }
    checks.push([name, range, String(range.maximum).length])
  }
  return {
    properties,
    preValidation (request, _reply, done) {
      const query = request.query as Record<string, unknown>
      for (const [name, range, maxDigits] of checks) {
        const raw = query[name]
        if (raw !== undefined && !isInRange(raw, range, maxDigits)) {
          return done(new QueryIntegerError(name, range.minimum, range.maximum))
        }
      }
      done()
    }
  }
}

// A repeated parameter arrives as an array: refused, since which one was meant is a guess.
// The length test comes first so a 5,000-digit value costs nothing to refuse.
function isInRange (raw: unknown, range: IntegerBounds, maxDigits: number): boolean {
  if (typeof raw !== 'string' || raw.length > maxDigits || !PLAIN_DIGITS.test(raw)) return false
  const value = Number(raw)
  return value >= range.minimum && value <= range.maximum
}

function checkBounds (name: string, { minimum, maximum, default: fallback }: IntegerBounds): void {
  const ordered = Number.isSafeInteger(minimum) && Number.isSafeInteger(maximum) && minimum >= 0 && minimum <= maximum
  const defaultFits = fallback === undefined || (Number.isInteger(fallback) && fallback >= minimum && fallback <= maximum)
  if (!ordered || !defaultFits) {
    throw new TypeError(`integerQuery: ${name} needs safe integers with 0 <= minimum <= default <= maximum (got ${minimum}, ${fallback}, ${maximum})`)
  }
}
