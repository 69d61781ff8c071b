/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4) for tests: every
 * line must be a HELP, a TYPE or a sample, or the parse throws, so a malformed scrape fails
 * the test instead of being skipped over.
 */

/** One sample line. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** A parsed scrape. */
export interface Scrape {
  /** `# TYPE` per metric family, in order. */
  types: Map<string, string>
  /** `# HELP` per metric family. */
  help: Map<string, string>
  samples: Sample[]
  /** The one sample named `name` whose labels include `labels`; throws if none or several. */
  value (name: string, labels?: Record<string, string>): number
}

const COMMENT = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy

/** Parses `text`. */
export function parseScrape (text: string): Scrape {
  const types = new Map<string, string>()
  const help = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const comment = COMMENT.exec(line)
    if (comment !== null) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string]
      if ((kind === 'TYPE' ? types : help).has(name)) throw new Error(`second # ${kind} for ${name}`)
      ;(kind === 'TYPE' ? types : help).set(name, rest)
      continue
    }
    const sample = SAMPLE.exec(line)
    if (sample === null) throw new Error(`not a Prometheus text line: ${JSON.stringify(line)}`)
    const [, name, labelText = '', raw] = sample as unknown as [string, string, string | undefined, string]
    const value = parseValue(raw)
    if (value === undefined) throw new Error(`not a number in ${JSON.stringify(line)}`)
    samples.push({ name, labels: parseLabels(labelText, line), value })
  }
  return {
    types,
    help,
    samples,
    value (name, labels = {}) {
      const found = samples.filter(sample => sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`)
      return (found[0] as Sample).value
    }
  }
}

// Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case
// (prom-client writes "Nan").
function parseValue (raw: string): number | undefined {
  if (/^nan$/i.test(raw)) return NaN
  if (/^[+-]?inf$/i.test(raw)) return raw.startsWith('-') ? -Infinity : Infinity
  const value = Number(raw)
  return Number.isNaN(value) ? undefined : value
}

function parseLabels (text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  let end = 0
  for (let match = LABEL.exec(text); match !== null; match = LABEL.exec(text)) {
    labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, (_, c: string) => c === 'n' ? '\n' : c)
    end = LABEL.lastIndex
  }
  if (end !== text.length) throw new Error(`bad labels in ${JSON.stringify(line)}`)
  return labels
}
