import { replyId } from '../ports/message.ts';
import type { TraceRecord } from './trace.ts';

/** Options of renderMermaid. */
export interface MermaidOptions {
  /** A title line for the diagram. */
  title?: string;
  /** Draw 'state', 'switch' and 'quantum' records (process states, CPU scheduling) as notes (default false: they are many). */
  showStates?: boolean;
  /** Draw system calls as arrows to and from the kernel (default true); false hides their traffic. */
  showSyscalls?: boolean;
  /** Draw at most this many events (records that draw something), then a note `… N more events`. */
  maxEvents?: number;
  /** Say at the top what an activation bar means, when the diagram has one (default true). */
  legend?: boolean;
}

/** The longest message or note text, in characters (longer ends in '…'). */
const TEXT_MAX = 80;
/** The deadlock note says who waits on what, so it may be longer. */
const DEADLOCK_MAX = 240;
/**
 * What an activation bar means here. Most sequence diagrams draw a bar while a
 * participant works; here a bar is a task blocked in a trap, so the legend says so.
 */
const MERMAID_LEGEND = 'bars: blocked in a trap (waiting), not running';

/**
 * Renders trace records as a Mermaid `sequenceDiagram`: one participant per
 * task (`P<pid>`, shown by name, or `name(pid)` when tasks share a name) in
 * order of first appearance, then `kernel` if any line involves it.
 *
 * Returns the diagram text, lines joined by '\n'. How records are drawn (A is
 * the record's task, B the peer: the task holding the port's receive right):
 * - send: `A->>B: id <msgId>: <text>`, the body's preview (the record's `text`,
 *   e.g. `id 1: "hello"`), or `A->>B: id <msgId> (<size> B)` when the record has
 *   none; a notification's name follows the id. cache: the same arrow, then
 *   `Note over A: cached, <detail> (MACH_SEND_WILL_NOTIFY)`.
 * - block: `activate A`; wake: `deactivate A`, and a note with the code when it
 *   is not SUCCESS (unless a timeout note just said it); exit also deactivates.
 *   Activation is tracked per participant, so there is never a deactivate without
 *   an activate, nor a nested activate. Tasks still blocked at the end stay active.
 *   So an activation bar means *blocked in a trap (waiting)*, not busy, the opposite
 *   of the usual reading: when a bar is drawn, the diagram begins with the legend
 *   `Note over <first>,<last>: bars: blocked in a trap (waiting), not running`
 *   (`legend: false` leaves it out).
 * - timeout: `Note over A: <codeName>`; return (a refused trap): `Note over A: <op> <codeName>`.
 * - destroy: `A-xB: destroyed id <msgId>`, B being the port's last known receiver
 *   (from earlier sends, receives and notifications), or a note over A if unknown.
 * - port-death: `Note over X: port <id> <label> dies`, X being the task last
 *   known to receive on the port; else the task whose exit is being torn down
 *   (a task's own kernel port, received by the kernel, dies with it); else the kernel.
 * - notify: `kernel-)B: <op>`; the kernel's 'send' record of the same
 *   notification is skipped. A notification to a port no task receives is a note over kernel.
 * - log: `Note over A: <detail>`; exit: `Note over A: exit <code> (<detail>)`;
 *   deadlock: a note over all participants; error (a kernel bug): a note over A.
 * - state (only with showStates): `Note over A: <from> -> <to>`; switch and quantum
 *   (only with showStates): `Note over A: <kind> <detail>`.
 * - spawn, trap, receive and xstate draw nothing (participants are declared up front;
 *   a message's arrow is drawn at its send). A kind not listed here is drawn as
 *   `Note over A: <kind> <op> <detail>`.
 *
 * System calls (the rule that avoids drawing each one twice):
 * - a task's 'send' to a kernel-served port (peer 0) that a later 'syscall'
 *   record of the same task, port and msgId answers is drawn as `A->>kernel: <op>`
 *   (the syscall's name) instead of `id <msgId>`; if that send is not among the
 *   records, the arrow is drawn at the 'syscall' record;
 * - at the 'syscall' record the answer is drawn, `kernel-->>A: <codeName>`, and
 *   the kernel's reply 'send' that follows (pid 0, no op, msgId = request + 100
 *   as MIG does) is skipped; a deferred request (no code yet, e.g. netname_look_up
 *   with wait) gets its answer where the kernel's reply send is: `kernel-->>B: <op> reply`;
 * - with showSyscalls false, all of these are left out.
 * Any other send from the kernel is drawn as a plain arrow from `kernel`.
 *
 * Text is made safe for Mermaid: `;` becomes `,`, `#` becomes `no.`, `%%` becomes
 * `%`, line breaks become spaces, and text longer than 80 characters is cut with '…'
 * (a line stays within about 110 characters). Colons and quotes are kept: Mermaid
 * reads a message's text from the first `:` to the end of the line.
 *
 * Linear in the records (a million records take about a second); `maxEvents` cuts a
 * diagram too big for a viewer (Mermaid refuses text over 50,000 characters by default).
 *
 * @example
 * const k = boot({ seed: 1 });
 * k.spawn('t', async (sys) => {
 *   const { name } = await sys.port_allocate('receive', 'box');
 *   await sys.msg_send(name!, { id: 5, body: 'hi' });
 * });
 * await k.run();
 * console.log(renderMermaid(k.trace.records, { title: 'hello' }));
 * // sequenceDiagram
 * //     title hello
 * //     participant P1 as t
 * //     participant kernel
 * //     P1->>kernel: port_allocate
 * //     kernel-->>P1: SUCCESS
 * //     P1->>P1: id 5: "hi"
 * //     Note over P1: exit 0 (exit)
 * //     Note over P1: port 3 t.notify dies
 * //     Note over P1: port 4 t.reply dies
 * //     Note over P1: port 5 box dies
 * //     P1-xP1: destroyed id 5
 * //     Note over P1: reap
 * //     Note over P1: port 2 t.kernel dies
 */
