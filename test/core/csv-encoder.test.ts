// CSV framing (RFC 4180) and the OWASP formula-injection guard; golden bytes written by hand,
// then a round trip through csv-parse as the independent reader.
import { parse } from 'csv-parse/sync'
import { frameOf } from '../helpers/frames.js'
import t from 'tap'
import { createEncoder } from '../../lib/framing/create-encoder.js'
import { createCsvEncoder, csvField } from '../../lib/framing/csv-encoder.js'
import { streamHeaders } from '../../lib/http/headers.js'
import { PreparedEvent } from '../../lib/framing/prepared-event.js'
import { createSerialize } from '../../lib/framing/serialize.js'
import { sse } from '../../lib/framing/sse-event.js'
import { createRandom, CSV_PIECES, pickSeed, randomString, toWellFormed } from '../helpers/random-strings.js'

t.test('the encoder contract', async t => {
  const encoder = createCsvEncoder()
  t.equal(encoder.format, 'csv')
  t.equal(encoder.contentType, 'text/csv; charset=utf-8')
  t.equal(encoder.heartbeatFrame, '', 'no heartbeat')
  t.equal(encoder.preamble(), '', 'no columns, no BOM: nothing before the first item')
  t.equal(encoder.endFrame(), '')
  t.equal(encoder.reconnectFrame(), '', 'a lifetime end is a plain end')
  t.equal(encoder.faultFrame({ code: 'C', message: 'm' }), '', 'CSV has no error record')
  t.equal(encoder.abortOnFault, true, 'a failed CSV download is aborted, never ended cleanly')
  t.same(streamHeaders(encoder), {
    'content-type': 'text/csv; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no'
  })
})

t.test('header row from columns, CRLF line ends', async t => {
  const encoder = createCsvEncoder({ columns: ['id', 'name', 'note'] })
  t.equal(encoder.preamble(), 'id,name,note\r\n', 'header written at open')
  t.equal(encoder.encode({ id: 1, name: 'Ada', note: 'x' }), '1,Ada,x\r\n')
  t.equal(encoder.encode({ note: 'only', extra: 'ignored' }), ',,only\r\n', 'missing fields empty, extra ignored')
  t.equal(encoder.encode({ name: 'B', id: 2 }), '2,B,\r\n', 'column order, not key order')
  t.equal(encoder.encode([9, 8, 7, 6]), '9,8,7,6\r\n', 'arrays are positional rows')
})

t.test('header row from the first item', async t => {
  const encoder = createCsvEncoder()
  t.equal(encoder.preamble(), '')
  t.equal(encoder.encode({ name: 'Ada', age: 36 }), 'name,age\r\nAda,36\r\n', 'header, then the first row')
  t.equal(encoder.encode({ age: 37, name: 'Bob', city: 'Paris' }), 'Bob,37\r\n', 'first item fixed the columns')
  t.equal(encoder.encode({}), ',\r\n', 'an empty object is a row of empty fields')

  const primitives = createCsvEncoder()
  t.equal(primitives.encode(5), 'value\r\n5\r\n', 'a primitive first item gets a "value" column')
  t.equal(primitives.encode('a,b'), '"a,b"\r\n')
  t.equal(primitives.encode(null), '\r\n')

  const rows = createCsvEncoder()
  t.equal(rows.encode(['a', 'b']), 'a,b\r\n', 'an array first item writes no header')
  t.equal(rows.encode([]), '\r\n', 'an empty array is an empty line')
})

t.test('RFC 4180 quoting', async t => {
  const encoder = createCsvEncoder({ columns: ['v'] })
  const cases: Array<[unknown, string]> = [
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ['a\r\nb', '"a\r\nb"'],
    ['a\nb', '"a\nb"'],
    ['a\rb', '"a\rb"'],
    [' padded ', ' padded '],
    ['', ''],
    ['é✓\u{1F600}', 'é✓\u{1F600}'],
    ["it's", "it's"],
    ['semi;colon', 'semi;colon']
  ]
  for (const [value, field] of cases) t.equal(encoder.encode({ v: value }), field + '\r\n', JSON.stringify(value))
  t.equal(encoder.encode(['a,b', 'c"d', 'e\nf', 'g']), '"a,b","c""d","e\nf",g\r\n', 'several fields')
})

