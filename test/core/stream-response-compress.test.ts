// streamResponse() on a plain node:http server compresses like the plugin does: negotiated,
// flushed per write, Vary: Accept-Encoding; a wrong compress value rejects before any byte.
import { once } from 'node:events'
import http from 'node:http'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import t from 'tap'
import { streamResponse } from '../../lib/index.js'

t.test('streamResponse({ compress }): the coding, its headers, the body', async t => {
  const rejections: unknown[] = []
  const server = http.createServer((req, res) => {
    const compress = req.url === '/bad' ? { encodings: ['zstd'] } : req.url === '/off' ? undefined : { encodings: ['br', 'gzip'] }
    streamResponse(req, res, [{ n: 1 }, { n: 2 }], { compress: compress as never }).catch(err => {
      rejections.push(err)
      res.statusCode = 500
      res.end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as { port: number }
  const get = async (path: string, encoding: string): Promise<{ headers: http.IncomingHttpHeaders, body: Buffer }> => {
    const [response] = await once(http.get(`http://127.0.0.1:${port}${path}`, { headers: { accept: 'application/x-ndjson', 'accept-encoding': encoding }, agent: false }), 'response') as [http.IncomingMessage]
    const chunks: Buffer[] = []
    for await (const chunk of response) chunks.push(chunk as Buffer)
    return { headers: response.headers, body: Buffer.concat(chunks) }
  }
  const br = await get('/', 'gzip, br')
  t.equal(br.headers['content-encoding'], 'br')
  t.equal(br.headers.vary, 'Accept-Encoding')
  t.equal(brotliDecompressSync(br.body).toString(), '{"n":1}\n{"n":2}\n')
  const gzip = await get('/', 'gzip')
  t.equal(gunzipSync(gzip.body).toString(), '{"n":1}\n{"n":2}\n', 'gzip when that is all the client takes')
  const off = await get('/off', 'gzip, br')
  t.equal(off.headers['content-encoding'], undefined, 'off: unchanged')
  t.equal(off.headers.vary, undefined)
  t.equal(off.body.toString(), '{"n":1}\n{"n":2}\n')
  const bad = await get('/bad', 'gzip')
  t.equal(bad.headers['content-encoding'], undefined)
  t.match(rejections, [{ code: 'FST_STREAM_INVALID_OPTION', message: /compress.*encodings must be/ }], 'a wrong compress rejects with how to fix it')
})
