/**
 * `xmach/testing`: the test kit. `simulate` runs a small world and hands it
 * back for assertions; `traceLines` turns the trace into short lines to assert
 * order and time as text; `focus` keeps the records that tell the story;
 * `audit` checks the kernel's books (rights counted, messages conserved).
 *
 * @example
 * import { simulate, audit } from 'xmach/testing';
 * const sim = await simulate(boot({ seed: 1 }), (k) => k.spawn('a', async (sys) => sys.log('hi')));
 * sim.logs('a'); // ['hi']
 */
export { focus, simulate, traceLines, type Simulation } from './kit.ts';
export { audit, type AuditReport } from '../kernel/audit.ts';
