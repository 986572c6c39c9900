import { beforeAll, describe, expect, it } from 'vitest';
import {
  cpuTimeline,
  intervals,
  renderGantt,
  renderJsonLines,
  renderMermaid,
  renderMermaidGantt,
  renderTable,
  renderTree,
  renderTreeMermaid,
  schedStats,
  type ProcRow,
  type TraceRecord,
} from '../index.ts';

/**
 * A synthetic trace shaped like a real run, without running a kernel: `tasks` tasks in waves
 * of `wave`, on one CPU, 1 ms a turn. Each task is spawned (its parent: its wave's first task,
 * whose parent is the first task of the wave before), makes one system call (port_allocate:
 * request, syscall, the kernel's reply), then `rounds` times sends a job to the next task of
 * its wave and blocks in a receive until the task before it sends it one; then it exits.
 * Every 50th send is forced past a queue limit ('cache'), every 4th body has `;` and `#`.
 * 10 × rounds + 10 records a task; times never go back.
 *
 * Timeline of the i-th task (from 0) of wave w, T = (rounds + 1) × wave × w: ready from T;
 * running from T + wave × k + i for 1 ms in round k and once more after the last round
 * (T + wave × rounds + i), then it ends; waiting from the end of a turn to T + wave × (k + 1).
 */
function synthesize(tasks: number, rounds: number, wave = 100): TraceRecord[] {
  const out: TraceRecord[] = [];
  let t = 0;
  const emit = (r: Omit<TraceRecord, 'seq'>): number => {
    const rec = r as TraceRecord;
    rec.seq = out.length;
    out.push(rec);
    return rec.seq;
  };
  const name = (pid: number): string => `task${pid}`;
  for (let first = 1; first <= tasks; first += wave) {
    const last = Math.min(tasks, first + wave - 1);
    const next = (pid: number): number => (pid === last ? first : pid + 1);
    const prev = (pid: number): number => (pid === first ? last : pid - 1);
    /** pid → seq of the send of the job it will receive this round. */
    const sent = new Map<number, number>();
    for (let pid = first; pid <= last; pid++) {
      const parent = pid !== first ? first : first === 1 ? 0 : first - wave;
      emit({ t, kind: 'spawn', pid, task: name(pid), peer: parent, detail: '' });
      emit({ t, kind: 'state', pid, task: name(pid), op: 'ready', from: 'new' });
    }
    for (let k = 0; k < rounds; k++) {
      for (let pid = first; pid <= last; pid++) {
        const task = name(pid);
        emit({ t, kind: 'state', pid, task, op: 'running', from: 'ready', cpu: 0 });
        if (k === 0) {
          const kport = { port: 4 * pid, portLabel: `${task}.kernel` };
          const reply = { port: 4 * pid + 2, portLabel: `${task}.reply` };
          emit({ t, kind: 'trap', pid, task, op: 'msg_rpc' });
          const req = emit({ t, kind: 'send', pid, task, ...kport, msgId: 3204, size: 50, peer: 0, peerTask: 'kernel', text: '{right:"receive",label:"box"}' });
          emit({ t, kind: 'syscall', pid, task, op: 'port_allocate', msgId: 3204, ...kport, ref: req, code: 0, codeName: 'SUCCESS' });
          const rep = emit({ t, kind: 'send', pid: 0, task: 'kernel', ...reply, msgId: 3304, size: 0, peer: pid, peerTask: task, text: `{code:0,name:${4 * pid + 3}}` });
          emit({ t, kind: 'receive', pid, task, ...reply, peer: 0, peerTask: 'kernel', msgId: 3304, size: 0, ref: rep });
        }
        t += 1;
        const to = next(pid);
        const cached = (pid + k) % 50 === 0;
        emit({ t, kind: 'trap', pid, task, op: 'msg_send' });
        const send: Omit<TraceRecord, 'seq'> = {
          t, kind: cached ? 'cache' : 'send', pid, task, port: 4 * to + 3, portLabel: `${name(to)}.box`, msgId: 1, size: 40,
          peer: to, peerTask: name(to), text: k % 4 === 3 ? '"a;b #1"' : `{job:${k},from:"${task}"}`,
        };
        if (cached) send.detail = 'queued past qlimit 2';
        sent.set(to, emit(send));
        emit({ t, kind: 'log', pid, task, detail: `sent job ${k} to ${name(to)}` });
        emit({ t, kind: 'trap', pid, task, op: 'msg_receive' });
        emit({ t, kind: 'state', pid, task, op: 'waiting', from: 'running', cpu: 0 });
        emit({ t, kind: 'block', pid, task, detail: `receive on port ${4 * pid + 3} (${task}.box)`, wait: 'receive' });
      }
      for (let pid = first; pid <= last; pid++) {
        const task = name(pid);
        const from = prev(pid);
        emit({ t, kind: 'receive', pid, task, port: 4 * pid + 3, portLabel: `${task}.box`, peer: from, peerTask: name(from), msgId: 1, size: 40, ref: sent.get(pid)! });
        emit({ t, kind: 'wake', pid, task, code: 0, codeName: 'SUCCESS' });
        emit({ t, kind: 'state', pid, task, op: 'ready', from: 'waiting' });
      }
    }
    for (let pid = first; pid <= last; pid++) {
      const task = name(pid);
      emit({ t, kind: 'state', pid, task, op: 'running', from: 'ready', cpu: 0 });
      t += 1;
      emit({ t, kind: 'state', pid, task, op: 'terminated', from: 'running', cpu: 0 });
      emit({ t, kind: 'exit', pid, task, code: 0, detail: 'exit' });
    }
  }
  return out;
}

