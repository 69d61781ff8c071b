// docs/testing.md shows how to test a finite and an endless stream route with inject(); this
// runs its example exactly as written, with node --test, against the built package.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { readMarkdown } from '../helpers/doc-examples.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const EXAMPLE = /<!-- test: inject -->\n```js\n([\s\S]*?)```/

t.test('docs/testing.md: its inject() example passes as written', async t => {
  const code = EXAMPLE.exec(readMarkdown('docs/testing.md'))?.[1]
  if (code === undefined) return t.fail('docs/testing.md has no <!-- test: inject --> block')
  // Inside the package, so `import 'fastify-stream'` resolves to this build, as in a user's app.
  const dir = path.join(ROOT, '.tap', 'docs')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'inject.test.mjs')
  writeFileSync(file, code)
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  t.equal(run.status, 0, `node --test exits 0 (${run.stdout.slice(-1500)}${run.stderr.slice(-500)})`)
  t.match(run.stdout, /# pass 2\n/, 'both tests ran and passed')
  t.match(run.stdout, /# fail 0\n/)
})