export function renderMermaid(records: readonly TraceRecord[], opts: MermaidOptions = {}): string {
  const showStates = opts.showStates ?? false;
  const showSyscalls = opts.showSyscalls ?? true;
  const maxEvents = opts.maxEvents === undefined ? Infinity : Math.max(0, Math.floor(opts.maxEvents));
  const legend = opts.legend ?? true;

  // Tasks in order of first appearance, with their names.
  const names = new Map<number, string>();
  for (const r of records) {
    if (r.pid !== 0 && !names.has(r.pid)) names.set(r.pid, r.task);
    if (r.peer !== undefined && r.peer !== 0 && r.peerTask !== undefined && r.kind !== 'spawn' && !names.has(r.peer)) {
      names.set(r.peer, r.peerTask);
    }
  }
  /** The first and last task (in order of appearance), for notes over every task. */
  let firstPid = -1;
  let lastPid = -1;
  for (const pid of names.keys()) {
    if (firstPid < 0) firstPid = pid;
    lastPid = pid;
  }
  const used = new Set<number>();
  const who = (pid: number): string => {
    used.add(pid);
    return pid === 0 ? 'kernel' : `P${pid}`;
  };

  // System-call requests: the send seq → the syscall record that served it.
  const requestOf = new Map<number, TraceRecord>();
  const servedSend = new Set<TraceRecord>();
  {
    const pending = new Map<string, Fifo<number>>();
    for (const r of records) {
      if (r.kind === 'send' && r.pid !== 0 && r.peer === 0) {
        push(pending, `${r.pid}:${r.port}:${r.msgId}`, r.seq);
      } else if (r.kind === 'syscall') {
        const seq = pending.get(`${r.pid}:${r.port}:${r.msgId}`)?.shift();
        if (seq !== undefined) {
          requestOf.set(seq, r);
          servedSend.add(r);
        }
      }
    }
  }
  /** msgId of a reply the syscall record already drew → how many to skip. */
  const answered = new Map<number, number>();
  /** msgId of a deferred reply → the syscall names waiting for it (FIFO). */
  const deferred = new Map<number, Fifo<string>>();
  /** `port:msgId` of a notification drawn by its 'notify' record → how many sends to skip. */
  const notified = new Map<string, number>();
  /** Port id → pid of the task last seen receiving on it (0: the kernel). */
  const receiverOf = new Map<number, number>();
  const active = new Set<number>();
  /** pid whose exit is being torn down (its ports die now), or -1. */
  let dying = -1;
  /** The timeout drawn by the previous record, to not repeat its code at the wake. */
  let lastTimeout: { pid: number; codeName: string | undefined } | null = null;

  const body: string[] = [];
  let drawn = 0;
  let more = 0;
  /** An activation bar was drawn: the legend is worth its line. */
  let bars = false;

  for (const r of records) {
    const lines: string[] = [];
    const A = (): string => who(r.pid);
    switch (r.kind) {
      case 'send':
      case 'cache': {
        if (r.port !== undefined && r.peer !== undefined) receiverOf.set(r.port, r.peer);
        if (r.pid === 0 && r.op !== undefined && take(notified, `${r.port}:${r.msgId}`)) break;
        const call = requestOf.get(r.seq);
        if (call) {
          if (showSyscalls) lines.push(`${A()}->>${who(0)}: ${text(call.op ?? `id ${r.msgId}`)}`);
          break;
        }
        if (r.pid === 0 && r.op === undefined && r.msgId !== undefined) {
          if (take(answered, r.msgId)) break;
          const op = deferred.get(r.msgId)?.shift();
          if (op !== undefined) {
            if (showSyscalls) lines.push(`${who(0)}-->>${who(r.peer ?? 0)}: ${text(`${op} reply`)}`);
            break;
          }
        }
        lines.push(`${A()}->>${who(r.peer ?? 0)}: ${text(messageLabel(r))}`);
        if (r.kind === 'cache') lines.push(`Note over ${A()}: ${text(`cached, ${r.detail ?? 'past qlimit'} (MACH_SEND_WILL_NOTIFY)`)}`);
        break;
      }
      case 'receive':
        if (r.port !== undefined) receiverOf.set(r.port, r.pid);
        break;
      case 'syscall': {
        const op = r.op ?? `id ${r.msgId}`;
        if (showSyscalls && !servedSend.has(r)) lines.push(`${A()}->>${who(0)}: ${text(op)}`);
        if (r.msgId === undefined) break;
        const reply = replyId(r.msgId);
        if (r.code === undefined) push(deferred, reply, op);
        else {
          answered.set(reply, (answered.get(reply) ?? 0) + 1);
          if (showSyscalls) lines.push(`${who(0)}-->>${A()}: ${text(r.codeName ?? String(r.code))}`);
        }
        break;
      }
      case 'block':
        dying = -1;
        if (!active.has(r.pid)) {
          active.add(r.pid);
          lines.push(`activate ${A()}`);
        }
        break;
      case 'wake': {
        if (active.delete(r.pid)) lines.push(`deactivate ${A()}`);
        // A timed-out trap wakes right after its timeout record: its note already said why.
        const repeat = lastTimeout?.pid === r.pid && lastTimeout.codeName === r.codeName;
        if (r.code !== undefined && r.code !== 0 && !repeat) lines.push(`Note over ${A()}: ${text(r.codeName ?? String(r.code))}`);
        break;
      }
      case 'timeout':
        lines.push(`Note over ${A()}: ${text(r.codeName ?? String(r.code))}`);
        break;
      case 'return':
        lines.push(`Note over ${A()}: ${text(`${r.op ?? 'trap'} ${r.codeName ?? r.code ?? ''}`)}`);
        break;
      case 'destroy': {
        const to = r.port === undefined ? undefined : receiverOf.get(r.port);
        if (to !== undefined) lines.push(`${A()}-x${who(to)}: ${text(`destroyed id ${r.msgId}`)}`);
        else lines.push(`Note over ${A()}: ${text(`destroyed id ${r.msgId} on port ${portName(r)}`)}`);
        break;
      }
      case 'port-death': {
        const rcv = r.port === undefined ? undefined : receiverOf.get(r.port);
        const over = rcv !== undefined && rcv !== 0 ? rcv : dying >= 0 ? dying : 0;
        lines.push(`Note over ${who(over)}: ${text(`port ${portName(r)} dies`)}`);
        break;
      }
      case 'notify': {
        if (r.msgId !== undefined) notified.set(`${r.port}:${r.msgId}`, (notified.get(`${r.port}:${r.msgId}`) ?? 0) + 1);
        if (r.peer !== undefined) {
          if (r.port !== undefined) receiverOf.set(r.port, r.peer);
          lines.push(`${who(0)}-)${who(r.peer)}: ${text(r.op ?? `id ${r.msgId}`)}`);
        } else lines.push(`Note over ${who(0)}: ${text(`${r.op ?? `id ${r.msgId}`} to port ${portName(r)}`)}`);
        break;
      }
      case 'log':
        dying = -1;
        lines.push(`Note over ${A()}: ${text(r.detail ?? '')}`);
        break;
      case 'exit':
        if (active.delete(r.pid)) lines.push(`deactivate ${A()}`);
        lines.push(`Note over ${A()}: ${text(`exit ${r.code ?? ''} (${r.detail ?? ''})`)}`);
        dying = r.pid;
        break;
      case 'deadlock':
        lines.push(`Note over ${span(firstPid, lastPid, who)}: ${text(`deadlock: ${r.detail ?? ''}`, DEADLOCK_MAX)}`);
        break;
      case 'error':
        lines.push(`Note over ${A()}: ${text(`kernel bug: ${r.detail ?? ''}`)}`);
        break;
      case 'state':
        if (r.op === 'running') dying = -1;
        if (showStates) lines.push(`Note over ${A()}: ${text(`${r.from ?? '?'} -> ${r.op ?? '?'}`)}`);
        break;
      case 'switch':
      case 'quantum':
        if (showStates) lines.push(`Note over ${A()}: ${text(`${r.kind} ${r.detail ?? ''}`)}`);
        break;
      case 'trap':
      case 'spawn':
        dying = -1;
        break;
      case 'xstate':
        break;
      default:
        // A kind this renderer does not know yet: show it rather than hide it.
        lines.push(`Note over ${A()}: ${text([r.kind, r.op, r.detail].filter(Boolean).join(' '))}`);
    }
    lastTimeout = r.kind === 'timeout' ? { pid: r.pid, codeName: r.codeName } : null;
    if (lines.length === 0) continue;
    if (drawn < maxEvents) {
      drawn++;
      for (const l of lines) {
        body.push(l);
        if (l.startsWith('activate ')) bars = true;
      }
    } else more++;
  }

  const out = ['sequenceDiagram'];
  if (opts.title !== undefined) out.push(`    title ${text(opts.title)}`);
  const order = Array.from(names.keys());
  for (const pid of used) if (pid !== 0 && !names.has(pid)) order.push(pid);
  const count = new Map<string, number>();
  for (const name of names.values()) count.set(name, (count.get(name) ?? 0) + 1);
  for (const pid of order) {
    const name = names.get(pid) || `task ${pid}`;
    // Tasks that share a name (a forked child keeps its parent's) are told apart by pid.
    out.push(`    participant P${pid} as ${text((count.get(name) ?? 0) > 1 ? `${name}(${pid})` : name)}`);
  }
  if (used.has(0)) out.push('    participant kernel');
  // A note over every participant: from the first declared to the last.
  const first = order.length > 0 ? `P${order[0]}` : used.has(0) ? 'kernel' : null;
  const last = used.has(0) ? 'kernel' : order.length > 0 ? `P${order[order.length - 1]}` : null;
  const over = first === null ? null : first === last ? first : `${first},${last}`;
  if (legend && bars && over) out.push(`    Note over ${over}: ${MERMAID_LEGEND}`);
  for (const l of body) out.push(`    ${l}`);
  if (more > 0 && over) out.push(`    Note over ${over}: … ${more} more events`);
  return out.join('\n');
}

