/**
 * `npm run bench`: builds if needed, runs the scenarios (ours and the node:http baseline,
 * interleaved), prints markdown tables on stdout and writes JSON to bench/results/.
 * Progress goes to stderr, so `npm run bench > table.md` captures only the result.
 */
import { parseArgs, USAGE } from './lib/args.mjs'
import { ensureBuilt } from './lib/build.mjs'
import { createContext } from './lib/context.mjs'
import { describeMachine } from './lib/machine.mjs'
import { NotAvailable } from './lib/not-available.mjs'
import { stopAll } from './lib/processes.mjs'
import { writeResults } from './lib/results.mjs'
import { renderScenario } from './lib/table.mjs'
import { METHOD, writeBenchmarksPage } from './lib/benchmarks-page.mjs'
import { SCENARIOS } from './scenarios/index.mjs'

const started = Date.now()
const log = line => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}\n`)

process.once('SIGINT', async () => {
  log('interrupted: stopping child processes')
  await stopAll()
  process.exit(130)
})

let args
try {
  args = parseArgs(process.argv.slice(2))
} catch (err) {
  process.stderr.write(err.message + '\n')
  process.exit(2)
}
if (args.help) {
  process.stdout.write(USAGE + '\n')
  process.exit(0)
}

ensureBuilt(log)
const selected = SCENARIOS.filter(s => args.only === null || args.only.some(key => key === String(s.number) || key === s.id))
if (selected.length === 0) {
  process.stderr.write(`--only matched no scenario; known: ${SCENARIOS.map(s => `${s.number} (${s.id})`).join(', ')}\n`)
  process.exit(2)
}

const ctx = createContext({ quick: args.quick, rounds: args.rounds, log })
const machine = describeMachine()
log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.pinned ? 'server on core 0, load on core 1' : 'no taskset pinning'}, ${args.rounds} rounds${args.quick ? ' (quick)' : ''}`)

const results = []
for (const scenario of selected) {
  const began = Date.now()
  log(`scenario ${scenario.number}: ${scenario.title}`)
  const result = { number: scenario.number, id: scenario.id, title: scenario.title, status: 'ok', rows: [], notes: [] }
  try {
    Object.assign(result, await scenario.run(ctx))
  } catch (err) {
    result.status = err instanceof NotAvailable ? 'unavailable' : 'failed'
    result.reason = err instanceof NotAvailable ? err.message : (err?.stack ?? String(err)).split('\n').slice(0, 3).join(' ')
    log(`scenario ${scenario.number} ${result.status}: ${result.reason}`)
  } finally {
    await stopAll()
  }
  result.seconds = Math.round((Date.now() - began) / 1000)
  results.push(result)
  process.stdout.write(renderScenario(result) + '\n\n')
}

const run = { date: new Date(started).toISOString(), quick: args.quick, rounds: args.rounds, seconds: Math.round((Date.now() - started) / 1000), machine, method: METHOD, scenarios: results }
const file = await writeResults(run)
log(`results: ${file} (${run.seconds} s)`)
if (args.docs) log(await writeBenchmarksPage(run))
process.exitCode = results.some(r => r.status === 'failed') ? 1 : 0
