// The package as a user gets it: `npm pack` from this checkout, checked by the ecosystem's own
// tools (@arethetypeswrong/cli, publint), installed with fastify into a fresh project, type
// checked under each moduleResolution, and the docs' runnable examples run as pasted.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { docExamples, type DocExample } from '../helpers/doc-examples.js'
import { openStream } from '../helpers/stream-client.js'

// A build, an install and several type checks, while the rest of the suite runs beside it:
// past five minutes on a loaded two-core machine. Said before the first synchronous step.
t.setTimeout(600_000)

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = path.join(ROOT, 'node_modules', '.bin')
// The docs' examples listen where a user's would.
const EXAMPLE_PORT = 3000

function run (command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } })
}

const work = mkdtempSync(path.join(tmpdir(), 'fastify-stream-package-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

// Packed from a copy of what a clone has (no dist/): `npm pack` must build by itself, and the
// build must not touch this checkout's dist/, which other test files use meanwhile.
const clone = path.join(work, 'clone')
const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard'], ROOT).stdout.split('\n').filter(file => file !== '' && existsSync(path.join(ROOT, file)))
for (const file of files) {
  mkdirSync(path.dirname(path.join(clone, file)), { recursive: true })
  copyFileSync(path.join(ROOT, file), path.join(clone, file))
}
symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'))
const packed = run('npm', ['pack', '--pack-destination', work], clone)
const tarball = path.join(work, readdirSync(work).find(name => name.endsWith('.tgz')) ?? 'missing.tgz')

t.test('npm pack builds by itself and ships what exports, main and types name', async t => {
  t.equal(packed.status, 0, `npm pack exits 0 (${packed.stderr.slice(-500)})`)
  const listing = run('tar', ['tzf', tarball], work).stdout.split('\n')
  t.notOk(files.some(file => file.startsWith('dist/')), 'the copy had no build')
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const named = new Set<string>([manifest.main, manifest.types])
  for (const entry of Object.values(manifest.exports as Record<string, string | Record<string, string>>)) {
    for (const target of typeof entry === 'string' ? [entry] : Object.values(entry)) named.add(target)
  }
  for (const file of named) t.ok(listing.includes(`package/${file.replace(/^\.\//, '')}`), `ships ${file}`)
  for (const file of ['README.md', 'LICENSE', 'package.json']) t.ok(listing.includes(`package/${file}`), `ships ${file}`)
  for (const field of ['repository', 'homepage', 'bugs', 'license']) t.ok(manifest[field], `package.json has ${field}`)
  // Every source map must point at a file that is in the tarball.
  const maps = listing.filter(file => file.endsWith('.map'))
  t.ok(maps.length > 0)
  run('tar', ['xzf', tarball, '-C', work], work)
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(path.join(work, map), 'utf8')) as { sources: string[] }
    for (const source of sources) {
      const target = path.posix.join(path.posix.dirname(map), source)
      if (!listing.includes(target)) t.fail(`${map} points at ${source}, which is not shipped`)
    }
  }
  t.notOk(listing.some(file => file.includes('.test.')), 'no tests shipped')
})

t.test('@arethetypeswrong/cli finds no problem (ESM-only profile)', async t => {
  const result = run(path.join(BIN, 'attw'), ['--profile', 'esm-only', '--format', 'table-flipped', tarball], work)
  // attw exits non-zero on any problem that the profile does not ignore (node10 and
  // require() of ESM are ignored: the package is ESM only, as its engines allow).
  t.equal(result.status, 0, result.stdout + result.stderr)
  for (const entry of ['fastify-stream/hub', 'fastify-stream/metrics', 'fastify-stream/core', 'fastify-stream/client']) {
    t.match(result.stdout, entry, `${entry} was checked`)
  }
})

t.test('publint reports no error or warning', async t => {
  const result = run(path.join(BIN, 'publint'), ['run', '--strict', tarball], work)
  t.equal(result.status, 0, result.stdout + result.stderr)
  t.match(result.stdout, /All good/)
})

// A fresh project: the tarball and fastify from the registry (the npm cache, when warm).
const project = path.join(work, 'app')
const installed = (() => {
  rmSync(project, { recursive: true, force: true })
  mkdirSync(path.join(project, 'src'), { recursive: true })
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  return run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'fastify@^5.8.0', 'typescript@~6.0', '@types/node@^20', 'prom-client@^15.1.0', '@fastify/type-provider-typebox@^6.3.0', 'typebox@^1.1.14'], project)
})()

t.test('the installed package type-checks with strict and skipLibCheck false', async t => {
  t.equal(installed.status, 0, `npm install exits 0 (${installed.stderr.slice(-500)})`)
  copyFileSync(path.join(ROOT, 'test', 'package', 'consumer', 'app.ts'), path.join(project, 'src', 'app.ts'))
  for (const file of ['wrong.ts', 'wrong-item.ts']) copyFileSync(path.join(ROOT, 'test', 'package', 'consumer', file), path.join(project, 'src', file))
  const resolutions: Array<[string, Record<string, string>]> = [
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }]
  ]
  for (const [name, resolution] of resolutions) {
    for (const [file, shouldPass] of [['app.ts', true], ['wrong.ts', false], ['wrong-item.ts', false]] as const) {
      const config = `tsconfig.${name}.${file}.json`
      writeFileSync(path.join(project, config), JSON.stringify({
        compilerOptions: { ...resolution, target: 'es2022', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] },
        files: [`src/${file}`]
      }))
      const result = run(path.join(project, 'node_modules', '.bin', 'tsc'), ['-p', config], project)
      if (shouldPass) t.equal(result.status, 0, `${name}: ${file} checks (${result.stdout.slice(0, 2000)})`)
      else t.match(result.stdout, new RegExp(`${file.replace('.', '\\.')}.*(TS2769|TS2345)`), `${name}: ${file} is a type error, so the check is real`)
    }
  }
})