/** Each renderer must finish a million records in this many ms (they take 0.1–2 s here). */
const LIMIT = 10_000;
const times: string[] = [];

/** Runs f, prints how long it took, and fails when it took LIMIT ms or more. */
function timed<T>(name: string, f: () => T, limit = LIMIT): T {
  const start = performance.now();
  const value = f();
  const ms = performance.now() - start;
  times.push(`${name}: ${ms.toFixed(0)} ms`);
  console.log(`${name}: ${ms.toFixed(0)} ms`);
  expect(ms, `${name} took ${ms.toFixed(0)} ms`).toBeLessThan(limit);
  return value;
}

/** Lines of a long text without splitting it all: how many, the first n, the last. */
function shape(text: string, n = 3): { count: number; first: string[]; last: string } {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  const first: string[] = [];
  let at = 0;
  for (let k = 0; k < n && at <= text.length; k++) {
    const end = text.indexOf('\n', at);
    first.push(text.slice(at, end < 0 ? text.length : end));
    if (end < 0) break;
    at = end + 1;
  }
  return { count, first, last: text.slice(text.lastIndexOf('\n') + 1) };
}

/** How many times needle occurs in text. */
function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

const TASKS = 10_000;
const ROUNDS = 9;
const WAVE = 100;
/** The run ends when the last wave's last task does: (ROUNDS + 1) ms a task. */
const END = (ROUNDS + 1) * TASKS;

