/**
 * The core of `scenarios/process-run.ts`: OSTEP's process-run.py (the
 * homework of "The Abstraction: The Process"), run on xmach tasks.
 *
 * Each process is a task whose program executes its instructions for real:
 * - `cpu` and `io_done` (the tick that handles an I/O's completion, which
 *   process-run.py adds after every I/O) are `sys.compute(1)` (to be exact,
 *   a burst up to the next tick boundary: see `INTERRUPT_LAG`);
 * - `io` is the same one-tick burst (issuing it: RUN:io), then the wait for
 *   the device: a `msg_receive` on the task's notify port with a timeout of
 *   the I/O length, where nothing arrives, so the task is *waiting* (BLOCKED)
 *   until the timeout ends the I/O.
 * One tick is 1 ms of virtual time: tick k is the interval [k-1, k). The
 * table is read back from the kernel's trace: a task's 'state' records give
 * its state in each tick (running, ready, waiting, terminated); the n-th
 * millisecond a task spends running is its n-th instruction. `IOs` counts the
 * tasks waiting for (or polling) their device in the tick, `*` marks a tick in which an
 * I/O has just completed, and the total time is the kernel's clock when the
 * last task exited.
 *
 * The scheduling rules, mapped onto xmach's:
 * - SWITCH_ON_IO + IO_RUN_LATER: `fcfs`. A task that blocks gives up the CPU;
 *   one whose I/O ends joins the back of the ready queue.
 * - SWITCH_ON_IO + IO_RUN_IMMEDIATE: `priority` (preemptive). All tasks have
 *   priority 1; a task raises its own to 0 while it waits for its device and
 *   drops back to 1 once it runs again, so the one whose I/O completes preempts
 *   whoever is running (Unix's wake-up boost). xmach has no setpriority call:
 *   the program writes the priority field of its own PCB (the task record
 *   `spawn` returned), only while it is off the ready queue.
 * - SWITCH_ON_END: the system does not switch on I/O, so the process waits
 *   for its device by polling it: `sys.compute(ioLength)` after the RUN:io
 *   tick. It holds the CPU (xmach shows it running); the table shows those
 *   ticks as process-run.py does, BLOCKED with an idle CPU and the I/O in the
 *   IOs column, and they are not counted as CPU busy (`fcfs`).
 *
 * Where xmach's choices show (deviations from process-run.py):
 * - The ready queue is first come, first served; process-run.py takes the
 *   next READY pid after the current one, wrapping round. They agree (checked
 *   against a port of process-run.py's loop, homework/reference.ts) except
 *   after an IO_RUN_IMMEDIATE preemption with three or more processes: the
 *   preempted process joins the back of xmach's queue, behind processes
 *   process-run.py would run after it.
 * - The I/O length must be ≥ 1: a zero timeout is a poll in xmach, it never
 *   blocks.
 * - An I/O completes 2^-20 ms after the tick boundary (`INTERRUPT_LAG`), and
 *   each instruction computes up to the next boundary, so the trace's times
 *   are whole milliseconds give or take a few 2^-20; the table samples each
 *   tick in its middle.
 * - Workloads from `-l` are drawn with xmach's generator (sfc32), not Python's:
 *   the same seed gives other instructions than process-run.py's.
 * - Lines carry no trailing spaces.
 */
import { boot, MACH_RCV_TIMED_OUT, Random, type Sys, type Task, type TraceRecord } from '../../index.ts';
import { intFlag, UsageError, type Flag, type Parsed } from './cli.ts';

/** What a process can do in one tick. */
export type Instr = 'cpu' | 'io' | 'io_done';
export type SwitchBehavior = 'SWITCH_ON_IO' | 'SWITCH_ON_END';
export type IoDoneBehavior = 'IO_RUN_LATER' | 'IO_RUN_IMMEDIATE';

/** Options of processRun; the script's flags map onto them one to one. */
export interface ProcessRunOptions {
  /** Seed of the `processList` draws and of the kernel (default 1). */
  seed?: number;
  /** `X1:Y1,X2:Y2`: per process, X instructions, each a CPU one with chance Y% (else an I/O). */
  processList?: string;
  /** Explicit programs, processes separated by `:`: `c,c,io,c:c3,i` (c, cN, cpu, i, io). */
  program?: string;
  /** Ticks an I/O takes (default 5, at least 1). */
  ioLength?: number;
  switchBehavior?: SwitchBehavior;
  ioDone?: IoDoneBehavior;
  /** `-c`: print the table (otherwise the processes and the question). */
  solve?: boolean;
  /** `-p`: with `-c`, the statistics after the table. */
  printStats?: boolean;
}