t.test('values: null/undefined empty, numbers, booleans, BigInt, dates ISO, nested JSON', async t => {
  const encoder = createCsvEncoder({ columns: ['v'] })
  const cases: Array<[string, unknown, string]> = [
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['integer', 42, '42'],
    ['negative number', -5, '-5'],
    ['float', -1.25, '-1.25'],
    ['zero', 0, '0'],
    ['true', true, 'true'],
    ['false', false, 'false'],
    ['BigInt', 12345678901234567890n, '12345678901234567890'],
    ['negative BigInt', -7n, '-7'],
    ['date', new Date(Date.UTC(2024, 1, 29, 12, 30, 45, 6)), '2024-02-29T12:30:45.006Z'],
    ['object', { b: 1 }, '"{""b"":1}"'],
    ['array', [1, 2], '"[1,2]"'],
    ['one-element array', ['x'], '"[""x""]"'],
    ['empty object', {}, '{}'],
    ['empty array', [], '[]'],
    ['nested string with newline', { s: 'a\nb' }, '"{""s"":""a\\nb""}"']
  ]
  for (const [name, value, field] of cases) t.equal(encoder.encode({ v: value }), field + '\r\n', name)
  t.equal(encoder.encode([null, undefined, 1]), ',,1\r\n', 'null and undefined in rows')
  // As inside JSON objects, values with no JSON form leave their field empty.
  t.equal(encoder.encode([Symbol('s'), () => 1, 'x']), ',,x\r\n', 'symbols and functions are empty')
})

