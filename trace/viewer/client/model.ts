/**
 * The viewer's model of a trace: lanes (tasks), messages paired with what
 * ended them, blocked stretches, process-state stretches, and the state of
 * everything at one instant. Runs in the page (each exported function is
 * embedded with `toString()`, so it refers only to its arguments, browser
 * globals and the other embedded functions) and in Node (for tests).
 */
import type { TraceRecord } from '../../trace.ts';

/** A task's lifeline. `parent` is -1 when the trace does not say. */
export interface Lane {
  pid: number;
  name: string;
  parent: number;
  thread: boolean;
  daemon: boolean;
  /** First and last record about the task (as its pid). */
  first: number;
  last: number;
  /** The record where the task ended (its 'state' → terminated or 'exit'), or -1 while it lives. */
  ended: number;
}

/** One message: its send record, and the record that ended it (receive, syscall, destroy) or -1. */
export interface Msg {
  s: number;
  e: number;
  from: number;
  /** Receiver pid: who received it, else the receive-right holder at send time, else -1. */
  to: number;
  port: number;
  /** 0 a plain send, 1 a cached send (past qlimit), 2 a notification. */
  kind: number;
  /** Kind of the ending record ('receive', 'syscall', 'destroy') or ''. */
  end: string;
}

/** A stretch between two records (indexes a..b) with a value: a state code, and a CPU (or -1). */
export interface Span {
  a: number;
  b: number;
  v: number;
  cpu: number;
}

export interface Model {
  recs: TraceRecord[];
  n: number;
  /** Kernel first (when present), then tasks by pid. */
  lanes: Lane[];
  lane: Map<number, Lane>;
  /** Messages in send order. */
  msgs: Msg[];
  /** Per pid: blocked stretches ('block' → 'wake' / 'timeout' / end). */
  blocks: Map<number, Span[]>;
  /** Per pid: process-state stretches; v indexes STATES (new, ready, running, waiting, other). */
  states: Map<number, Span[]>;
  /** Ports seen: id → label. */
  ports: Map<number, string>;
  /** Record kinds present, with counts. */
  kinds: Map<string, number>;
  cpus: number;
  /** Distinct virtual times: when few, the time axis would pile records up. */
  distinctTimes: number;
  /** Index of the record with this seq, or -1. */
  seqIndex: (seq: number) => number;
}

/**
 * Builds the model of a run's records.
 *
 * @example
 * const m = buildModel(k.trace.records);
 * m.msgs[0] // { s: 6, e: 9, from: 1, to: 0, port: 2, kind: 0, end: 'syscall' }
 */
