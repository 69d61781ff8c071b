/**
 * The large export at scale: 100k rows parsed back by csv-parse (an independent RFC 4180
 * reader) equal the deterministic users, and a million rows stream with flat memory.
 */
import { request, type IncomingMessage } from 'node:http'
import { parse } from 'csv-parse'
import { test } from 'tap'
import { USER_COLUMNS, fakeUser } from '../../demo/fake-users.js'
import { listenDemo } from '../helpers/demo-clients.js'

// The plugin's OWASP guard prefixes cells that a spreadsheet would run as a formula.
const FORMULA_START = /^[=+\-@\t\r]/
const MB = 1024 * 1024

function get (url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }).once('response', resolve).once('error', reject).end()
  })
}

test('100,000 rows round-trip through csv-parse, every field intact', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  const count = 100_000
  const seed = 2024
  const res = await get(`${url}/api/users/export?count=${count}&seed=${seed}`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')

  let rows = 0
  let header: string[] | undefined
  const mismatches: string[] = []
  for await (const record of res.pipe(parse({ relax_column_count: false })) as AsyncIterable<string[]>) {
    if (header === undefined) {
      header = record
      continue
    }
    rows++
    const user = fakeUser(seed, rows)
    const expected = USER_COLUMNS.map(column => {
      const value = String(user[column])
      return FORMULA_START.test(value) ? `'${value}` : value
    })
    if (mismatches.length < 5 && record.join('\u0000') !== expected.join('\u0000')) {
      mismatches.push(`row ${rows}: ${JSON.stringify(record)} != ${JSON.stringify(expected)}`)
    }
  }
  t.same(header, USER_COLUMNS, 'the header row names the columns')
  t.equal(rows, count, 'every row arrived, none twice')
  t.same(mismatches, [], 'each row is the deterministic user with that id')
})

test('a million-row export keeps memory flat (RSS growth < 64 MB)', async t => {
  const { app, url } = await listenDemo()
  t.teardown(() => app.close())
  // Warm up first, so JIT code and faker's locale tables are not counted as growth.
  const warm = await get(`${url}/api/users/export?count=20000`)
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for await (const _chunk of warm);

  const count = 1_000_000
  const baseline = process.memoryUsage.rss()
  let peak = baseline
  let bytes = 0
  let lines = 0
  let sinceSample = 0
  const started = performance.now()
  const res = await get(`${url}/api/users/export?count=${count}`)
  for await (const chunk of res as AsyncIterable<Buffer>) {
    bytes += chunk.length
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
    sinceSample += chunk.length
    if (sinceSample >= MB) {
      sinceSample = 0
      peak = Math.max(peak, process.memoryUsage.rss())
    }
  }
  const seconds = (performance.now() - started) / 1000
  t.equal(lines, count + 1, 'a header and a million rows')
  const growthMb = (peak - baseline) / MB
  t.comment(`${(bytes / MB).toFixed(0)} MB in ${seconds.toFixed(1)} s; RSS growth ${growthMb.toFixed(1)} MB`)
  t.ok(growthMb < 64, `RSS grew ${growthMb.toFixed(1)} MB, under 64 MB (server and client share this process)`)
})
