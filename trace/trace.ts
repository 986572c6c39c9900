import { closeSync, openSync, writeSync } from 'node:fs';
import { Subject, type Observable } from 'rxjs';
import { RecordStore, type Shape } from './store.ts';

/** What a trace record is about. */
export type TraceKind =
  | 'spawn' // a task was created
  | 'state' // a task changed process state (from → to)
  | 'trap' // a task entered a trap (msg_send / msg_receive / msg_rpc)
  | 'send' // a message was queued on a port, or handed to a waiting receiver
  | 'cache' // a message was forced past the queue limit (SEND_NOTIFY); msg-accepted will follow
  | 'receive' // a message was dequeued by a task
  | 'block' // a task blocked in a trap (queue full, or nothing to receive)
  | 'wake' // a blocked trap finished (message taken, message arrived)
  | 'timeout' // a blocked trap timed out
  | 'return' // a trap returned to the task with a code
  | 'notify' // the kernel sent a notification
  | 'destroy' // a message was destroyed (its port died)
  | 'port-death' // a port died
  | 'syscall' // the kernel's syscall server handled a request
  | 'exit' // a task ended
  | 'log' // a program wrote a line with sys.log
  | 'packet' // a packet went on the wire (op: what happened to it; src, dst: hosts)
  | 'switch' // a CPU started loading a task's context (a context switch that costs time)
  | 'quantum' // a task's round-robin quantum expired while others were ready
  | 'zombie' // a process ended and waits for its parent to wait for it
  | 'orphan' // a process's parent ended: it was given to init (or the kernel)
  | 'reap' // a zombie was waited for and left the process table
  | 'exec' // a task's program was replaced
  | 'kill' // a task was ended from outside (a kill, a cascade)
  | 'suspend' // a task was suspended (stopped)
  | 'resume' // a task was resumed (continued)
  | 'xstate' // an XState inspection event of a task's actor
  | 'deadlock' // nothing can move: who waits on what
  | 'stuck' // a task's program awaits something outside xmach, and nothing inside can move
  | 'livelock' // a task spins in traps that do nothing, with no message moving and no time passing
  | 'lmk' // the low-memory killer ended a process (detail: why)
  | 'error'; // a kernel invariant broke (a bug)

/** One kernel event. Fields beyond the first six depend on the kind. */
export interface TraceRecord {
  /** Order of the record in the run (0, 1, 2…). */
  seq: number;
  /** Virtual time in ms. */
  t: number;
  kind: TraceKind;
  /** pid of the task the event is about (0 = the kernel). */
  pid: number;
  /** Name of that task. */
  task: string;
  /** The CPU, for events that happen on one (a task dispatched, a context loaded). */
  cpu?: number;
  /** The trap, syscall or notification name, or a state for 'state' records. */
  op?: string;
  /** Previous state ('state' records). */
  from?: string;
  /** Port id (global, not a task's name). */
  port?: number;
  /** Label of that port, if it has one. */
  portLabel?: string;
  /** The other task involved: the receiver of a send, the sender of a receive. */
  peer?: number;
  peerTask?: string;
  /** msgh_id of the message. */
  msgId?: number;
  /** Return code, and its Mach name. */
  code?: number;
  codeName?: string;
  /** Body size in bytes. */
  size?: number;
  /** seq of the record this one refers to (a receive points at its send). */
  ref?: number;
  /** Free text: what a task waits on, a log line, an XState event. */
  detail?: string;
  /**
   * 'block', 'timeout' and a sleep's 'wake' records: what the task waits for: 'send' (room in a queue),
   * 'receive' (a message), 'sleep' (only a timeout can end it: `sys.sleep`), 'timer' or
   * 'event' (a machine program's).
   */
  wait?: 'send' | 'receive' | 'sleep' | 'timer' | 'event';
  /** 'block' and 'timeout' records: the role of the port, when the kernel gave it one ('reply', 'notify', 'kernel'). */
  role?: string;
  /** 'send' and 'cache' records: the body, shortened (`"hello"`, `{ job: 3, … }`), for diagrams and tables. */
  text?: string;
  /** 'port-death' records: queued messages, blocked senders and waiting receivers the port had when it died. */
  pending?: number;
  /** The host the record happened on, when it is not the default host. */
  host?: string;
  /** 'packet' records: the sending and the receiving host. */
  src?: string;
  dst?: string;
}

