// Number formatting for tiles, legends and the table. Locale-aware where it helps reading.

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 })
const integerFormat = new Intl.NumberFormat()
const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' })
const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** 1536 → "1.5 KB" (powers of 1024, as memory is counted). */
export function formatBytes (bytes) {
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${numberFormat.format(value)} ${BYTE_UNITS[unit]}`
}

/** 12.345 → "12.3" */
export function formatNumber (value) {
  return numberFormat.format(value)
}

/** 1234567 → "1,234,567" */
export function formatInteger (value) {
  return integerFormat.format(value)
}

/** 3725 → "1h 02m" */
export function formatDuration (seconds) {
  const s = Math.max(0, Math.floor(seconds))
  const days = Math.floor(s / 86400)
  const hours = Math.floor((s % 86400) / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  if (days > 0) return `${days}d ${hours}h`
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`
  if (minutes > 0) return `${minutes}m ${String(s % 60).padStart(2, '0')}s`
  return `${s}s`
}

/** An ISO date → "Mar 4, 2023" */
export function formatDate (iso) {
  return dateFormat.format(new Date(iso))
}
