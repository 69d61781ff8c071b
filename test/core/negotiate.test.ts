// Accept → format (RFC 9110 §12.5.1), through negotiateFormat alone.
import t from 'tap'
import type { StreamFormat } from '../../lib/framing/encoder.js'
import { negotiateFormat } from '../../lib/http/negotiate.js'

const ALL: StreamFormat[] = ['sse', 'ndjson', 'csv']

function pick (accept: string | undefined, { offered = ALL, fallback = 'ndjson', strict = false }: {
  offered?: StreamFormat[]
  fallback?: StreamFormat
  strict?: boolean
} = {}): StreamFormat | null {
  return negotiateFormat(accept, offered, fallback, strict)
}

t.test('absent, empty or */* → the fallback', async t => {
  t.equal(pick(undefined), 'ndjson', 'absent')
  t.equal(pick(''), 'ndjson', 'empty')
  t.equal(pick('   '), 'ndjson', 'blank')
  t.equal(pick('*/*'), 'ndjson', '*/*')
  t.equal(pick('*/*', { fallback: 'sse' }), 'sse', '*/* with fallback sse')
  t.equal(pick('*/*', { fallback: 'csv' }), 'csv', '*/* with fallback csv')
  t.equal(pick(undefined, { fallback: 'sse', strict: true }), 'sse', 'strict does not refuse a missing Accept')
  t.equal(pick('*/*', { fallback: 'csv', strict: true }), 'csv', 'strict accepts */*')
  t.equal(pick('*/*;q=0.1', { fallback: 'sse' }), 'sse', '*/* with a q')
})

t.test('exact types', async t => {
  t.equal(pick('text/event-stream'), 'sse')
  t.equal(pick('application/x-ndjson', { fallback: 'sse' }), 'ndjson')
  t.equal(pick('application/jsonl', { fallback: 'sse' }), 'ndjson', 'JSON Lines is NDJSON')
  t.equal(pick('text/csv'), 'csv')
  t.equal(pick('TEXT/Event-Stream'), 'sse', 'case-insensitive')
  t.equal(pick(' text/event-stream ; charset=utf-8 '), 'sse', 'whitespace and other parameters')
  t.equal(pick('text/html, text/event-stream'), 'sse', 'alongside unrelated types')
  t.equal(pick('text/csv;header=present;q=1'), 'csv', 'parameters before q')
  t.equal(pick('text/event-stream; Q=1'), 'sse', 'q name case-insensitive')
})

t.test('q-values order', async t => {
  t.equal(pick('text/event-stream;q=0.5, application/x-ndjson;q=0.9', { fallback: 'sse' }), 'ndjson')
  t.equal(pick('text/event-stream;q=0.9, application/x-ndjson;q=0.5'), 'sse', 'higher q beats the fallback')
  t.equal(pick('text/csv;q=0.3, text/event-stream;q=0.4'), 'sse')
  t.equal(pick('application/x-ndjson;q=0.2, text/csv;q=0.25', { fallback: 'ndjson' }), 'csv')
  t.equal(pick('text/event-stream;q=0.001, application/x-ndjson;q=0.002', { fallback: 'sse' }), 'ndjson', 'three decimals')
  t.equal(pick('application/jsonl;q=0.9, text/event-stream;q=0.5'), 'ndjson', 'jsonl q counts for NDJSON')
  t.equal(pick('text/event-stream;q=0.5, */*;q=0.1', { fallback: 'ndjson' }), 'sse', 'exact above a low wildcard')
  t.equal(pick('text/event-stream;q=0.1, */*;q=0.9', { fallback: 'ndjson' }), 'ndjson', 'a higher wildcard wins')
  t.equal(pick('text/event-stream;q=0.1, */*;q=0.9', { offered: ['sse', 'csv'], fallback: 'csv' }), 'csv')
})

t.test('q=0 excludes', async t => {
  t.equal(pick('text/event-stream;q=0', { offered: ['sse'], strict: true }), null, 'strict: 406')
  t.equal(pick('text/event-stream;q=0', { offered: ['sse'], fallback: 'sse' }), 'sse', 'non-strict: the fallback')
  t.equal(pick('text/event-stream;q=0, */*', { offered: ['sse', 'ndjson'], fallback: 'sse' }), 'ndjson', 'excluded even though it is the fallback')
  t.equal(pick('*/*;q=0, text/csv', { fallback: 'sse' }), 'csv', 'only csv left')
  t.equal(pick('*/*;q=0', { strict: true }), null, 'nothing at all is acceptable')
  t.equal(pick('text/*, text/event-stream;q=0'), 'csv', 'the exact q=0 beats the wildcard')
  t.equal(pick('text/event-stream;q=0.0'), 'ndjson', 'q=0.0')
})

