/**
 * `xmach/trace`: what a run leaves to look at. Records and counters, and the
 * renderers that turn records into a table, a Mermaid sequence diagram, JSON
 * lines, timelines (Gantt, CPU), scheduling statistics and process trees.
 * Renderers read records only, never kernel objects.
 *
 * @example
 * import { renderMermaid } from 'xmach/trace';
 * console.log(renderMermaid(k.trace.records));
 */
export { renderJsonLines } from './render-jsonl.ts';
export { renderMermaid, type MermaidOptions } from './render-mermaid.ts';
export { renderTable, type TableOptions } from './render-table.ts';
export { cpuTimeline, intervals, renderGantt, renderMermaidGantt, schedStats, type Interval, type TaskSchedStats, type TimelineOptions } from './timeline.ts';
export { traceHosts, type TraceHosts } from './hosts.ts';
export { renderTree, renderTreeMermaid } from './proctree.ts';
export type { Counters, Trace, TraceKind, TraceOptions, TraceRecord } from './trace.ts';
export { renderHtml, writeHtml, type HtmlOptions } from './viewer/html.ts';
export { noArrows, renderArrowTable, renderStateChart, renderStateDiagram, stateArrows, STATE_ARROWS, totalArrows, type ArrowCounts, type ArrowName, type TaskArrows } from './arrows.ts';