export function buildModel(recs: TraceRecord[]): Model {
  const n = recs.length;
  const seq0 = n > 0 ? recs[0]!.seq : 0;
  let contiguous = true;
  for (let i = 0; i < n; i++) if (recs[i]!.seq !== seq0 + i) { contiguous = false; break; }
  const bySeq = new Map<number, number>();
  if (!contiguous) recs.forEach((r, i) => bySeq.set(r.seq, i));
  const seqIndex = (seq: number): number =>
    contiguous ? (seq >= seq0 && seq < seq0 + n ? seq - seq0 : -1) : bySeq.get(seq) ?? -1;

  const lane = new Map<number, Lane>();
  const touch = (pid: number, name: string | undefined, i: number, own: boolean): Lane => {
    let l = lane.get(pid);
    if (!l) {
      l = { pid, name: name || (pid === 0 ? 'kernel' : `pid ${pid}`), parent: -1, thread: false, daemon: false, first: i, last: i, ended: -1 };
      lane.set(pid, l);
    }
    if (own) {
      if (name) l.name = name;
      l.last = i;
    }
    return l;
  };
  const codes: Record<string, number> = { new: 0, ready: 1, running: 2, waiting: 3 };
  const msgs: Msg[] = [];
  const msgOf = new Map<number, Msg>();
  const blocks = new Map<number, Span[]>();
  const states = new Map<number, Span[]>();
  const openBlock = new Map<number, Span>();
  const openState = new Map<number, Span>();
  const ports = new Map<number, string>();
  const kinds = new Map<string, number>();
  const push = (map: Map<number, Span[]>, pid: number, s: Span): void => {
    const list = map.get(pid);
    if (list) list.push(s);
    else map.set(pid, [s]);
  };
  const closeBlock = (pid: number, i: number): void => {
    const b = openBlock.get(pid);
    if (b) { b.b = i; openBlock.delete(pid); }
  };
  let cpus = 0;
  let distinctTimes = 0;
  let lastT = NaN;
  for (let i = 0; i < n; i++) {
    const r = recs[i]!;
    if (r.t !== lastT) { distinctTimes++; lastT = r.t; }
    kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    const l = touch(r.pid, r.task, i, true);
    if (r.peer !== undefined && r.kind !== 'spawn') touch(r.peer, r.peerTask, i, false);
    if (r.port !== undefined && (r.portLabel || !ports.has(r.port))) ports.set(r.port, r.portLabel ?? '');
    if (r.cpu !== undefined && r.cpu + 1 > cpus) cpus = r.cpu + 1;
    switch (r.kind) {
      case 'spawn': {
        l.parent = r.peer ?? -1;
        l.thread = r.detail === 'thread';
        l.daemon = r.detail === 'daemon';
        if (r.peer !== undefined) touch(r.peer, r.peerTask, i, false);
        const s: Span = { a: i, b: n - 1, v: 0, cpu: -1 };
        openState.set(r.pid, s);
        push(states, r.pid, s);
        break;
      }
      case 'state': {
        const prev = openState.get(r.pid);
        if (prev) prev.b = i;
        if (r.op === 'terminated') {
          openState.delete(r.pid);
          if (l.ended < 0) l.ended = i;
          closeBlock(r.pid, i);
        } else {
          const s: Span = { a: i, b: n - 1, v: codes[r.op ?? ''] ?? 4, cpu: r.op === 'running' ? r.cpu ?? -1 : -1 };
          openState.set(r.pid, s);
          push(states, r.pid, s);
        }
        break;
      }
      case 'exit':
        if (l.ended < 0) l.ended = i;
        closeBlock(r.pid, i);
        break;
      case 'block': {
        closeBlock(r.pid, i);
        const s: Span = { a: i, b: n - 1, v: 0, cpu: -1 };
        openBlock.set(r.pid, s);
        push(blocks, r.pid, s);
        break;
      }
      case 'wake':
      case 'timeout':
        closeBlock(r.pid, i);
        break;
      case 'send':
      case 'cache': {
        const m: Msg = {
          s: i, e: -1, from: r.pid, to: r.peer ?? -1, port: r.port ?? -1,
          kind: r.kind === 'cache' ? 1 : r.op ? 2 : 0, end: '',
        };
        msgs.push(m);
        msgOf.set(r.seq, m);
        break;
      }
      case 'receive':
      case 'syscall':
      case 'destroy': {
        const m = r.ref !== undefined ? msgOf.get(r.ref) : undefined;
        if (!m || m.e >= 0) break;
        m.e = i;
        m.end = r.kind;
        if (r.kind === 'receive') m.to = r.pid;
        else if (r.kind === 'syscall') m.to = 0;
        break;
      }
    }
  }
  for (const m of msgs) if (m.to >= 0) touch(m.to, undefined, m.s, false);
  const lanes = [...lane.values()].sort((a, b) => a.pid - b.pid);
  return { recs, n, lanes, lane, msgs, blocks, states, ports, kinds, cpus: Math.max(cpus, 1), distinctTimes, seqIndex };
}

/** A task at an instant. `on` says what it is blocked on ('' when not blocked). */
export interface TaskNow {
  pid: number;
  name: string;
  state: string;
  cpu: number;
  on: string;
  suspended: boolean;
}

/** A port at an instant, as far as the trace tells. */
export interface PortNow {
  id: number;
  label: string;
  /** Messages queued: sends and cached sends minus receives, syscalls served and destroys. */
  queue: number;
  /** From a cache record's 'queued past qlimit N'; -1 when the trace has not said. */
  qlimit: number;
  /** Holder of the receive right (0 = the kernel), -1 when unknown. */
  receiver: number;
  /** Tasks seen sending to it (so holding a send or send-once right then). */
  senders: number[];
  dead: boolean;
  sent: number;
}

/** A process in the tree at an instant. */
export interface ProcNow {
  pid: number;
  name: string;
  parent: number;
  status: 'alive' | 'zombie' | 'exited' | 'reaped';
  /** The parent before it was orphaned, or -1. */
  orphanOf: number;
  thread: boolean;
  daemon: boolean;
}

