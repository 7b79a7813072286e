// chart.js: deliveries and failures over time, drawn as an inline SVG from GET …/stats.
// Each bar is one bucket: delivered (bottom) and failed (top) deliveries; the line is failed
// attempts, which shows retries that later succeeded too.
import { read } from './api.js';
import { el, section, svg } from './dom.js';

const ranges = {
  '24h': { span: 24 * 3600e3, granularity: 'hour', label: 'Last 24 hours' },
  '7d': { span: 7 * 24 * 3600e3, granularity: 'hour', label: 'Last 7 days' },
  '30d': { span: 30 * 24 * 3600e3, granularity: 'day', label: 'Last 30 days' },
};

const W = 1000;
const H = 260;
const pad = { left: 44, right: 12, top: 12, bottom: 34 };

function shortTime(iso, granularity) {
  const d = new Date(iso);
  return granularity === 'day'
    ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function draw(stats) {
  const series = stats.series;
  const n = Math.max(series.length, 1);
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const top = Math.max(1, ...series.map((p) => Math.max(p.successful_deliveries + p.failed_deliveries, p.failed_attempts)));
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  const bw = plotW / n;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', id: 'chart', role: 'img',
    'aria-label': `Deliveries and failures, ${stats.granularity === 'day' ? 'daily' : 'hourly'}` });
  chart.append(
    svg('line', { x1: pad.left, x2: W - pad.right, y1: y(0), y2: y(0), class: 'axis' }),
    svg('line', { x1: pad.left, x2: W - pad.right, y1: y(top), y2: y(top), class: 'grid' }),
    svg('text', { x: pad.left - 6, y: y(0), class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, '0'),
    svg('text', { x: pad.left - 6, y: y(top), class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, String(top)));
  const line = [];
  series.forEach((p, i) => {
    const x = pad.left + i * bw;
    const okH = y(0) - y(p.successful_deliveries);
    const failH = y(0) - y(p.failed_deliveries);
    chart.append(svg('g', { class: 'bucket', 'data-timestamp': p.timestamp, 'data-delivered': p.successful_deliveries,
      'data-failed': p.failed_deliveries, 'data-failed-attempts': p.failed_attempts },
    svg('title', {}, `${shortTime(p.timestamp, stats.granularity)}: ${p.events} events, ${p.successful_deliveries} delivered, ` +
      `${p.failed_deliveries} failed, ${p.attempts} attempts (${p.failed_attempts} failed)`),
    svg('rect', { x: x + bw * 0.1, width: bw * 0.8, y: y(0) - okH, height: okH, class: 'bar-delivered' }),
    svg('rect', { x: x + bw * 0.1, width: bw * 0.8, y: y(0) - okH - failH, height: failH, class: 'bar-failed' }),
    svg('rect', { x, width: bw, y: pad.top, height: plotH, class: 'hit' })));
    line.push(`${x + bw / 2},${y(p.failed_attempts)}`);
  });
  chart.append(svg('polyline', { points: line.join(' '), class: 'line-failed-attempts' }));
  // Time labels at both ends and the middle, anchored so the end ones stay inside the box.
  const marks = [[0, 'start', pad.left], [Math.floor((series.length - 1) / 2), 'middle', null], [series.length - 1, 'end', W - pad.right]];
  for (const [i, anchor, at] of marks) {
    if (!series[i]) continue;
    chart.append(svg('text', { x: at ?? pad.left + (i + 0.5) * bw, y: H - 10, class: 'label', 'text-anchor': anchor },
      shortTime(series[i].timestamp, stats.granularity)));
  }
  return chart;
}

function totals(t, label) {
  const v = (id, n) => el('strong', { id }, n);
  return el('p', { id: 'chart-totals' }, `${label}: `, v('chart-events', t.events), ' events, ',
    v('chart-delivered', t.successful_deliveries), ' delivered, ', v('chart-failed', t.failed_deliveries), ' failed deliveries, ',
    v('chart-attempts', t.attempts), ' attempts (', v('chart-failed-attempts', t.failed_attempts), ' failed).');
}

// chartSection returns the section and its load function; the chosen range survives reloads.
export function chartSection(base) {
  const range = el('select', { id: 'chart-range', 'aria-label': 'Time range' },
    Object.entries(ranges).map(([k, r]) => el('option', { value: k }, r.label)));
  const body = el('div', { class: 'chart-body' });
  const legend = el('p', { class: 'legend' },
    el('span', { class: 'key key-delivered' }), 'Delivered ', el('span', { class: 'key key-failed' }), 'Failed ',
    el('span', { class: 'key key-failed-attempts' }), 'Failed attempts');
  async function load(fresh) {
    const r = ranges[range.value];
    const q = new URLSearchParams({ since: new Date(Date.now() - r.span).toISOString(), granularity: r.granularity });
    // Keyed by range: "since" moves every millisecond, the chart it draws does not.
    const stats = await read(`${base}/stats?${q}`, { fresh, key: `${base}/stats#${range.value}` });
    body.replaceChildren(draw(stats), legend, totals(stats.totals, r.label));
  }
  range.addEventListener('change', () => load(false).catch((e) => body.replaceChildren(el('p', { class: 'error', id: 'chart-error' }, e.message))));
  const node = section('Deliveries over time', el('div', { class: 'section-tools' }, range), body);
  return { node, load };
}
