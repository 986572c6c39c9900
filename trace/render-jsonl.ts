import type { TraceRecord } from './trace.ts';

/**
 * The trace as JSON lines, one record a line, for tools (jq, a notebook, a
 * log store). Each line carries the run's id, so lines of several runs can
 * be mixed and told apart.
 *
 * @example
 * renderJsonLines(k.trace.records, { runId: k.runId })
 * // {"run":"V1StGXR8_Z5j","seq":0,"t":0,"kind":"spawn","pid":1,"task":"server"}
 */
export function renderJsonLines(records: readonly TraceRecord[], opts: { runId?: string } = {}): string {
  const run = opts.runId === undefined ? {} : { run: opts.runId };
  return records.map((r) => JSON.stringify({ ...run, ...r })).join('\n');
}