export interface Snapshot {
  idx: number;
  tasks: TaskNow[];
  ports: PortNow[];
  procs: ProcNow[];
}

/**
 * The state of the run just after record `idx`: each task's process state,
 * each port's queue and rights as far as the trace tells, the process tree.
 *
 * @example
 * snapshotAt(m, 38).tasks.find((t) => t.name === 'client')?.state // 'waiting'
 */
export function snapshotAt(model: Model, idx: number): Snapshot {
  const tasks = new Map<number, TaskNow>();
  const ports = new Map<number, PortNow & { seen: Set<number> }>();
  const procs = new Map<number, ProcNow>();
  const recs = model.recs;
  const port = (id: number, label: string | undefined) => {
    let p = ports.get(id);
    if (!p) {
      p = { id, label: label ?? model.ports.get(id) ?? '', queue: 0, qlimit: -1, receiver: -1, senders: [], dead: false, sent: 0, seen: new Set() };
      ports.set(id, p);
    }
    return p;
  };
  const last = Math.min(idx, model.n - 1);
  for (let i = 0; i <= last; i++) {
    const r = recs[i]!;
    let t = tasks.get(r.pid);
    if (!t && r.pid !== 0) {
      t = { pid: r.pid, name: r.task, state: 'new', cpu: -1, on: '', suspended: false };
      tasks.set(r.pid, t);
    }
    switch (r.kind) {
      case 'spawn':
        procs.set(r.pid, {
          pid: r.pid, name: r.task, parent: r.peer ?? -1, status: 'alive', orphanOf: -1,
          thread: r.detail === 'thread', daemon: r.detail === 'daemon',
        });
        break;
      case 'state':
        if (t) {
          t.state = r.op ?? '?';
          t.cpu = r.op === 'running' ? r.cpu ?? -1 : -1;
        }
        break;
      case 'block':
        if (t) t.on = r.detail || 'blocked';
        break;
      case 'wake':
      case 'timeout':
        if (t) t.on = '';
        break;
      case 'suspend':
      case 'resume':
        if (t) t.suspended = !/count 0$/.test(r.detail ?? '');
        break;
      case 'exit': {
        if (t) t.on = '';
        const p = procs.get(r.pid);
        if (p && p.status === 'alive') p.status = 'exited';
        break;
      }
      case 'zombie': {
        const p = procs.get(r.pid);
        if (p) p.status = 'zombie';
        break;
      }
      case 'reap': {
        const p = procs.get(r.pid);
        if (p) p.status = 'reaped';
        break;
      }
      case 'orphan': {
        const p = procs.get(r.pid);
        if (p) {
          if (p.orphanOf < 0) p.orphanOf = p.parent;
          p.parent = r.peer ?? -1;
        }
        break;
      }
      case 'send':
      case 'cache': {
        if (r.port === undefined) break;
        const p = port(r.port, r.portLabel);
        p.queue++;
        p.sent++;
        if (r.peer !== undefined) p.receiver = r.peer;
        if (r.pid !== 0 && !p.seen.has(r.pid)) {
          p.seen.add(r.pid);
          p.senders.push(r.pid);
        }
        const q = /qlimit (\d+|Infinity)/.exec(r.detail ?? '');
        if (q) p.qlimit = Number(q[1]);
        break;
      }
      case 'receive':
      case 'syscall':
      case 'destroy': {
        if (r.port === undefined || r.ref === undefined) break;
        const p = port(r.port, r.portLabel);
        if (p.queue > 0) p.queue--;
        if (r.kind === 'receive') p.receiver = r.pid;
        else if (r.kind === 'syscall') p.receiver = 0;
        break;
      }
      case 'port-death':
        if (r.port !== undefined) port(r.port, r.portLabel).dead = true;
        break;
    }
  }
  const byId = (a: { pid: number } | { id: number }, b: { pid: number } | { id: number }): number =>
    ('pid' in a ? a.pid : a.id) - ('pid' in b ? b.pid : b.id);
  const portList: PortNow[] = [...ports.values()].map(({ seen: _seen, ...p }) => p);
  return { idx: last, tasks: [...tasks.values()].sort(byId), ports: portList.sort(byId), procs: [...procs.values()].sort(byId) };
}
