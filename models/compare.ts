import { direct } from './direct.ts';
import { mach } from './mach.ts';
import { mailboxes } from './mailboxes.ts';
import type { MessagingModel } from './model.ts';
import { runModel, type ModelFigures } from './run.ts';
import { shm } from './shm.ts';
import type { Workload } from './workload.ts';

/** The models that ship: Mach's ports, direct links by pid, shared mailboxes, and shared memory. */
export const MODELS: Record<string, MessagingModel> = { mach, direct, mailbox: mailboxes, shm };

/**
 * Runs one workload on each model (each on a kernel of its own, with the same
 * seed) and returns their figures side by side. Same seed, same figures.
 * Throws on a malformed workload or an unknown model name.
 *
 * @example
 * const figures = await compare(WORKLOADS.pingPong, { models: ['mach', 'direct'] });
 * console.log(renderComparison(figures));
 */
export async function compare(workload: Workload, options: { models?: (string | MessagingModel)[]; seed?: number } = {}): Promise<ModelFigures[]> {
  const models = (options.models ?? ['mach', 'direct']).map((m) => {
    if (typeof m !== 'string') return m;
    const model = MODELS[m];
    if (!model) throw new Error(`compare: no model ${JSON.stringify(m)} (the models are ${Object.keys(MODELS).join(', ')})`);
    return model;
  });
  const out: ModelFigures[] = [];
  for (const model of models) out.push(await runModel(workload, model, options.seed ?? 1));
  return out;
}

const ROWS: [label: string, figure: (f: ModelFigures) => string | number][] = [
  ['run', (f) => f.status],
  ['virtual time to completion (ms)', (f) => f.time],
  ['messages between tasks', (f) => f.userMessages],
  ['workload messages delivered', (f) => f.delivered],
  ['messages destroyed', (f) => f.destroyed],
  ['system-call messages', (f) => f.syscallMessages],
  ['bytes copied', (f) => f.bytesCopied],
  ['traps', (f) => f.traps],
  ['ports made (task ports too)', (f) => f.ports],
  ['links made', (f) => f.links],
  ['mailboxes made', (f) => f.mailboxes],
  ['context switches', (f) => f.contextSwitches],
  ['time blocked (ms, summed)', (f) => f.blockedTime],
  ['calls retried after a failure', (f) => f.retried],
  ['could not express', (f) => (f.couldNotExpress.length ? f.couldNotExpress.join(', ') : '—')],
];

/**
 * The figures of `compare` as a text table, one column per model.
 *
 * @example
 * renderComparison(await compare(WORKLOADS.pingPong))
 * // figure                        mach   direct
 * // run                           done   done …
 */
export function renderComparison(figures: readonly ModelFigures[]): string {
  const head = ['figure', ...figures.map((f) => f.model)];
  const rows = ROWS.map(([label, get]) => [label, ...figures.map((f) => String(get(f)))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
