/**
 * Command-line flags of `npm run bench`.
 */

const USAGE = `usage: npm run bench -- [--quick] [--only <id>[,<id>…]] [--rounds N] [--docs]
  --quick      smoke check in about 4 minutes: smaller loads, 3 rounds
  --only       run only these scenarios (number or id, e.g. --only 1,idle)
  --rounds N   interleaved rounds per measurement (default 5, or 3 with --quick)
  --docs       rewrite the tables of docs/benchmarks.md from this run`

/**
 * Parses `argv` (without node and the script).
 * @param {string[]} argv
 * @returns {{ quick: boolean, only: string[] | null, rounds: number, docs: boolean, help: boolean }}
 * @throws Error with the usage text on an unknown flag or a bad value.
 */
export function parseArgs (argv) {
  const args = { quick: false, only: null, rounds: 0, docs: false, help: false }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--quick') args.quick = true
    else if (flag === '--docs') args.docs = true
    else if (flag === '--help' || flag === '-h') args.help = true
    else if (flag === '--only') args.only = valueOf(argv, ++i, flag).split(',').map(s => s.trim()).filter(Boolean)
    else if (flag === '--rounds') args.rounds = Number(valueOf(argv, ++i, flag))
    else throw new Error(`unknown flag ${flag}\n${USAGE}`)
  }
  if (args.rounds === 0) args.rounds = args.quick ? 3 : 5
  if (!Number.isInteger(args.rounds) || args.rounds < 1 || args.rounds > 50) {
    throw new Error(`--rounds must be an integer from 1 to 50\n${USAGE}`)
  }
  return args
}

export { USAGE }

function valueOf (argv, i, flag) {
  if (argv[i] === undefined || argv[i].startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`)
  return argv[i]
}