export const PROCESS_RUN_ABOUT: readonly [string, string] = [
  'process-run: OSTEP\'s process-run.py on xmach tasks: CPU instructions are compute bursts, I/Os are blocking waits;',
  'the per-tick table (1 tick = 1 ms of virtual time) is read from the kernel\'s trace. Without -c it asks for it.',
];

export const PROCESS_RUN_FLAGS: readonly Flag[] = [
  { key: 'seed', short: '-s', long: '--seed', value: 'N', help: 'random seed of the -l draws and the kernel (default 1)' },
  { key: 'list', short: '-l', long: '--processlist', value: 'X:Y,…', help: 'processes: X instructions each, Y% chance that one is CPU (else I/O)' },
  { key: 'program', short: '-P', long: '--program', value: 'PROGS', help: 'explicit programs, ":" between processes: c,c,io,c:c3,i (c, cN, cpu, i, io)' },
  { key: 'iolength', short: '-L', long: '--iolength', value: 'N', help: 'ticks an I/O takes, ≥ 1 (default 5)' },
  { key: 'switch', short: '-S', long: '--switch', value: 'WHEN', help: 'SWITCH_ON_IO (default) or SWITCH_ON_END' },
  { key: 'iodone', short: '-I', long: '--iodone', value: 'HOW', help: 'IO_RUN_LATER (default) or IO_RUN_IMMEDIATE (the process whose I/O ends preempts)' },
  { key: 'solve', short: '-c', long: '--compute', help: 'print the table (the answer)' },
  { key: 'stats', short: '-p', long: '--printstats', help: 'with -c: total time, CPU busy, IO busy' },
];

/**
 * Turns parsed flags into options; throws UsageError on a bad value.
 *
 * @example
 * processRunOptions(parseFlags(['-l', '4:100,1:0', '-c'], PROCESS_RUN_FLAGS)); // { processList: '4:100,1:0', solve: true, … }
 */
