/**
 * Scenario 13's items: user rows as a database hands them over, with fields the API must not
 * show (a password hash, internal notes). The schema route writes the declared fields through
 * its compiled serializer; the JSON.stringify route and the baseline pick the same fields by
 * hand, as an app without a schema must, so all three write the same bytes.
 */

/** The declared item: what a client may see of a user. */
export const USER_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    fullName: { type: 'string' },
    email: { type: 'string', format: 'email' },
    country: { type: 'string' },
    createdAt: { type: 'string' },
    score: { type: 'number' },
    active: { type: 'boolean' },
    address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } }, required: ['city', 'zip'] }
  },
  required: ['id', 'username', 'fullName', 'email', 'country', 'createdAt', 'score', 'active', 'address']
}

// A small pool, cycled: the source costs next to nothing, so the bench measures the writing.
const POOL = Array.from({ length: 64 }, (_, i) => ({
  id: i + 1,
  username: `user${i}`,
  fullName: `Ada Lovelace ${i}`,
  email: `user${i}@example.org`,
  country: ['United Kingdom', 'France', 'Japan', 'Brazil'][i % 4],
  createdAt: new Date(Date.UTC(2024, i % 12, 1 + (i % 28))).toISOString(),
  score: (i * 37 % 1000) / 8,
  active: i % 3 !== 0,
  address: { city: 'London', zip: `N${i} 1AA`, geo: '51.5072,-0.1276' },
  passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$' + 'h'.repeat(43),
  internalNotes: 'flagged for review by the support team',
  lastLoginIp: '10.0.0.1'
}))

/**
 * `n` user rows from an async generator, each a fresh object as a database driver yields.
 * @param {number} n
 */
export async function * userRows (n) {
  for (let i = 0; i < n; i++) yield { ...POOL[i & 63], id: i + 1 }
}

/**
 * The declared fields of `row`, picked by hand, in the schema's order.
 * @param {typeof POOL[number]} row
 */
export function publicUser (row) {
  const { id, username, fullName, email, country, createdAt, score, active, address } = row
  return { id, username, fullName, email, country, createdAt, score, active, address: { city: address.city, zip: address.zip } }
}