t.test('the injection guard is on by default', async t => {
  const encoder = createCsvEncoder({ columns: ['v'] })
  const cases: Array<[string, string]> = [
    ['=1+1', "'=1+1"],
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['-', "'-"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', '"\'\rx"'],
    ['=a,b', '"\'=a,b"'],
    ['a=b', 'a=b'],
    ['x-1', 'x-1'],
    ["'=x", "'=x"]
  ]
  for (const [value, field] of cases) t.equal(encoder.encode({ v: value }), field + '\r\n', JSON.stringify(value))
  t.equal(encoder.encode({ v: -5 }), '-5\r\n', 'a negative number is not prefixed')
  t.equal(encoder.encode(['=x', -5, '-5']), "'=x,-5,'-5\r\n", 'rows are guarded too')
  t.equal(createCsvEncoder({ columns: ['=cmd', 'ok'] }).preamble(), "'=cmd,ok\r\n", 'header names are guarded')
  t.equal(createCsvEncoder().encode({ '@x': 1 }), "'@x\r\n1\r\n", 'keys of the first item are guarded')
  t.equal(csvField('=x'), "'=x", 'csvField guards by default')
  t.equal(csvField('+x', true), "'+x")
})

t.test('csvInjection: false writes cells as they are', async t => {
  const encoder = createCsvEncoder({ columns: ['v'], csvInjection: false })
  t.equal(encoder.encode({ v: '=1+1' }), '=1+1\r\n')
  t.equal(encoder.encode({ v: '\rx' }), '"\rx"\r\n', 'still quoted')
  t.equal(encoder.encode(['@a', '-1', '+1', '\tx']), '@a,-1,+1,\tx\r\n')
  t.equal(csvField('=x', false), '=x')
})

t.test('bom: true starts the file with U+FEFF', async t => {
  const withColumns = createCsvEncoder({ bom: true, columns: ['a', 'b'] })
  t.equal(withColumns.preamble(), '\uFEFFa,b\r\n')
  t.equal(Buffer.from(withColumns.preamble()).subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 BOM bytes first')
  const bare = createCsvEncoder({ bom: true })
  t.equal(bare.preamble(), '\uFEFF', 'BOM alone when the header comes from the first item')
  t.equal(bare.encode({ x: 1 }), 'x\r\n1\r\n', 'the BOM is not repeated')
  t.equal(createCsvEncoder({ bom: false, columns: ['a'] }).preamble(), 'a\r\n', 'no BOM by default')
})

t.test('the header is written once, whatever the call order', async t => {
  // The pump may frame the first item before it asks for the preamble.
  const derived = createCsvEncoder({ bom: true })
  t.equal(derived.encode({ a: 1, b: 2 }), 'a,b\r\n1,2\r\n', 'derived header with the first row')
  t.equal(derived.preamble(), '\uFEFF', 'the preamble does not repeat it')
  t.equal(derived.encode({ a: 3, b: 4 }), '3,4\r\n')
  const given = createCsvEncoder({ columns: ['a'] })
  t.equal(given.encode({ a: 1 }), '1\r\n', 'given columns: no header in the row')
  t.equal(given.preamble(), 'a\r\n', 'it is in the preamble')
})

t.test('sse() items and undefined', async t => {
  const encoder = createCsvEncoder({ columns: ['a'] })
  t.equal(encoder.encode(sse({ id: '1', event: 'row', data: { a: 'x' } })), 'x\r\n', 'only data is written')
  t.equal(encoder.encode(sse({ data: ['p', 'q'] })), 'p,q\r\n')
  t.equal(encoder.encode(sse({ id: '2' })), '', 'no data: nothing')
  t.equal(encoder.encode(undefined), '', 'undefined item: nothing')
  const fresh = createCsvEncoder()
  t.equal(fresh.encode(sse({ comment: 'c' })), '', 'a data-less first item does not fix the header')
  t.equal(fresh.encode({ k: 1 }), 'k\r\n1\r\n')
  const prepared = new PreparedEvent({ data: { a: 'p' } }, createSerialize())
  t.equal(frameOf(prepared, 'csv'), undefined, 'prepared events have no shared CSV frame')
  t.equal(encoder.encode(prepared), 'p\r\n', 'so the stream encoder writes them')
})

t.test('createEncoder("csv") passes the CSV options', async t => {
  const encoder = createEncoder('csv', { columns: ['a'], csvInjection: false, bom: true, retryMs: 5 })
  t.equal(encoder.format, 'csv')
  t.equal(encoder.preamble(), '\uFEFFa\r\n')
  t.equal(encoder.encode({ a: '=x' }), '=x\r\n')
})

t.test('round trip through csv-parse: thousands of tricky rows intact', async t => {
  const seed = pickSeed()
  t.comment(`seed ${seed} (replay with TEST_SEED=${seed})`)
  const random = createRandom(seed)
  const columns = ['first', 'second, with comma', 'third "quoted"', 'fourth\nline']
  for (const guard of [false, true]) {
    const encoder = createCsvEncoder({ columns, csvInjection: guard, bom: true })
    const rows: string[][] = []
    let text = encoder.preamble()
    for (let i = 0; i < 4000; i++) {
      const row = columns.map(() => randomString(random, CSV_PIECES, 6))
      rows.push(row)
      text += random.int(2) === 0 ? encoder.encode(row) : encoder.encode(Object.fromEntries(columns.map((c, j) => [c, row[j]])))
    }
    // Decode the bytes as a client would; lone surrogates become U+FFFD on the way.
    const wire = Buffer.from(text)
    const parsed = parse(wire, { bom: true, record_delimiter: '\r\n', relax_column_count: false }) as string[][]
    const expected = [columns, ...rows].map((row, r) => row.map(cell => {
      const sent = toWellFormed(cell)
      // OWASP: a cell starting with = + - @ TAB or CR gets a leading apostrophe.
      return guard && r > 0 && /^[=+\-@\t\r]/.test(sent) ? "'" + sent : sent
    }))
    t.equal(parsed.length, expected.length, `guard ${guard}: one record per row (seed ${seed})`)
    let mismatches = 0
    for (let i = 0; i < expected.length; i++) {
      if (JSON.stringify(parsed[i]) !== JSON.stringify(expected[i]) && mismatches++ < 5) {
        t.same(parsed[i], expected[i], `guard ${guard}: row ${i} (seed ${seed})`)
      }
    }
    t.equal(mismatches, 0, `guard ${guard}: every cell intact (seed ${seed})`)
    t.ok(wire.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'BOM first')
  }
})
