/**
 * Seeded generators of awkward strings for round-trip tests. No Math.random: every test
 * prints its seed, and `TEST_SEED=<n>` replays a failing run exactly.
 */

/** A small deterministic PRNG (mulberry32). */
export interface Random {
  /** The seed this generator started from. */
  readonly seed: number
  /** A float in [0, 1). */
  next (): number
  /** An integer in [0, n). */
  int (n: number): number
  /** One element of `items`. */
  pick<T> (items: readonly T[]): T
}

/** Pieces that stress SSE framing: every line break, NUL, astral and lone surrogates, … */
export const SSE_PIECES: readonly string[] = [
  'a', 'b', 'z', 'hello', '0', '42', ' ', '  ', ':', 'é', '✓', 'Ω',
  '\n', '\r', '\r\n', '\n\n', '\r\r', '\0',
  '\u{1F600}', '\uD800', '\uDBFF', '\uDC00', '\uDFFF',
  '\u2028', '\u2029', '\u0085', '\u000b', '\u000c', '\uFEFF', '\t',
  'id: 9\nevent: evil', 'data: x', 'retry: 1', 'event:', 'id:', ': comment', '"', '\\'
]

/** Pieces that stress CSV quoting and the formula guard. */
export const CSV_PIECES: readonly string[] = [
  'a', 'b', 'word', '12', ' ', ',', ',,', '"', '""', '\r', '\n', '\r\n', '\n\r',
  'é', '\u{1F600}', '✓', '\u2028', '\0',
  '=', '+', '-', '@', '\t', '=SUM(A1:A2)', '-1', "'", ';', '|'
]

/**
 * The seed to use: `TEST_SEED` from the environment when set, otherwise one derived from the
 * clock, so successive runs explore different strings. Print it in every test that uses it.
 */
export function pickSeed (): number {
  const fromEnv = process.env.TEST_SEED
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv) >>> 0
  return Date.now() >>> 0
}

/** Creates a mulberry32 generator. */
export function createRandom (seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6D2B79F5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return {
    seed,
    next,
    int: n => Math.floor(next() * n),
    pick: items => items[Math.floor(next() * items.length)] as (typeof items)[number]
  }
}

/**
 * A string of 0 to `maxPieces` pieces. About one in eight is empty, and some start with
 * spaces, so the edge cases come up often.
 */
export function randomString (random: Random, pieces: readonly string[], maxPieces = 8): string {
  if (random.int(8) === 0) return ''
  let text = random.int(6) === 0 ? ' ' : ''
  const count = 1 + random.int(maxPieces)
  for (let i = 0; i < count; i++) {
    // Mix in an arbitrary BMP code unit now and then, surrogates included.
    text += random.int(10) === 0 ? String.fromCharCode(random.int(0x10000)) : random.pick(pieces)
  }
  return text
}

/** `randomString` with CR, LF and (when `noNul`) NUL removed: valid SSE `event`/`id` values. */
export function randomFieldValue (random: Random, noNul: boolean): string {
  const forbidden = noNul ? /[\r\n\0]/g : /[\r\n]/g
  return randomString(random, SSE_PIECES).replace(forbidden, '')
}

/**
 * What a UTF-8 round trip makes of `text`: each lone surrogate becomes U+FFFD, as
 * TextEncoder and Buffer.from do (WHATWG Encoding, "UTF-8 encode" of a USVString).
 */
export function toWellFormed (text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const following = text.charCodeAt(i + 1)
      if (following >= 0xDC00 && following <= 0xDFFF) {
        out += text[i] as string + (text[i + 1] as string)
        i++
      } else {
        out += '\uFFFD'
      }
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      out += '\uFFFD'
    } else {
      out += text[i] as string
    }
  }
  return out
}

/** SSE line ends (WHATWG HTML §9.2.5: CRLF, lone CR, lone LF) normalised to LF. */
export function normaliseLineEnds (text: string): string {
  return text.replace(/\r\n|\r/g, '\n')
}

/** Splits `bytes` at random points, as a network might. */
export function randomChunks (random: Random, bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = []
  let start = 0
  while (start < bytes.length) {
    const size = 1 + random.int(Math.min(64, bytes.length - start))
    chunks.push(bytes.subarray(start, start + size))
    start += size
  }
  return chunks
}