/** Running totals that the comparisons report. Always kept, even with records off. */
export interface Counters {
  /** Messages queued or handed to a receiver: user messages, system-call messages and notifications. */
  messagesSent: number;
  /** Messages between tasks (not to or from the kernel). */
  userMessages: number;
  /** System-call traffic: requests to the kernel's ports (task, bootstrap) and the kernel's replies. */
  syscallMessages: number;
  /** Messages dequeued by receivers. */
  messagesReceived: number;
  /** Messages destroyed because their port died (or the kernel dropped them). */
  messagesDestroyed: number;
  /** Body bytes copied at send. */
  bytesCopied: number;
  /** Traps entered (msg_send, msg_receive, msg_rpc). */
  traps: number;
  /** Requests the syscall server answered. */
  syscalls: number;
  /** Notifications the kernel sent. */
  notifications: number;
  /** Kernel objects made: ports and port sets (every task's own three included), direct links, mailboxes. */
  portsCreated: number;
  linksCreated: number;
  mailboxesCreated: number;
  regionsCreated: number;
  /** Times the CPU went from one task to another. */
  contextSwitches: number;
  /** Sum over blocked traps of the virtual time spent blocked (ms). */
  blockedTime: number;
  /** Traps that blocked. */
  blocks: number;
  /** Traps that timed out (sleeps are not time-outs: see `sleeps`). */
  timeouts: number;
  /** Sleeps that ended (`sys.sleep`: a timed receive on a port nobody can send to). */
  sleeps: number;
  /** CPU time spent computing for tasks, summed over CPUs (ms). */
  cpuTime: number;
  /** CPU time spent loading contexts (context-switch overhead, ms). */
  switchTime: number;
  /** Times the IPC fast path handed the CPU straight from a blocking sender to its receiver. */
  handoffs: number;
}

/** All counters at zero. */
export function emptyCounters(): Counters {
  return {
    messagesSent: 0, userMessages: 0, syscallMessages: 0, messagesReceived: 0, messagesDestroyed: 0, bytesCopied: 0, traps: 0, syscalls: 0,
    notifications: 0, portsCreated: 0, linksCreated: 0, mailboxesCreated: 0, regionsCreated: 0, contextSwitches: 0, blockedTime: 0, blocks: 0, timeouts: 0, sleeps: 0, cpuTime: 0, switchTime: 0, handoffs: 0,
  };
}

/** Options for what a trace keeps. */
export interface TraceOptions {
  /** Keep records in `records` (default true). Counters are kept either way. */
  records?: boolean;
  /**
   * How many records `records` keeps: the latest ones (default 200,000: about 25 MB
   * in the compact store, trace/store.ts, and an object each once `records` is read;
   * `Infinity` keeps all). Older ones are dropped and counted in `dropped`; counters
   * stay exact, and a file (below) still gets every record.
   */
  limit?: number;
  /** Also write every record to this file as JSON lines, as the run goes (`--trace-file`). */
  file?: string;
  /** Also record XState inspection events of task actors (default false: they are many). */
  inspect?: boolean;
}

/** The default number of records a trace keeps. */
export const TRACE_LIMIT = 200_000;

/**
 * The kernel's trace: the latest records (a ring of `limit`), an RxJS
 * Observable of every record, optionally a JSON-lines file of every record,
 * and counters, which are always exact. Recording is skipped entirely (cheap)
 * when records are off, no file is written and nobody subscribes.
 *
 * @example
 * const k = boot({ trace: { limit: 1000, file: 'run.jsonl' } });
 * await k.run();
 * k.trace.records.length; // at most 1000: the latest
 * k.trace.dropped;        // how many older ones left the ring
 */
export class Trace {
  readonly counters: Counters = emptyCounters();
  readonly inspect: boolean;
  /** Records that left the ring (older than the latest `limit`). */
  dropped = 0;
  /** The kept records, in flat arrays (trace/store.ts): no object per record while the run goes. */
  private readonly store: RecordStore | null;
  private readonly subject = new Subject<TraceRecord>();
  private readonly keep: boolean;
  private readonly sink: LineSink | null;
  private seq = 0;
  /** Someone asked for the Observable: build records even when they are not kept. */
  private watched = false;
  /** This trace itself: a view made with Object.create(trace) (another host's) sees its prototype's, not itself. */
  private readonly self: Trace = this;
  /** Shapes of the records the typed emitters keep without an object. */
  private stateShape: Shape | null = null;
  private stateCpuShape: Shape | null = null;
  private trapShape: Shape | null = null;
  private wakeShapes: (Shape | null)[] = [null, null, null];
  /** The records `records` last returned (objects made from the store), and the seq of the first. */
  private view: TraceRecord[] | null = null;
  private viewFrom = 0;