describe('every renderer at a million records', () => {
  let records: TraceRecord[] = [];
  let cached = 0;

  beforeAll(() => {
    records = timed('build 1M records', () => synthesize(TASKS, ROUNDS, WAVE), 5_000);
    expect(records).toHaveLength(1_000_000);
    for (const r of records) if (r.kind === 'cache') cached++;
    expect(cached).toBe((TASKS * ROUNDS) / 50);
  });

  it('renderTable: a row per record but states, or maxRows of them', () => {
    const rows = TASKS * (10 * ROUNDS + 10 - (3 * ROUNDS + 3)); // every record but the 3 × ROUNDS + 3 states of a task
    const all = shape(timed('renderTable', () => renderTable(records)));
    expect(all.count).toBe(2 + rows);
    expect(all.first[0]!.trim().split(/\s{2,}/)).toEqual(['seq', 't (ms)', 'task', 'event', 'port', 'peer', 'code', 'detail']);
    expect(all.first[1]).toMatch(/^[- ]+$/);
    expect(all.first[2]).toMatch(/^\s+0\s+0\s+task1\(1\)\s+spawn\s+kernel\(0\)$/);
    expect(all.last).toMatch(new RegExp(String.raw`^999999\s+${END}\s+task10000\(10000\)\s+exit\s+0\s+exit$`));

    const cut = shape(timed('renderTable maxRows 1000', () => renderTable(records, { maxRows: 1000 })));
    expect(cut.count).toBe(2 + 1000 + 1);
    expect(cut.last).toBe(`… ${rows - 1000} more rows`);
  });

  it('renderMermaid: every task a participant, the legend, one arrow per message, syscalls drawn once', () => {
    const d = timed('renderMermaid', () => renderMermaid(records));
    const s = shape(d, 4);
    expect(s.first).toEqual(['sequenceDiagram', '    participant P1 as task1', '    participant P2 as task2', '    participant P3 as task3']);
    expect(occurrences(d, '    participant ')).toBe(TASKS + 1); // and kernel
    expect(d).toContain('    participant P10000 as task10000\n    participant kernel\n    Note over P1,kernel: bars: blocked in a trap (waiting), not running\n');
    expect(occurrences(d, '->>kernel: port_allocate\n')).toBe(TASKS);
    expect(occurrences(d, '    kernel-->>')).toBe(TASKS);
    expect(occurrences(d, 'kernel->>')).toBe(0); // the replies of the system calls are not drawn twice
    expect(occurrences(d, ': id 1: ')).toBe(TASKS * ROUNDS);
    expect(d).toContain('    P1->>P2: id 1: {job:0,from:"task1"}\n');
    expect(d).toContain('    P1->>P2: id 1: "a,b no.1"\n');
    expect(occurrences(d, '    activate ')).toBe(TASKS * ROUNDS);
    expect(occurrences(d, '    deactivate ')).toBe(TASKS * ROUNDS);
    expect(occurrences(d, ': cached, queued past qlimit 2 (MACH_SEND_WILL_NOTIFY)\n')).toBe(cached);
    // Per task: a system call and its answer, per round an arrow, a log note, a bar begun and ended; an exit note.
    expect(s.count).toBe(1 + TASKS + 1 + 1 + TASKS * (2 + 4 * ROUNDS + 1) + cached);
    expect(s.last).toBe('    Note over P10000: exit 0 (exit)');

    const cut = shape(timed('renderMermaid maxEvents 1000', () => renderMermaid(records, { maxEvents: 1000, showSyscalls: false })));
    expect(cut.last).toMatch(/^ {4}Note over P1,P10000: … \d+ more events$/);
  });

  it('renderMermaidGantt: a section per task, a bar per turn on the CPU (with states: every stretch)', () => {
    const g = shape(timed('renderMermaidGantt', () => renderMermaidGantt(records)), 6);
    expect(g.first).toEqual(['gantt', '  title CPU timeline', '  dateFormat x', '  axisFormat %L', '  section task1', '    cpu0 :active, 0, 1']);
    expect(g.count).toBe(4 + TASKS * (1 + ROUNDS + 1));
    expect(g.last).toBe(`    cpu0 :active, ${END - 1}, ${END}`);

    const all = shape(timed('renderMermaidGantt states', () => renderMermaidGantt(records, { states: true })));
    // A task's stretches: ROUNDS + 1 turns running; ROUNDS + 1 ready (the wave's first task: none);
    // ROUNDS waiting (the wave's last task: none, it is woken as its turn ends).
    const stretches = (WAVE - 2) * (3 * ROUNDS + 2) + (2 * ROUNDS + 1) + (2 * ROUNDS + 2);
    expect(all.count).toBe(4 + TASKS + (TASKS / WAVE) * stretches);
    expect(all.last).toBe(`    cpu0 :active, ${END - 1}, ${END}`);
  });

  it('renderGantt: a row per task, 80 columns', () => {
    const g = shape(timed('renderGantt', () => renderGantt(records)), 2);
    expect(g.count).toBe(1 + TASKS + 1);
    // 100 s in 80 columns: 1250 ms a column. task1 ran in the first 1 s only.
    expect(g.first).toEqual(['t(ms)     0         12500     25000     37500     50000     62500     75000     87500', 'task1     #']);
    expect(g.last).toBe('          # running  . ready  - waiting   (1 column = 1250 ms)');
  });

  it('cpuTimeline, intervals and schedStats', () => {
    const [line, ...others] = timed('cpuTimeline', () => cpuTimeline(records));
    expect(others).toEqual([]);
    expect(line!.startsWith('cpu0: task1 0-1 | task2 1-2 | ')).toBe(true);
    expect(line!.endsWith(` | task10000 ${END - 1}-${END}`)).toBe(true);
    expect(occurrences(line!, ' | ')).toBe(TASKS * (ROUNDS + 1) - 1);

    const ivs = timed('intervals', () => intervals(records));
    const stretches = (WAVE - 2) * (3 * ROUNDS + 2) + (2 * ROUNDS + 1) + (2 * ROUNDS + 2);
    expect(ivs).toHaveLength((TASKS / WAVE) * stretches);
    expect(ivs[0]).toEqual({ pid: 1, task: 'task1', state: 'running', from: 0, to: 1, cpu: 0 });
    expect(ivs.at(-1)).toEqual({ pid: 10000, task: 'task10000', state: 'running', from: END - 1, to: END, cpu: 0 });
    let sorted = true;
    for (let i = 1; i < ivs.length; i++) if (ivs[i - 1]!.from > ivs[i]!.from) sorted = false;
    expect(sorted).toBe(true);

    const stats = timed('schedStats', () => schedStats(records));
    expect(stats).toHaveLength(TASKS);
    expect(stats.every((s) => s.runTime === ROUNDS + 1)).toBe(true);
    const span = (ROUNDS + 1) * WAVE;
    expect(stats[0]).toMatchObject({ pid: 1, arrival: 0, end: span - WAVE + 1, response: 0 });
    expect(stats.at(-1)).toMatchObject({ pid: TASKS, arrival: END - span, end: END, turnaround: span, response: WAVE - 1 });
  });

  it('renderJsonLines: a line per record, the run id first', () => {
    const j = shape(timed('renderJsonLines', () => renderJsonLines(records, { runId: 'scale' })));
    expect(j.count).toBe(records.length);
    expect(j.first[0]).toBe('{"run":"scale","t":0,"kind":"spawn","pid":1,"task":"task1","peer":0,"detail":"","seq":0}');
    expect(JSON.parse(j.last)).toEqual({ run: 'scale', ...records.at(-1) });
  });

  it('renderTree and renderTreeMermaid: the process tree of every task', () => {
    const rows: ProcRow[] = [];
    for (const r of records) {
      if (r.kind === 'spawn') rows.push({ pid: r.pid, ppid: r.peer!, name: r.task, state: 'waiting', stat: 'S', priority: 0, cpuTime: 0, threads: 1 });
    }
    const tree = shape(timed('renderTree', () => renderTree(rows)), 3);
    expect(tree.count).toBe(TASKS);
    expect(tree.first).toEqual(['1 task1 (waiting)', '├─ 2 task2 (waiting)', '├─ 3 task3 (waiting)']);
    // The first task of each wave is the child of the one before: the last wave sits 99 deep.
    expect(tree.last).toBe(`${'   '.repeat(TASKS / WAVE - 1)}└─ ${TASKS} task${TASKS} (waiting)`);

    const graph = shape(timed('renderTreeMermaid', () => renderTreeMermaid(rows)), 2);
    expect(graph.count).toBe(1 + TASKS + (TASKS - 1));
    expect(graph.first).toEqual(['graph TD', '  P1["1 task1<br/>waiting"]']);
    expect(graph.last).toBe(`  P9901 --> P${TASKS}`);
  });

  it('prints the times', () => {
    console.log(`render-scale times:\n  ${times.join('\n  ')}`);
    expect(times.length).toBeGreaterThan(10);
  });
});

describe('renderMermaidGantt with many tasks', () => {
  it('draws 5,000 tasks of 150k records in well under 5 s', () => {
    const records = synthesize(5_000, 2);
    expect(records).toHaveLength(150_000);
    const g = shape(timed('renderMermaidGantt 150k records, 5,000 tasks', () => renderMermaidGantt(records), 5_000));
    expect(g.count).toBe(4 + 5_000 * (1 + 3));
    expect(g.first).toEqual(['gantt', '  title CPU timeline', '  dateFormat x']);
    expect(g.last).toBe('    cpu0 :active, 14999, 15000');
  });
});
