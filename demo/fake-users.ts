/**
 * Deterministic fake users: the same `seed` and `id` always give the same user, on any
 * machine and in any order, so a resumed feed and an export can be checked against each other.
 */
import { Faker, base, en } from '@faker-js/faker'
import { FakeUserSchema } from './item-schemas.js'
import { createSeededRandomizer } from './seeded-randomizer.js'

/** One fake user, as the feed streams it and the export writes it. */
export interface FakeUser {
  /** The user's sequence number, from 1. */
  id: number
  username: string
  fullName: string
  email: string
  /** A private IPv4 address (RFC 1918). */
  ip: string
  country: string
  /** ISO 8601, within the five years before {@link CREATED_BEFORE}. */
  createdAt: string
}

/** The CSV header and column order of an export: the schema's properties, in order. */
export const USER_COLUMNS = Object.keys(FakeUserSchema.properties) as ReadonlyArray<keyof FakeUser>

/** Dates are relative to this fixed instant, not to "now", or users would change every day. */
export const CREATED_BEFORE = new Date('2025-01-01T00:00:00.000Z')

// RFC 1918's three private blocks, as faker names them.
const PRIVATE_NETWORKS = ['private-a', 'private-b', 'private-c'] as const

// One instance for the whole process: a user is generated synchronously from its own seed,
// so sharing it between concurrent streams cannot mix their sequences.
const faker = new Faker({ locale: [en, base], randomizer: createSeededRandomizer() })

/** The user numbered `id` in the sequence `seed`. */
export function fakeUser (seed: number, id: number): FakeUser {
  faker.seed([seed, id])
  const firstName = faker.person.firstName()
  const lastName = faker.person.lastName()
  return {
    id,
    username: faker.internet.username({ firstName, lastName }),
    fullName: `${firstName} ${lastName}`,
    email: faker.internet.email({ firstName, lastName }),
    ip: faker.internet.ipv4({ network: faker.helpers.arrayElement(PRIVATE_NETWORKS) }),
    country: faker.location.country(),
    createdAt: faker.date.past({ years: 5, refDate: CREATED_BEFORE }).toISOString()
  }
}

/**
 * Users `from` to `to` (inclusive) of the sequence `seed`, made one at a time as the
 * consumer pulls, so a ten-million-row export never holds more than one user.
 */
export function * fakeUsers (seed: number, from: number, to: number): Generator<FakeUser> {
  for (let id = from; id <= to; id++) yield fakeUser(seed, id)
}