  /** Throws a RangeError for a limit that is not a whole number ≥ 1 (or Infinity). */
  constructor(options: TraceOptions = {}) {
    this.keep = options.records ?? true;
    this.inspect = options.inspect ?? false;
    const limit = options.limit ?? TRACE_LIMIT;
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) throw new RangeError('trace.limit must be an integer ≥ 1, or Infinity');
    this.store = this.keep ? new RecordStore(limit) : null;
    this.sink = options.file ? new LineSink(options.file) : null;
  }

  /**
   * The kept records, oldest first (the latest `limit` of them). Records are
   * kept compactly and made into objects here, on first read: a record read
   * twice is the same object, and an array returned earlier is extended in
   * place while the ring has not dropped any of its records (so reading
   * `records` again and again during a run costs only the new records).
   */
  get records(): TraceRecord[] {
    const store = this.store;
    if (store === null) return this.view ?? (this.view = []);
    const from = this.seq - store.length;
    const old = this.view;
    if (old !== null && this.viewFrom === from) {
      for (let i = old.length; i < store.length; i++) old.push(store.get(i, from + i));
      return old;
    }
    const view = new Array<TraceRecord>(store.length);
    const oldFrom = this.viewFrom;
    const oldEnd = old === null ? 0 : oldFrom + old.length;
    for (let i = 0; i < view.length; i++) {
      const seq = from + i;
      view[i] = old !== null && seq >= oldFrom && seq < oldEnd ? old[seq - oldFrom]! : store.get(i, seq);
    }
    this.view = view;
    this.viewFrom = from;
    return view;
  }

  /** Every record as it happens. Subscribing turns recording on even when records are not kept. */
  get records$(): Observable<TraceRecord> {
    this.watched = true;
    return this.subject.asObservable();
  }

  /** True when a record would go anywhere; callers skip building records otherwise. */
  get on(): boolean {
    return this.keep || this.watched || this.sink !== null;
  }

  /** Records made in all (kept, dropped, or only written or observed). */
  get total(): number {
    return this.seq;
  }

  /** Adds a record (seq is filled in). Returns its seq. */
  emit(r: Omit<TraceRecord, 'seq'>): number {
    const seq = this.seq++;
    // seq is set on the object only when the object itself goes somewhere (the
    // store keeps it apart): adding a key to every record costs a hidden-class
    // change and, for an object literal, a new property array.
    const observed = this.subject.observed;
    if (observed || this.sink !== null) (r as TraceRecord).seq = seq;
    if (this.store !== null && this.store.push(r)) this.dropped++;
    if (this.sink !== null) this.sink.write(r as TraceRecord);
    if (observed) this.subject.next(r as TraceRecord);
    return seq;
  }

  /**
   * A 'state' record: the same as `emit({ t, kind: 'state', pid, task, op, from })`
   * with `cpu` after `from` when it is not null, without an object when only
   * the ring keeps it (the hot path: six a round trip). Returns its seq.
   */
  state(t: number, pid: number, task: string, op: string, from: string, cpu: number | null): number {
    if (this.self !== this || this.sink !== null || this.subject.observed || this.store === null) {
      const r: Omit<TraceRecord, 'seq'> = { t, kind: 'state', pid, task, op, from };
      if (cpu !== null) r.cpu = cpu;
      return this.emit(r);
    }
    const seq = this.seq++;
    const dropped =
      cpu === null
        ? this.store.pushShaped((this.stateShape ??= this.store.shapeOf(['t', 'kind', 'pid', 'task', 'op', 'from'])), t, 'state', pid, task, op, from)
        : this.store.pushShaped((this.stateCpuShape ??= this.store.shapeOf(['t', 'kind', 'pid', 'task', 'op', 'from', 'cpu'])), t, 'state', pid, task, op, from, cpu);
    if (dropped) this.dropped++;
    return seq;
  }

  /** A 'trap' record: the same as `emit({ t, kind: 'trap', pid, task, op })`, without an object when only the ring keeps it. Returns its seq. */
  trap(t: number, pid: number, task: string, op: string): number {
    if (this.self !== this || this.sink !== null || this.subject.observed || this.store === null) return this.emit({ t, kind: 'trap', pid, task, op });
    const seq = this.seq++;
    if (this.store.pushShaped((this.trapShape ??= this.store.shapeOf(['t', 'kind', 'pid', 'task', 'op'])), t, 'trap', pid, task, op)) this.dropped++;
    return seq;
  }

  /**
   * A 'wake' record: the same as `emit({ t, kind: 'wake', pid, task })` with
   * `wait: 'sleep'` after it when `slept`, else `code` and `codeName` when code
   * is not undefined; without an object when only the ring keeps it. Returns its seq.
   */
  wake(t: number, pid: number, task: string, slept: boolean, code: number | undefined, codeName: string | undefined): number {
    if (this.self !== this || this.sink !== null || this.subject.observed || this.store === null) {
      const r: Omit<TraceRecord, 'seq'> = { t, kind: 'wake', pid, task };
      if (slept) r.wait = 'sleep';
      else if (code !== undefined) {
        r.code = code;
        r.codeName = codeName;
      }
      return this.emit(r);
    }
    const seq = this.seq++;
    const shapes = this.wakeShapes;
    const store = this.store;
    const dropped = slept
      ? store.pushShaped((shapes[0] ??= store.shapeOf(['t', 'kind', 'pid', 'task', 'wait'])), t, 'wake', pid, task, 'sleep')
      : code !== undefined
        ? store.pushShaped((shapes[1] ??= store.shapeOf(['t', 'kind', 'pid', 'task', 'code', 'codeName'])), t, 'wake', pid, task, code, codeName)
        : store.pushShaped((shapes[2] ??= store.shapeOf(['t', 'kind', 'pid', 'task'])), t, 'wake', pid, task, undefined);
    if (dropped) this.dropped++;
    return seq;
  }

  /** Writes out what the file has buffered (the kernel calls it when a run stops). */
  flush(): void {
    this.sink?.flush();
  }

  /** Ends the observable and the file (no more records). */
  complete(): void {
    this.sink?.close();
    this.subject.complete();
  }
}

