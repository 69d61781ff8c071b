/**
 * Fake users are deterministic (seed + id decide everything, in any order) and look like
 * the issue asks: a username, a full name, an email, a private IPv4, a country, a date.
 */
import { test } from 'tap'
import { CREATED_BEFORE, USER_COLUMNS, fakeUser, fakeUsers } from '../../demo/fake-users.js'
import { createSeededRandomizer } from '../../demo/seeded-randomizer.js'

// RFC 1918: 10/8, 172.16/12, 192.168/16.
const PRIVATE_IPV4 = /^(10\.\d{1,3}|172\.(1[6-9]|2\d|3[01])|192\.168)\.\d{1,3}\.\d{1,3}$/
const FIVE_YEARS_MS = 5 * 366 * 24 * 3600 * 1000

test('the same seed and id always give the same user, whatever came before', async t => {
  const forward = Array.from(fakeUsers(5, 1, 50))
  const backward = Array.from({ length: 50 }, (_, i) => fakeUser(5, 50 - i)).reverse()
  t.same(backward, forward, 'generated in reverse order, the users are the same')
  t.same(fakeUser(5, 17), forward[16])
  t.notSame(fakeUser(6, 17), fakeUser(5, 17), 'another seed, another user')
  t.notSame(fakeUser(5, 18), fakeUser(5, 17), 'another id, another user')
  const distinct = new Set(forward.map(user => user.email))
  t.ok(distinct.size >= 48, 'users are varied')
})

test('a user has every field, in the export column order', async t => {
  const problems: string[] = []
  const check = (ok: boolean, what: string): void => { if (!ok) problems.push(what) }
  for (const user of fakeUsers(99, 1, 1000)) {
    check(Object.keys(user).join() === USER_COLUMNS.join(), `user ${user.id}: keys ${Object.keys(user).join()}`)
    check(/^\S+$/.test(user.username), `user ${user.id}: username ${user.username}`)
    check(/^\S.* \S+$/.test(user.fullName), `user ${user.id}: full name ${user.fullName}`)
    check(/^[^@\s]+@[^@\s]+\.[a-z]+$/.test(user.email), `user ${user.id}: email ${user.email}`)
    check(PRIVATE_IPV4.test(user.ip), `user ${user.id}: ${user.ip} is not private`)
    check(user.country.length > 1, `user ${user.id}: country ${user.country}`)
    const created = Date.parse(user.createdAt)
    check(created < CREATED_BEFORE.getTime() && created > CREATED_BEFORE.getTime() - FIVE_YEARS_MS, `user ${user.id}: created ${user.createdAt}`)
  }
  t.same(problems.slice(0, 10), [], 'a thousand users look right')
  const networks = new Set(Array.from(fakeUsers(99, 1, 300), user => user.ip.split('.')[0]))
  t.same([...networks].sort(), ['10', '172', '192'], 'all three private networks occur')
})

test('the generator is lazy: it makes users only as they are pulled', async t => {
  const users = fakeUsers(1, 1, 10_000_000)
  t.equal(users.next().value?.id, 1)
  t.equal(users.next().value?.id, 2)
  t.same(users.return(undefined), { value: undefined, done: true })
})

test('the randomizer is reproducible, in range, and seeds do not collide across 2^32', async t => {
  const a = createSeededRandomizer()
  const b = createSeededRandomizer()
  a.seed([7, 1])
  b.seed([7, 1])
  const first = Array.from({ length: 1000 }, () => a.next())
  t.same(Array.from({ length: 1000 }, () => b.next()), first)
  t.ok(first.every(x => x >= 0 && x < 1))
  const mean = first.reduce((sum, x) => sum + x, 0) / first.length
  t.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean.toFixed(3)} is near 0.5`)
  a.seed(1)
  b.seed(1 + 2 ** 32)
  t.not(a.next(), b.next())
  a.seed([1, 2])
  b.seed([2, 1])
  t.not(a.next(), b.next(), 'order matters')
})