/** The label of a message arrow: its id, the notification's name, then the body's preview (or its size when there is none). */
function messageLabel(r: TraceRecord): string {
  let s = `id ${r.msgId ?? '?'}`;
  if (r.op) s += ` ${r.op}`;
  if (r.text) return `${s}: ${r.text}`;
  if (r.size) s += ` (${r.size} B)`;
  return s;
}

function portName(r: TraceRecord): string {
  return r.portLabel ? `${r.port} ${r.portLabel}` : String(r.port ?? '?');
}

/** `P<first>,P<last>` (or the one participant) over which a note spans every task. */
function span(first: number, last: number, who: (pid: number) => string): string {
  if (first < 0) return who(0);
  return first === last ? who(first) : `${who(first)},${who(last)}`;
}

/** Makes text safe for a Mermaid message or note: no `;`, `#`, `%%` or line breaks, at most max characters. */
function text(s: string, max = TEXT_MAX): string {
  const t = s.replace(/[\r\n\t\u0000-\u001f]+/g, ' ').replace(/;/g, ',').replace(/#/g, 'no.').replace(/%{2,}/g, '%').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

function take<K>(m: Map<K, number>, key: K): boolean {
  const n = m.get(key) ?? 0;
  if (n === 0) return false;
  if (n === 1) m.delete(key);
  else m.set(key, n - 1);
  return true;
}

/** A first-in first-out queue whose shift is O(1) however long it grows. */
class Fifo<V> {
  private readonly items: V[] = [];
  private head = 0;

  push(v: V): void {
    this.items.push(v);
  }

  shift(): V | undefined {
    if (this.head === this.items.length) return undefined;
    const v = this.items[this.head++];
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    return v;
  }
}

function push<K, V>(m: Map<K, Fifo<V>>, key: K, v: V): void {
  let q = m.get(key);
  if (!q) m.set(key, (q = new Fifo<V>()));
  q.push(v);
}
