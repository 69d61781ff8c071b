// A uPlot line chart over a rolling two-minute window, fed batches of samples, with a
// legend of the latest values above it (uPlot's own legend follows the cursor, not the
// newest point). The x axis always spans the whole window, so a chart with a few seconds of
// data shows them as a few seconds, at the right, not stretched across the width.

/* global ResizeObserver, devicePixelRatio */

import UPlot from '/vendor/uplot/uPlot.esm.js'

const WINDOW_SECONDS = 120
const HEIGHT = 190
// Half a clock label ("23:59:59" in 11 px) and a little air: a label centred closer than
// this to either end of the plot would spill past it.
const LABEL_HALF_WIDTH = 30
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
    padding: [10, 12, 0, 4],
    cursor: { points: { size: 6 } },
    scales: {
      x: { time: true, range: (_u, _min, max) => max == null ? [0, WINDOW_SECONDS] : [max - WINDOW_SECONDS, max] },
      y: range.y ? { range: (_u, _min, max) => [range.y[0], Math.max(range.y[1], max)] } : { range: (_u, _min, max) => [0, niceMax(max)] },
      y2: { range: (_u, _min, max) => [0, niceMax(max)] }
    },
    axes: [
      axis({ space: 90, incrs: TIME_STEPS, values: (u, ticks) => ticks.map(tick => insidePlot(u, tick) ? clockTime(tick) : null) }),
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
    /**
     * Adds `samples` (oldest first, each with `time` in ms since the epoch), drops what falls
     * out of the window, and redraws once.
     */
    push (samples) {
      for (const sample of samples) {
        data[0].push(sample.time / 1000)
        series.forEach((item, i) => data[i + 1].push(item.value(sample)))
      }
      const newest = samples[samples.length - 1]
      series.forEach((item, i) => { values[i].textContent = item.format(item.value(newest)) })
      const start = data[0][data[0].length - 1] - WINDOW_SECONDS
      while (data[0][0] < start) for (const column of data) column.shift()
      chart.setData(data)
      element.dataset.points = String(data[0].length)
      element.dataset.newest = String(newest.time)
      element.dataset.spanSeconds = String(chart.scales.x.max - chart.scales.x.min)
    }
  }
}

// The plot's width in CSS pixels is bbox's, which uPlot keeps in device pixels.
function insidePlot (u, tick) {
  const x = u.valToPos(tick, 'x')
  return x >= LABEL_HALF_WIDTH && x <= u.bbox.width / devicePixelRatio - LABEL_HALF_WIDTH
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
