/**
 * integerQuery(): one bounds declaration gives the JSON schema and the raw-string check, and a
 * bound that plain digits could never reach is refused when it is declared, not per request.
 */
import Fastify from 'fastify'
import { test } from 'tap'
import { integerQuery } from '../../demo/integer-query.js'

test('the schema properties carry the bounds and the default', async t => {
  const query = integerQuery({ page: { minimum: 1, maximum: 99, default: 1 }, size: { minimum: 0, maximum: 5 } })
  t.same(query.properties, {
    page: { type: 'integer', minimum: 1, maximum: 99, default: 1 },
    size: { type: 'integer', minimum: 0, maximum: 5 }
  })
})

test('a route using it gets defaults, coerced numbers, and a 400 for what is not plain digits', async t => {
  const query = integerQuery({ page: { minimum: 1, maximum: 99, default: 1 } })
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/', { preValidation: query.preValidation, schema: { querystring: { type: 'object', properties: query.properties } } },
    async request => request.query)
  t.same((await app.inject('/')).json(), { page: 1 }, 'the default applies when the parameter is absent')
  t.same((await app.inject('/?page=99')).json(), { page: 99 }, 'a number, not a string')
  for (const page of ['0', '100', '099', '1e1', '%2B1', '']) {
    const res = await app.inject(`/?page=${page}`)
    t.equal(res.statusCode, 400, page)
    t.same(res.json(), {
      statusCode: 400,
      code: 'DEMO_QUERY_INTEGER',
      error: 'Bad Request',
      message: 'querystring/page must be an integer from 1 to 99, written in plain decimal digits'
    }, page)
  }
})

test('bounds that cannot be met in plain digits throw at declaration', async t => {
  const bad = [
    { minimum: -1, maximum: 5 },
    { minimum: 5, maximum: 4 },
    { minimum: 0, maximum: Infinity },
    { minimum: 0, maximum: 2 ** 53 },
    { minimum: 0.5, maximum: 5 },
    { minimum: 1, maximum: 5, default: 0 },
    { minimum: 1, maximum: 5, default: 1.5 }
  ]
  for (const bounds of bad) {
    t.throws(() => integerQuery({ n: bounds }), { name: 'TypeError', message: /^integerQuery: n needs safe integers/ }, JSON.stringify(bounds))
  }
})
