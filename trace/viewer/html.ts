import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { traceHosts } from '../hosts.ts';
import type { TraceRecord } from '../trace.ts';
import { packTrace, unpackTrace } from './pack.ts';
import { CSS, skeleton } from './style.ts';
import { buildModel, snapshotAt } from './client/model.ts';
import { clip, fitCanvas, h, lowerBound, taskColor, tickStep } from './client/util.ts';
import { drawAxis, drawSequence, posAt, xOf } from './client/draw-seq.ts';
import { drawGantt, pickGantt, pickSequence } from './client/draw-gantt.ts';
import { renderDetails, renderState, renderTree } from './client/panels.ts';
import { createRecordList } from './client/list.ts';
import { startViewer } from './client/main.ts';

/** Options of renderHtml: the page's title, and a run id shown beside it. */
export interface HtmlOptions {
  title?: string;
  runId?: string;
  /** A trace of several hosts: their addresses, the default host first (`k.hosts`), to name the default host. */
  hosts?: readonly string[];
}

/** How far apart hosts' pids are put in the viewer (see `hostLanes`). */
export const HOST_PID_STRIDE = 10_000;
/** How far apart hosts' port ids are put in the viewer. */
const HOST_PORT_STRIDE = 1_000_000;

/**
 * The viewer keys lanes by pid and sorts them by pid, and pids, ports and CPUs are per host;
 * so for a trace of several hosts the page gets records whose numbers are made distinct and
 * grouped by host: the i-th host's (the default host is 0th) pids become i × 10,000 + pid,
 * its port ids i × 1,000,000 + id, its CPUs i × (CPUs per host) + cpu, and its task names
 * end in `@<address>` (its kernel's lane, where its packets are too, is `kernel@<address>`). Lanes then come host by
 * host, each host's kernel first. A one-host trace is returned as it is. The records given
 * are not changed.
 *
 * @example
 * hostLanes(k.trace.records, k.hosts).find((r) => r.host === '161.25.19.8')?.pid // 10001
 */
export function hostLanes(records: readonly TraceRecord[], hosts?: readonly string[]): readonly TraceRecord[] {
  const th = traceHosts(records, hosts);
  if (th === null) return records;
  const index = new Map(th.list.map((h, i) => [h, i]));
  let cpus = 1;
  for (const r of records) if (r.cpu !== undefined && r.cpu + 1 > cpus) cpus = r.cpu + 1;
  return records.map((r) => {
    const addr = th.of(r);
    const i = index.get(addr)!;
    const x: TraceRecord = { ...r, pid: i * HOST_PID_STRIDE + r.pid, task: r.pid === 0 ? `kernel@${addr}` : `${r.task}@${addr}` };
    if (r.peer !== undefined) x.peer = i * HOST_PID_STRIDE + r.peer;
    if (r.peerTask !== undefined) x.peerTask = `${r.peerTask}@${addr}`;
    if (r.port !== undefined) x.port = i * HOST_PORT_STRIDE + r.port;
    if (r.cpu !== undefined) x.cpu = i * cpus + r.cpu;
    return x;
  });
}

/**
 * The page script's functions. Each is embedded with `toString()` at the
 * top level of one script, where they call each other by name; so each must
 * refer only to its arguments, browser globals and the functions listed here.
 */
const CLIENT: readonly ((...args: never[]) => unknown)[] = [
  unpackTrace, buildModel, snapshotAt, h, fitCanvas, lowerBound, tickStep, taskColor, clip,
  xOf, posAt, drawAxis, drawSequence, drawGantt, pickSequence, pickGantt, renderDetails, renderState, renderTree,
  createRecordList, startViewer,
];

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON that is safe inside a <script> element: no '<' survives, so no '</script>' or '<!--'. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/**
 * Renders a run's trace as one self-contained HTML page: no server, no
 * network, no library; open it from disk in any recent browser. The records
 * are embedded once, as columns of JSON (see packTrace), and the page's
 * script draws them: a sequence diagram (tasks as lifelines, messages from
 * send to receive, notifications, cached and destroyed messages, blocked
 * stretches shaded), the CPU timeline (each task's running / ready / waiting
 * stretches, and each CPU's tasks) on the same axis, the process tree, the
 * state at any instant (a slider over the records, or click a record: each
 * task's process state, each port's queue and rights as far as the trace
 * tells), filters by task, port and record kind, and a record table.
 * Canvases draw only what is in view, so 100k records open in about a second.
 * A trace of several hosts shows its lanes host by host (see `hostLanes`).
 *
 * Usage, after a run:
 *
 * ```ts
 * import { boot } from './index.ts';
 * import { renderHtml, writeHtml } from './trace/viewer/html.ts';
 * const k = boot({ seed: 1 });
 * k.spawn('hello', async (sys) => sys.log('hi'));
 * await k.run();
 * writeHtml('run.html', k.trace.records, { title: 'hello', runId: 'seed 1' }); // then open run.html
 * const page = renderHtml(k.trace.records);                                   // or keep the string
 * ```
 *
 * In the page: drag to pan, ctrl+wheel (or pinch) to zoom, "record order" /
 * "virtual time" picks the axis (record order spreads events that happen in
 * the same virtual millisecond), ←/→ step the cursor one record.
 */
export function renderHtml(records: readonly TraceRecord[], options: HtmlOptions = {}): string {
  records = hostLanes(records, options.hosts);
  const title = options.title ?? 'xmach trace';
  const opts = { title, ...(options.runId !== undefined ? { runId: options.runId } : {}) };
  const code = [
    '"use strict";',
    // tsx compiles with esbuild's keepNames, which calls __name(fn, "name") inside function bodies.
    'var __name = function (f) { return f; };',
    ...CLIENT.map((fn) => fn.toString()),
    'try {',
    `  startViewer(JSON.parse(document.getElementById('xmach-trace').textContent), ${scriptJson(opts)});`,
    '} catch (err) {',
    "  document.body.insertAdjacentHTML('afterbegin', '<pre style=\"color:#c53030;padding:8px\">viewer failed: ' + String(err && err.stack || err).replace(/</g, '&lt;') + '</pre>');",
    '  throw err;',
    '}',
  ].join('\n').replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}${options.runId ? ` (${escapeHtml(options.runId)})` : ''}</title>
<style>${CSS}</style>
</head>
<body>
${skeleton(escapeHtml(title))}
<script type="application/json" id="xmach-trace">${scriptJson(packTrace(records))}</script>
<script>
${code}
</script>
</body>
</html>
`;
}

/**
 * Writes renderHtml's page to `path` (creating its folder) and returns the
 * number of bytes written.
 *
 * @example
 * writeHtml('out/run.html', k.trace.records, { title: 'tour', runId: 'seed 7' }) // 48213
 */
export function writeHtml(path: string, records: readonly TraceRecord[], options: HtmlOptions = {}): number {
  const page = renderHtml(records, options);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, page);
  return Buffer.byteLength(page);
}