/** JSON lines to a file, written in 64 KB pieces. */
class LineSink {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(rec: TraceRecord): void {
    const line = JSON.stringify(rec);
    this.parts.push(line);
    this.size += line.length + 1;
    if (this.size >= 65536) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, this.parts.join('\n') + '\n');
    this.parts = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * A short text for a message body, at most `max` characters: strings quoted,
 * objects and arrays by their first fields, longer ones cut with '…'. Walks
 * only as much of the value as it prints (cheap on large bodies).
 *
 * @example
 * bodyPreview({ job: 3, text: 'a long line of text' }) // '{job:3,text:"a long line…}'
 */
export function bodyPreview(value: unknown, max = 32): string {
  // The common bodies (a number, a short string) without the walk; the same text.
  if (typeof value === 'number') return cut(String(value), max);
  if (typeof value === 'string') return cut(JSON.stringify(value.length > max ? value.slice(0, max) : value), max);
  const p: Preview = { out: [], len: 0, max };
  walk(p, value, 0);
  return cut(p.out.join(''), max);
}

/** s, cut to max characters with '…' when longer. */
function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** bodyPreview's text so far (module-level functions, not closures made per call). */
interface Preview {
  out: string[];
  len: number;
  max: number;
}

/** Appends s; false once the text is long enough (stop walking). */
function put(p: Preview, s: string): boolean {
  p.out.push(s);
  p.len += s.length;
  return p.len < p.max;
}

/** Appends the text of v; false once the text is long enough. */
function walk(p: Preview, v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
      return put(p, JSON.stringify(v.length > p.max ? v.slice(0, p.max) : v));
    case 'number':
    case 'boolean':
      return put(p, String(v));
    case 'bigint':
      return put(p, `${v}n`);
    case 'undefined':
      return put(p, 'undefined');
    case 'object':
      break;
    default:
      return put(p, typeof v);
  }
  if (v === null) return put(p, 'null');
  if (depth > 2) return put(p, '…');
  if (Array.isArray(v)) {
    if (!put(p, '[')) return false;
    for (let i = 0; i < v.length; i++) if ((i > 0 && !put(p, ',')) || !walk(p, v[i], depth + 1)) return false;
    return put(p, ']');
  }
  if (ArrayBuffer.isView(v)) return put(p, `${(v as { constructor: { name: string } }).constructor.name}(${(v as ArrayBufferView).byteLength})`);
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return put(p, (v as object).constructor?.name ?? 'object');
  if (!put(p, '{')) return false;
  let first = true;
  for (const key in v as object) {
    if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
    if ((!first && !put(p, ',')) || !put(p, `${key}:`) || !walk(p, (v as Record<string, unknown>)[key], depth + 1)) return false;
    first = false;
  }
  return put(p, '}');
}