t.test('wildcards: text/* and application/*', async t => {
  t.equal(pick('text/*', { offered: ['sse', 'ndjson'] }), 'sse')
  t.equal(pick('text/*', { fallback: 'csv' }), 'csv', 'fallback wins a wildcard tie')
  t.equal(pick('text/*', { fallback: 'sse' }), 'sse', 'fallback wins a wildcard tie')
  t.equal(pick('application/*', { fallback: 'sse' }), 'ndjson')
  t.equal(pick('text/*;q=0.5, application/x-ndjson;q=0.4'), 'sse')
  t.equal(pick('text/*;q=0.5, text/csv;q=0.4', { fallback: 'sse' }), 'sse', 'more specific range decides csv')
  t.equal(pick('text/*;q=0.5', { offered: ['ndjson'], strict: true }), null, 'text/* admits no NDJSON')
  t.equal(pick('text/*, */*;q=0.1'), 'sse', 'text/* beats the lower */* the fallback would take')
})

t.test('header order breaks ties between exact matches', async t => {
  t.equal(pick('application/x-ndjson, text/event-stream', { fallback: 'csv' }), 'ndjson')
  t.equal(pick('text/event-stream, application/x-ndjson', { fallback: 'csv' }), 'sse')
  t.equal(pick('text/event-stream, application/x-ndjson', { fallback: 'ndjson' }), 'sse', 'over the fallback too')
  t.equal(pick('text/csv, text/event-stream, application/x-ndjson'), 'csv')
  t.equal(pick('text/csv;q=0.8, text/event-stream;q=0.8, application/x-ndjson;q=0.9'), 'ndjson', 'q before order')
})

t.test('malformed entries are skipped', async t => {
  t.equal(pick('garbage, text/event-stream'), 'sse')
  t.equal(pick('text/, /csv, text/event-stream'), 'sse', 'missing type or subtype')
  t.equal(pick(';q=1, text/csv'), 'csv', 'empty range')
  t.equal(pick('text/event-stream;q=abc', { offered: ['sse'], strict: true }), null, 'non-numeric q')
  t.equal(pick('text/event-stream;q=1.5', { offered: ['sse'], strict: true }), null, 'q above 1')
  t.equal(pick('text/event-stream;q=-1', { offered: ['sse'], strict: true }), null, 'negative q')
  t.equal(pick('text/event-stream;q=', { offered: ['sse'], strict: true }), null, 'empty q')
  t.equal(pick('text/event-stream;q=abc, text/csv;q=0.1'), 'csv', 'the malformed entry does not hide later ones')
  t.equal(pick('text/event-stream;q=abc'), 'ndjson', 'non-strict: fallback')
})

t.test('application/json-seq and other JSON types are not NDJSON', async t => {
  t.equal(pick('application/json-seq', { offered: ['ndjson'], strict: true }), null, 'RFC 7464 is a different framing')
  t.equal(pick('application/json-seq', { fallback: 'sse' }), 'sse', 'non-strict: the fallback')
  t.equal(pick('application/json', { offered: ['ndjson', 'sse'], strict: true }), null)
  t.equal(pick('application/x-ndjson-extra', { offered: ['ndjson'], strict: true }), null, 'no prefix matching')
  t.equal(pick('text/event-streams', { offered: ['sse'], strict: true }), null)
})

t.test('strict mode returns null, non-strict the fallback', async t => {
  t.equal(pick('text/html', { strict: true }), null)
  t.equal(pick('text/html'), 'ndjson')
  t.equal(pick('text/event-stream', { offered: ['ndjson', 'csv'], strict: true }), null, 'a type the route does not offer')
  t.equal(pick('text/event-stream', { offered: ['ndjson', 'csv'], fallback: 'csv' }), 'csv', 'non-strict')
  t.equal(pick('text/csv', { offered: ['csv'], strict: true }), 'csv')
})

t.test('a fallback not in offered → the first offered', async t => {
  t.equal(pick(undefined, { offered: ['csv', 'sse'], fallback: 'ndjson' }), 'csv')
  t.equal(pick('*/*', { offered: ['sse', 'csv'], fallback: 'ndjson' }), 'sse')
  t.equal(pick('text/html', { offered: ['csv'], fallback: 'sse' }), 'csv', 'non-strict, nothing matched')
  t.equal(pick('text/*', { offered: ['csv', 'sse'], fallback: 'ndjson' }), 'csv', 'it also wins wildcard ties')
  t.equal(pick('application/x-ndjson', { offered: ['csv', 'sse'], fallback: 'ndjson' }), 'csv', 'an unoffered format is never chosen')
})
