/**
 * Reference models the homework tests compare xmach's runs with: a port of
 * process-run.py's scheduling loop, and xmach's orphan rule as a plain tree
 * model drawn without fork.py's code. Neither runs a kernel.
 */
import { parseActions } from './fork-tree.ts';
import type { Instr, IoDoneBehavior, RunTable, SwitchBehavior, Tick } from './process-run.ts';

const text = (...lines: string[]) => `${lines.join('\n')}\n`;
const I = ' '.repeat(31);

/**
 * What fork-tree should print after its ARG lines, by a model of xmach's
 * orphan rule (children of an exiting process go, in fork order, to init or
 * to the kernel) drawn without fork.py's code.
 */
export function modelTrees(list: string, kernel: boolean): string {
  const kids = new Map<string, string[]>([['a', []], ['init', []]]);
  const roots = ['a'];
  const draw = (): string[] => {
    const out: string[] = [];
    const walk = (p: string, prefix: string, last: boolean, top: boolean) => {
      out.push(`${I}${top ? '' : `${prefix}${last ? '└── ' : '├── '}`}${p}`);
      const cs = kids.get(p)!;
      cs.forEach((c, i) => walk(c, top ? '' : `${prefix}${last ? '    ' : '│   '}`, i === cs.length - 1, false));
    };
    for (const r of roots) walk(r, '', true, true);
    if (kids.get('init')!.length > 0) walk('init', '', true, true);
    return out;
  };
  const lines = ['                           Process Tree:', ...draw(), ''];
  for (const act of parseActions(list)) {
    if (act.kind === 'fork') {
      kids.get(act.parent)!.push(act.child);
      kids.set(act.child, []);
      lines.push(`Action: ${act.parent} forks ${act.child}`);
    } else {
      for (const cs of kids.values()) if (cs.includes(act.proc)) cs.splice(cs.indexOf(act.proc), 1);
      if (roots.includes(act.proc)) roots.splice(roots.indexOf(act.proc), 1);
      const orphans = kids.get(act.proc)!;
      if (kernel) roots.push(...orphans);
      else kids.get('init')!.push(...orphans);
      kids.delete(act.proc);
      lines.push(`Action: ${act.proc} EXITS`);
    }
    lines.push(...draw());
  }
  return text(...lines);
}

/**
 * process-run.py's scheduling loop (its `run`), ported line for line, as the
 * reference. With `fifo`, the next process is the one READY longest (xmach's
 * queue) instead of the next READY pid after the current one.
 *
 * @example
 * ostep([['cpu'], ['io', 'io_done']], 5, 'SWITCH_ON_IO', 'IO_RUN_LATER').total; // 8
 */
export function ostep(code: readonly Instr[][], ioLength: number, sw: SwitchBehavior, ioDone: IoDoneBehavior, fifo = false): RunTable {
  const n = code.length;
  const procs = code.map((c) => ({ code: [...c], state: 'READY' }));
  const finish: number[][] = code.map(() => []);
  let queue = code.map((_, i) => i);
  let curr = 0;
  const toRunning = (pid: number) => {
    curr = pid;
    procs[pid]!.state = 'RUNNING';
    queue = queue.filter((q) => q !== pid);
  };
  const toReady = (pid: number) => {
    procs[pid]!.state = 'READY';
    queue.push(pid);
  };
  const nextProc = (pid = -1) => {
    if (pid !== -1) return toRunning(pid);
    const order = fifo ? queue : [...Array.from({ length: n - curr - 1 }, (_, i) => curr + 1 + i), ...Array.from({ length: curr + 1 }, (_, i) => i)];
    const next = order.find((p) => procs[p]!.state === 'READY');
    if (next !== undefined) toRunning(next);
  };
  const count = (...states: string[]) => procs.filter((p) => states.includes(p.state)).length;
  const checkDone = () => {
    if (procs[curr]!.code.length === 0 && procs[curr]!.state === 'RUNNING') {
      procs[curr]!.state = 'DONE';
      nextProc();
    }
  };
  toRunning(0);
  const ticks: Tick[] = [];
  let tick = 0;
  while (n - count('DONE') > 0) {
    tick++;
    let done = false;
    for (let pid = 0; pid < n; pid++) {
      if (!finish[pid]!.includes(tick)) continue;
      done = true;
      toReady(pid);
      if (ioDone === 'IO_RUN_IMMEDIATE') {
        if (curr !== pid && procs[curr]!.state === 'RUNNING') toReady(curr);
        nextProc(pid);
      } else {
        if (sw === 'SWITCH_ON_END' && count('READY', 'RUNNING') > 1) nextProc(pid);
        if (count('READY', 'RUNNING') === 1) nextProc(pid);
      }
      checkDone();
    }
    let ins: Instr | '' = '';
    if (procs[curr]!.state === 'RUNNING' && procs[curr]!.code.length > 0) ins = procs[curr]!.code.shift()!;
    const cells = procs.map((p, pid) => (pid === curr && ins !== '' ? `RUN:${ins}` : p.state));
    ticks.push({ tick, cells, cpu: ins !== '', ios: finish.flat().filter((t) => t > tick).length, ioDone: done });
    if (ins === 'io') {
      procs[curr]!.state = 'BLOCKED';
      finish[curr]!.push(tick + ioLength + 1);
      if (sw === 'SWITCH_ON_IO') nextProc();
    }
    checkDone();
  }
  return { ticks, total: tick, cpuBusy: ticks.filter((t) => t.cpu).length, ioBusy: ticks.filter((t) => t.ios > 0).length };
}
