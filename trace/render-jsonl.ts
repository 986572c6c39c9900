import type { TraceRecord } from './trace.ts';

/**
 * The trace as JSON lines, one record a line, for tools (jq, a notebook, a
 * log store). Each line carries the run's id, so lines of several runs can
 * be mixed and told apart. Linear in the records: about a second a million.
 *
 * @example
 * renderJsonLines(k.trace.records, { runId: k.runId })
 * // {"run":"V1StGXR8_Z5j","t":0,"kind":"spawn","pid":1,"task":"server","peer":0,"detail":"","seq":0}
 */
export function renderJsonLines(records: readonly TraceRecord[], opts: { runId?: string } = {}): string {
  // The run's id goes first: written once, then each record's own JSON after it
  // (what JSON.stringify({ run, ...r }) gives, without a copy of every record).
  const head = opts.runId === undefined ? null : `{"run":${JSON.stringify(opts.runId)}`;
  const lines = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const json = JSON.stringify(records[i]);
    lines[i] = head === null ? json : json === '{}' ? `${head}}` : `${head},${json.slice(1)}`;
  }
  return lines.join('\n');
}
