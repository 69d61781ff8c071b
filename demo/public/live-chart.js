// A uPlot line chart over a rolling window, fed one sample at a time, with a legend of the
// latest values above it (uPlot's own legend follows the cursor, not the newest point).

/* global ResizeObserver */

import UPlot from '/vendor/uplot/uPlot.esm.js'

// Two minutes at the default one sample per second.
const WINDOW_POINTS = 120
const HEIGHT = 190
const AXIS = '#8a93b2'
const GRID = 'rgba(148, 163, 184, 0.10)'
// Whole seconds and minutes only: uPlot would otherwise label a young chart in milliseconds.
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
// Counts (streams) step by whole numbers; uPlot would otherwise label 2.5 streams.
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]

/**
 * @param {{
 *   element: HTMLElement, legend: HTMLElement,
 *   series: Array<{ label: string, color: string, value: (sample: any) => number,
 *     format: (value: number) => string, scale?: string, dash?: number[] }>,
 *   axes?: { y?: (value: number) => string, y2?: (value: number) => string, yCounts?: boolean },
 *   range?: { y?: [number, number] }
 * }} options
 */
export function createLiveChart ({ element, legend, series, axes = {}, range = {} }) {
  const data = [[], ...series.map(() => [])]
  const values = series.map(item => legendItem(legend, item))
  const hasSecondAxis = series.some(item => item.scale === 'y2')
  const chart = new UPlot({
    width: Math.max(element.clientWidth, 200),
    height: HEIGHT,
    legend: { show: false },
    // Room on the right for the last time label, which uPlot centres on the newest point.
    padding: [10, 24, 0, 4],
    cursor: { points: { size: 6 } },
    scales: {
      x: { time: true },
      y: range.y ? { range: (_u, _min, max) => [range.y[0], Math.max(range.y[1], max)] } : { range: (_u, _min, max) => [0, niceMax(max)] },
      y2: { range: (_u, _min, max) => [0, niceMax(max)] }
    },
    axes: [
      axis({ space: 90, incrs: TIME_STEPS, values: (_u, ticks) => ticks.map(clockTime) }),
      axis({ scale: 'y', size: 56, ...(axes.yCounts ? { incrs: COUNT_STEPS } : {}), values: (_u, ticks) => ticks.map(axes.y ?? String) }),
      ...(hasSecondAxis ? [axis({ scale: 'y2', side: 1, size: 56, grid: { show: false }, values: (_u, ticks) => ticks.map(axes.y2 ?? String) })] : [])
    ],
    series: [
      {},
      ...series.map(item => ({
        label: item.label,
        scale: item.scale ?? 'y',
        stroke: item.color,
        width: 2,
        dash: item.dash,
        fill: item.dash ? undefined : fade(item.color),
        points: { show: false }
      }))
    ]
  }, data, element)

  new ResizeObserver(() => {
    chart.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT })
  }).observe(element)

  return {
    /** Adds one sample taken at `time` (ms since the epoch) and drops the oldest beyond the window. */
    push (time, sample) {
      data[0].push(time / 1000)
      series.forEach((item, i) => {
        const value = item.value(sample)
        data[i + 1].push(value)
        values[i].textContent = item.format(value)
      })
      if (data[0].length > WINDOW_POINTS) for (const column of data) column.shift()
      chart.setData(data)
      element.dataset.points = String(data[0].length)
    }
  }
}

function clockTime (seconds) {
  return clockFormat.format(new Date(seconds * 1000))
}

function axis (extra) {
  return {
    stroke: AXIS,
    font: '11px ui-sans-serif, system-ui, sans-serif',
    grid: { stroke: GRID, width: 1 },
    ticks: { stroke: GRID, width: 1, size: 4 },
    ...extra
  }
}

function legendItem (legend, { label, color }) {
  const item = document.createElement('span')
  item.className = 'legend-item'
  const swatch = document.createElement('span')
  swatch.className = 'swatch'
  swatch.style.background = color
  const name = document.createElement('span')
  name.className = 'legend-name'
  name.textContent = label
  const value = document.createElement('span')
  value.className = 'legend-value'
  value.textContent = '–'
  item.append(swatch, name, value)
  legend.append(item)
  return value
}

// A little headroom above the highest point, rounded so the axis labels stay tidy.
function niceMax (max) {
  if (!(max > 0)) return 1
  const padded = max * 1.15
  const step = 10 ** Math.floor(Math.log10(padded))
  return Math.ceil(padded / step) * step
}

function fade (hex) {
  const r = parseInt(hex.slice(1, 3), 16)
  const g = parseInt(hex.slice(3, 5), 16)
  const b = parseInt(hex.slice(5, 7), 16)
  return `rgba(${r}, ${g}, ${b}, 0.10)`
}
