// The README's quick start must work when pasted: run it as a user would (the package
// imported by its own name, from the build) and talk to it with a real client.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import t from 'tap'
import { openStream } from './helpers/stream-client.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** The first ```js block after `heading`. */
function codeBlockAfter (heading: string): string {
  const section = readme.slice(readme.indexOf(heading))
  const match = /```js\n([\s\S]*?)```/.exec(section)
  if (match === null) throw new Error(`no js block after ${heading}`)
  return match[1] as string
}

t.test('the quick start streams ticks and resumes from Last-Event-ID', async t => {
  const snippet = codeBlockAfter('## Quick start')
  t.match(snippet, /port: 3000/)
  // Inside the package, so `import 'fastify-stream'` resolves to the build as it would for a user.
  mkdirSync(new URL('../artifacts/', import.meta.url), { recursive: true })
  const file = new URL('../artifacts/readme-quickstart.mjs', import.meta.url)
  writeFileSync(file, snippet.replace('port: 3000', "port: 0, host: '127.0.0.1'"))
  const child = spawn(process.execPath, [file.pathname], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill() })
  let url: string | undefined
  for await (const line of createInterface({ input: child.stdout })) {
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)
    if (match !== null) {
      url = match[1]
      break
    }
  }
  t.ok(url, 'the server printed its address')
  const fresh = await openStream(`${url}/ticks`, { accept: 'text/event-stream' })
  await fresh.waitFor(text => text.includes('id: 2\n'))
  t.match(fresh.text, /^:\n\nevent: tick\nid: 1\ndata: \{"i":1\}\n\nevent: tick\nid: 2\n/)
  fresh.close()
  const resumed = await openStream(`${url}/ticks`, { accept: 'text/event-stream', 'last-event-id': '41' })
  await resumed.waitFor(text => text.includes('data: {"i":42}'))
  t.notMatch(resumed.text, /"i":41\b/)
  resumed.close()
  const ndjson = await openStream(`${url}/ticks`)
  t.equal(await ndjson.waitFor(text => text.includes('\n')), '{"i":1}\n')
  ndjson.close()
  child.kill()
  await once(child, 'exit')
})