export function processRunOptions(p: Parsed): ProcessRunOptions {
  const text = (key: string) => {
    const v = p.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const sw = text('switch') ?? 'SWITCH_ON_IO';
  if (sw !== 'SWITCH_ON_IO' && sw !== 'SWITCH_ON_END') throw new UsageError(`-S takes SWITCH_ON_IO or SWITCH_ON_END, got ${JSON.stringify(sw)}`);
  const io = text('iodone') ?? 'IO_RUN_LATER';
  if (io !== 'IO_RUN_LATER' && io !== 'IO_RUN_IMMEDIATE') throw new UsageError(`-I takes IO_RUN_LATER or IO_RUN_IMMEDIATE, got ${JSON.stringify(io)}`);
  const o: ProcessRunOptions = {
    seed: intFlag(p, 'seed', 1, -(2 ** 31), '-s'),
    ioLength: intFlag(p, 'iolength', 5, 1, '-L'),
    switchBehavior: sw,
    ioDone: io,
    solve: p.has('solve'),
    printStats: p.has('stats'),
  };
  const list = text('list');
  const program = text('program');
  if (list !== undefined) o.processList = list;
  if (program !== undefined) o.program = program;
  return o;
}

/**
 * The processes' instructions: from `program`, or drawn from `processList`
 * the way process-run.py draws them (an I/O is followed by its io_done).
 *
 * @example
 * loadPrograms({ program: 'c2,io:c' }); // [['cpu', 'cpu', 'io', 'io_done'], ['cpu']]
 */
export function loadPrograms(o: ProcessRunOptions): Instr[][] {
  if ((o.processList === undefined) === (o.program === undefined)) throw new UsageError('give the processes with -l X:Y,… or -P c,io,…:… (one of them)');
  if (o.program !== undefined) {
    return o.program.split(':').map((proc) =>
      proc.split(',').flatMap((op): Instr[] => {
        const c = /^c(\d*)$/.exec(op);
        if (c) return Array<Instr>(c[1] ? Number(c[1]) : 1).fill('cpu');
        if (op === 'cpu') return ['cpu'];
        if (op === 'i' || op === 'io') return ['io', 'io_done'];
        throw new UsageError(`bad instruction ${JSON.stringify(op)} in -P (c, cN, cpu, i or io)`);
      }),
    ).map((code, pid) => {
      if (code.length === 0) throw new UsageError(`process ${pid} has no instructions`);
      return code;
    });
  }
  const rng = new Random(o.seed ?? 1);
  const draw = (): number => rng.next();
  return o.processList!.split(',').map((desc) => {
    const m = /^(\d+):(\d+(?:\.\d+)?)$/.exec(desc);
    if (!m || Number(m[1]) < 1 || Number(m[2]) > 100) {
      throw new UsageError(`bad description (${desc}): must be X:Y, X instructions (≥ 1), Y the percent chance (0-100) that one is CPU, not I/O`);
    }
    const chance = Number(m[2]) / 100;
    const code: Instr[] = [];
    for (let i = 0; i < Number(m[1]); i++) code.push(...(draw() < chance ? (['cpu'] as const) : (['io', 'io_done'] as const)));
    return code;
  });
}

/** One tick of the table. */
export interface Tick {
  /** 1, 2, …: the interval [tick-1, tick) of virtual time. */
  tick: number;
  /** Per process: RUN:cpu, RUN:io, RUN:io_done, READY, BLOCKED or DONE. */
  cells: string[];
  /** An instruction ran in this tick. */
  cpu: boolean;
  /** I/Os in flight. */
  ios: number;
  /** An I/O completed at the start of this tick (printed `*`). */
  ioDone: boolean;
}

/** What a run gives: the table, and the three statistics. */
export interface RunTable {
  ticks: Tick[];
  total: number;
  cpuBusy: number;
  ioBusy: number;
}

/**
 * How long after a tick boundary an I/O's completion arrives: 2^-20 ms, so
 * that the instruction ending on that boundary retires first (a CPU takes an
 * interrupt between instructions; process-run.py handles completions at the
 * start of a tick). Without it the completion, whose timer was set earlier,
 * would fire first and preempt a task at the very end of its burst, before it
 * could start its own I/O or exit. Each instruction computes up to the next
 * tick boundary, so the lag never adds up.
 */
const INTERRUPT_LAG = 2 ** -20;

/**
 * Runs the programs on an xmach kernel and reads the table back from its trace.
 *
 * @example
 * (await runTable([['cpu'], ['io', 'io_done']])).total; // 8: one cpu, the io, 5 blocked, io_done
 */
export async function runTable(code: readonly Instr[][], o: ProcessRunOptions = {}): Promise<RunTable> {
  const ioLength = o.ioLength ?? 5;
  const onEnd = o.switchBehavior === 'SWITCH_ON_END';
  const boost = !onEnd && o.ioDone === 'IO_RUN_IMMEDIATE';
  const k = boot({ seed: o.seed ?? 1, sched: { policy: boost ? 'priority' : 'fcfs' } });
  const tasks = code.map((instrs, i) => {
    const self: { task: Task | null } = { task: null };
    // Up to a tick boundary `ticks` ahead of the nearest one: back on the grid after an interrupt's lag.
    const until = (sys: Sys, ticks: number) => Math.round(sys.now()) + ticks - sys.now();
    self.task = k.spawn(`PID ${i}`, async (sys: Sys) => {
      for (const ins of instrs) {
        await sys.compute(until(sys, 1));
        if (ins !== 'io') continue;
        if (onEnd) {
          await sys.compute(until(sys, ioLength)); // polling the device: the CPU stays with this process
          continue;
        }
        if (boost) self.task!.pcb.priority = 0;
        const r = await sys.msg_receive(sys.notifyPort, { timeout: until(sys, ioLength) + INTERRUPT_LAG });
        if (r.code !== MACH_RCV_TIMED_OUT) throw new Error(`PID ${i}: the device wait ended with code ${r.code}`);
        if (boost) self.task!.pcb.priority = 1;
      }
    }, { priority: 1 });
    return self.task;
  });
  const report = await k.run();
  if (report.status !== 'done') throw new Error(`process-run: the kernel run ended in ${report.status}`);
  return tableFrom(k.trace.records, tasks.map((t) => t.pid), code, ioLength, onEnd, Math.round(report.time));
}

/** The per-tick table from the trace's 'state' records. */
function tableFrom(records: readonly TraceRecord[], pids: number[], code: readonly Instr[][], ioLength: number, onEnd: boolean, total: number): RunTable {
  const states = pids.map((pid) => records.filter((r) => r.kind === 'state' && r.pid === pid));
  // What each running millisecond of a process is: its instructions, and (SWITCH_ON_END) the polls after an io.
  const units = code.map((c) => c.flatMap((ins) => (ins === 'io' && onEnd ? [ins, ...Array<string>(ioLength).fill('poll')] : [ins])));
  const used = pids.map(() => 0);
  const cursor = pids.map(() => 0);
  const stateNow = pids.map(() => 'new');
  let wasInIo = pids.map(() => false);
  const ticks: Tick[] = [];
  for (let tick = 1; tick <= total; tick++) {
    const s = tick - 0.5; // the middle of the tick: clear of the interrupt lag
    const inIo = pids.map(() => false);
    let running = 0;
    const cells = pids.map((_, p) => {
      const list = states[p]!;
      while (cursor[p]! < list.length && list[cursor[p]!]!.t <= s) stateNow[p] = list[cursor[p]!++]!.op!;
      const st = stateNow[p];
      if (st === 'terminated') {
        if (used[p] !== units[p]!.length) throw new Error(`PID ${p} ended after ${used[p]} of its ${units[p]!.length} ticks`);
        return 'DONE';
      }
      if (st === 'running') {
        const unit = units[p]![used[p]!++];
        if (unit === undefined) throw new Error(`PID ${p} ran past its last instruction in tick ${tick}`);
        if (unit === 'poll') {
          inIo[p] = true;
          return 'BLOCKED';
        }
        running++;
        return `RUN:${unit}`;
      }
      if (st === 'waiting') {
        inIo[p] = true;
        return 'BLOCKED';
      }
      if (st === 'ready' || st === 'new') return 'READY';
      throw new Error(`PID ${p} is ${st} in tick ${tick}`);
    });
    if (running > 1) throw new Error(`two processes ran in tick ${tick} on one CPU`);
    ticks.push({ tick, cells, cpu: running === 1, ios: inIo.filter(Boolean).length, ioDone: wasInIo.some((w, p) => w && !inIo[p]) });
    wasInIo = inIo;
  }
  return { ticks, total, cpuBusy: ticks.filter((t) => t.cpu).length, ioBusy: ticks.filter((t) => t.ios > 0).length };
}

const col = (s: string) => s.padStart(14);

/**
 * The table in process-run.py's layout (trailing spaces trimmed).
 *
 * @example
 * renderTable(await runTable(code), code.length)[0]; // 'Time        PID: 0        PID: 1           CPU           IOs'
 */
export function renderTable(t: RunTable, processes: number): string[] {
  const head = `Time${Array.from({ length: processes }, (_, p) => col(`PID:${String(p).padStart(2)}`)).join('')}${col('CPU')}${col('IOs')}`;
  const rows = t.ticks.map((r) =>
    `${String(r.tick).padStart(3)}${r.ioDone ? '*' : ' '}${r.cells.map(col).join('')}${col(r.cpu ? '1' : ' ')}${r.ios > 0 ? col(String(r.ios)) : ''}`.trimEnd(),
  );
  return [head, ...rows];
}

/**
 * The three statistics lines of `-p`, between empty lines.
 *
 * @example
 * renderStats(table); // ['', 'Stats: Total Time 11', 'Stats: CPU Busy 6 (54.55%)', 'Stats: IO Busy  5 (45.45%)', '']
 */
export function renderStats(t: RunTable): string[] {
  const pct = (n: number) => ((100 * n) / t.total).toFixed(2);
  return ['', `Stats: Total Time ${t.total}`, `Stats: CPU Busy ${t.cpuBusy} (${pct(t.cpuBusy)}%)`, `Stats: IO Busy  ${t.ioBusy} (${pct(t.ioBusy)}%)`, ''];
}

/**
 * Runs process-run.py's homework on xmach and returns what process-run.py
 * would print: with `solve`, the per-tick table (and with `printStats` the
 * statistics); without, the processes and the rules, as a question.
 *
 * @example
 * await processRun({ processList: '4:100,1:0', solve: true, printStats: true });
 * // Time        PID: 0        PID: 1           CPU           IOs
 * //   1        RUN:cpu         READY             1
 * // …
 * // Stats: Total Time 11
 */
export async function processRun(options: ProcessRunOptions = {}): Promise<string> {
  const o: ProcessRunOptions = { seed: 1, ioLength: 5, switchBehavior: 'SWITCH_ON_IO', ioDone: 'IO_RUN_LATER', ...options };
  if (!Number.isInteger(o.ioLength) || o.ioLength! < 1) throw new UsageError('the I/O length must be an integer ≥ 1');
  const code = loadPrograms(o);
  const out: string[] = [];
  if (!o.solve) {
    out.push('Produce a trace of what would happen when you run these processes:');
    code.forEach((c, p) => out.push(`Process ${p}`, ...c.map((ins) => `  ${ins}`), ''));
    out.push(
      'Important behaviors:',
      `  System will switch when the current process is ${o.switchBehavior === 'SWITCH_ON_IO' ? 'FINISHED or ISSUES AN IO' : 'FINISHED'}`,
      `  After IOs, the process issuing the IO will ${o.ioDone === 'IO_RUN_IMMEDIATE' ? 'run IMMEDIATELY' : 'run LATER (when it is its turn)'}`,
      '',
    );
    return `${out.join('\n')}\n`;
  }
  const table = await runTable(code, o);
  out.push(...renderTable(table, code.length));
  if (o.printStats) out.push(...renderStats(table));
  return `${out.join('\n')}\n`;
}
