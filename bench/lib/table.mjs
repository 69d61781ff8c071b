/**
 * Markdown rendering of scenario results: one table per scenario, ours next to the baseline,
 * the ratio and the spread, so no number is read without its comparison.
 */

const HEADER = '| metric | ours (median) | baseline (median) | ratio | ours min–max | baseline min–max | target | met |\n' +
  '|---|--:|--:|--:|--:|--:|---|:-:|'

/**
 * Renders one scenario's result as a markdown section.
 * @param {{ number: number, title: string, status: string, reason?: string, rows: import('./rows.mjs').Row[], notes: string[], seconds?: number }} result
 * @returns {string}
 */
export function renderScenario (result) {
  const lines = [`### ${result.number}. ${result.title}`, '']
  if (result.status === 'unavailable') {
    lines.push(`Not available yet: ${result.reason}`)
    return lines.join('\n')
  }
  if (result.status === 'failed') {
    lines.push(`**Failed:** ${result.reason}`)
    if (result.rows.length === 0) return lines.join('\n')
    lines.push('')
  }
  lines.push(HEADER)
  for (const row of result.rows) lines.push(renderRow(row))
  for (const note of result.notes) lines.push('', note)
  return lines.join('\n')
}

/**
 * Formats a number for a table cell in `unit`: three significant digits, thousands grouped.
 * @param {number} value
 * @param {string} unit
 * @returns {string}
 */
export function formatValue (value, unit) {
  if (!Number.isFinite(value)) return '—'
  const abs = Math.abs(value)
  let text
  if (unit === 'count') text = Math.round(value).toLocaleString('en-US')
  else if (abs >= 100) text = Math.round(value).toLocaleString('en-US')
  else if (abs >= 10) text = value.toFixed(1)
  else text = String(Number(value.toPrecision(3)))
  return unit === '' || unit === 'count' ? text : `${text} ${unit}`
}

function renderRow (row) {
  if (row.unavailable !== undefined) {
    return `| ${row.metric} | not available yet | | | | | ${row.target} | ${mark(null)} |`
  }
  const cells = [
    row.metric,
    formatValue(row.ours?.median, row.unit),
    row.base === null ? '—' : formatValue(row.base.median, row.unit),
    Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : '—',
    spread(row.ours, row.unit),
    row.base === null ? '—' : spread(row.base, row.unit),
    row.target,
    mark(row.met)
  ]
  return `| ${cells.join(' | ')} |`
}

function spread (summary, unit) {
  if (summary == null || summary.n === 0) return '—'
  return `${formatValue(summary.min, unit)} – ${formatValue(summary.max, unit)}`
}

function mark (met) {
  if (met === null) return ''
  return met ? 'yes' : '**no**'
}