/** Runs `code` as pasted in the installed project; resolves once its port accepts connections. */
async function runExample (t: Test, name: string, code: string): Promise<string> {
  const file = path.join(project, `${name}.mjs`)
  writeFileSync(file, code)
  const child = spawn(process.execPath, [file], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  t.teardown(async () => {
    if (child.exitCode !== null) return
    child.kill()
    await once(child, 'exit')
  })
  // Bounded: the example must be listening within 10 s.
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`)
    const connected = await new Promise<boolean>(resolve => {
      const socket = net.connect(EXAMPLE_PORT, '127.0.0.1', () => { socket.destroy(); resolve(true) }).on('error', () => resolve(false))
    })
    if (connected) return `http://127.0.0.1:${EXAMPLE_PORT}`
    await delay(50)
  }
  throw new Error(`${name} never listened on ${EXAMPLE_PORT}: ${stderr}`)
}

/** What each runnable example must do once it listens; one entry per `<!-- runs: NAME -->`. */
const checks: Record<string, (t: Test, url: string) => Promise<void>> = {
  'quick-start': async (t, url) => {
    const fresh = await openStream(`${url}/ticks`, { accept: 'text/event-stream' })
    await fresh.waitFor(text => text.includes('id: 2\n'))
    t.match(fresh.text, /^:\n\nevent: tick\nid: 1\ndata: \{"i":1\}\n\nevent: tick\nid: 2\n/)
    fresh.close()
    const resumed = await openStream(`${url}/ticks`, { accept: 'text/event-stream', 'last-event-id': '41' })
    await resumed.waitFor(text => text.includes('data: {"i":42}'))
    t.notMatch(resumed.text, /"i":41\b/)
    resumed.close()
    const unusable = await openStream(`${url}/ticks`, { accept: 'text/event-stream', 'last-event-id': 'x'.repeat(300) })
    await unusable.waitFor(text => text.includes('id: 1\n'))
    unusable.close()
    const ndjson = await openStream(`${url}/ticks`)
    t.equal(await ndjson.waitFor(text => text.includes('\n')), '{"i":1}\n')
    ndjson.close()
  },
  core: async (t, url) => {
    const client = await openStream(url, { accept: 'text/event-stream' })
    await client.ended
    t.equal(client.text, ':\n\nevent: hello\ndata: world\n\nevent: end\ndata:\n\n')
  },
  metrics: async (t, url) => {
    const text = await (await fetch(`${url}/metrics`)).text()
    t.match(text, /# TYPE fastify_stream_open gauge\nfastify_stream_open 0\n/)
    t.match(text, /# TYPE fastify_stream_opened_total counter/)
    t.match(text, /process_cpu_user_seconds_total/, 'with the process metrics')
  },
  presence: async (t, url) => {
    const ada = await openStream(`${url}/rooms/lobby/stream`, { accept: 'text/event-stream', 'x-user': 'ada' })
    await ada.waitFor(text => text.includes('event: join\ndata: {"id":"ada"'))
    const bob = await openStream(`${url}/rooms/lobby/stream`, { accept: 'text/event-stream', 'x-user': 'bob' })
    await ada.waitFor(text => text.includes('event: join\ndata: {"id":"bob","info":{"name":"bob"}}\n\n'))
    t.same(await (await fetch(`${url}/rooms/lobby/presence`)).json(), {
      clients: 2,
      users: 2,
      list: [{ id: 'ada', info: { name: 'ada' }, clients: 1 }, { id: 'bob', info: { name: 'bob' }, clients: 1 }],
      cursor: null
    })
    bob.close()
    await ada.waitFor(text => text.includes('event: leave\ndata: {"id":"bob"'))
    t.notMatch(ada.text, /event: (join|leave)\nid:/, 'presence events carry no id')
    ada.close()
  },
  hub: async (t, url) => {
    const subscriber = await openStream(`${url}/chat`, { accept: 'text/event-stream' })
    const posted = await fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' })
    const { id } = await posted.json() as { id: string }
    await subscriber.waitFor(text => text.includes('data: {"text":"hi"}'))
    t.match(subscriber.text, `event: chat\nid: ${id}\ndata: {"text":"hi"}\n\n`)
    subscriber.close()
  }
}

t.test('the docs\' examples run as pasted from the installed tarball', async t => {
  t.equal(installed.status, 0)
  const examples: DocExample[] = docExamples()
  t.same(examples.map(example => example.name).sort(), Object.keys(checks).sort(), 'every marked example has a check, and every check an example')
  for (const example of examples) {
    const check = checks[example.name]
    if (check === undefined) continue
    // One at a time: they all listen on the same port, as a user's would.
    await t.test(`${example.file}: ${example.name}`, async t => {
      const url = await runExample(t, example.name, example.code)
      await check(t, url)
    })
  }
})
