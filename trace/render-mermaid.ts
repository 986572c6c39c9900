import { replyId } from '../ports/message.ts';
import { traceHosts } from './hosts.ts';
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
  /** A trace of several hosts: their addresses, the default host first (`k.hosts`), to name the default host's box. */
  hosts?: readonly string[];
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
 *   notification is skipped (also for an id that has no notification's name, such as a
 *   packet arriving on a host's device port, 4150). A notification to a port no task receives is a note over kernel.
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
 * Several hosts (some record carries `host`): each host is a `box host <address>` of its
 * tasks' participants and its own `kernel` (tasks and ports are per host, so `P1` on one
 * host and `P1` on another are two participants: `P1` and `H1P1`, `kernel` and `H1kernel`,
 * the H number being the host's place in the list, the default host's without one). A
 * 'packet' record is an arrow between the two hosts' network servers (the task that
 * attached the host's device with `net_attach`, else the host's kernel):
 * `A--)B: packet <seq>: <size> B <label>`, with `(duplicated)` or `(reordered)` after it, or
 * `A--xB: … (lost)` / `(partitioned)`; a packet to an address no record names is a note
 * over its sender. A one-host trace is drawn as before (a packet is a note).
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

  // Participants are keys: `P<pid>` and `kernel` on the default host (or the only one),
  // `H<i>P<pid>` and `H<i>kernel` on the i-th other host.
  const hosts = traceHosts(records, opts.hosts);
  const hostIndex = new Map<string, number>(hosts?.list.map((h, i) => [h, i]) ?? []);
  const hostOf = (r: TraceRecord): number => (hosts === null ? 0 : hostIndex.get(hosts.of(r))!);
  const keyOf = (h: number, pid: number): string => `${h === 0 ? '' : `H${h}`}${pid === 0 ? 'kernel' : `P${pid}`}`;
  /** A record's own key for per-host tables (ports, message ids): the number itself on one host. */
  const scoped = hosts === null ? (_r: TraceRecord, x: string | number): string | number => x : (r: TraceRecord, x: string | number): string | number => `${hostOf(r)}:${x}`;

  // Tasks in order of first appearance, with their names, pids and hosts.
  const names = new Map<string, string>();
  const info = new Map<string, { pid: number; host: number }>();
  const meet = (h: number, pid: number, name: string): void => {
    const k = keyOf(h, pid);
    if (names.has(k)) return;
    names.set(k, name);
    info.set(k, { pid, host: h });
  };
  /** A host's network server (the task that attached its device), by host index. */
  const netServer = new Map<number, string>();
  for (const r of records) {
    const h = hostOf(r);
    if (r.pid !== 0) meet(h, r.pid, r.task);
    if (r.peer !== undefined && r.peer !== 0 && r.peerTask !== undefined && r.kind !== 'spawn') meet(h, r.peer, r.peerTask);
    if (hosts !== null && r.kind === 'syscall' && r.op === 'net_attach' && r.code === 0 && !netServer.has(h)) netServer.set(h, keyOf(h, r.pid));
  }
  const used = new Set<string>();
  const who = (k: string): string => {
    used.add(k);
    return k;
  };
  const kernelOf = (r: TraceRecord): string => keyOf(hostOf(r), 0);

  // System-call requests: the send seq → the syscall record that served it.
  const requestOf = new Map<number, TraceRecord>();
  const servedSend = new Set<TraceRecord>();
  {
    const pending = new Map<string | number, Fifo<number>>();
    for (const r of records) {
      if (r.kind === 'send' && r.pid !== 0 && r.peer === 0) {
        push(pending, scoped(r, `${r.pid}:${r.port}:${r.msgId}`), r.seq);
      } else if (r.kind === 'syscall') {
        const seq = pending.get(scoped(r, `${r.pid}:${r.port}:${r.msgId}`))?.shift();
        if (seq !== undefined) {
          requestOf.set(seq, r);
          servedSend.add(r);
        }
      }
    }
  }
  /** msgId of a reply the syscall record already drew → how many to skip. */
  const answered = new Map<string | number, number>();
  /** msgId of a deferred reply → the syscall names waiting for it (FIFO). */
  const deferred = new Map<string | number, Fifo<string>>();
  /** `port:msgId` of a notification drawn by its 'notify' record → how many sends to skip. */
  const notified = new Map<string | number, number>();
  /** Port id → the participant last seen receiving on it (a kernel: the host's kernel). */
  const receiverOf = new Map<string | number, string>();
  const active = new Set<string>();
  /** The participant whose exit is being torn down (its ports die now), or null. */
  let dying: string | null = null;
  /** The timeout drawn by the previous record, to not repeat its code at the wake. */
  let lastTimeout = null as { who: string; codeName: string | undefined } | null;

  const body: string[] = [];
  let drawn = 0;
  let more = 0;
  /** An activation bar was drawn: the legend is worth its line. */
  let bars = false;

  for (const r of records) {
    const lines: string[] = [];
    const h = hostOf(r);
    const me = keyOf(h, r.pid);
    const A = (): string => who(me);
    const peer = (pid: number): string => who(keyOf(h, pid));
    switch (r.kind) {
      case 'send':
      case 'cache': {
        if (r.port !== undefined && r.peer !== undefined) receiverOf.set(scoped(r, r.port), keyOf(h, r.peer));
        if (r.pid === 0 && take(notified, scoped(r, `${r.port}:${r.msgId}`))) break;
        const call = requestOf.get(r.seq);
        if (call) {
          if (showSyscalls) lines.push(`${A()}->>${who(kernelOf(r))}: ${text(call.op ?? `id ${r.msgId}`)}`);
          break;
        }
        if (r.pid === 0 && r.op === undefined && r.msgId !== undefined) {
          if (take(answered, scoped(r, r.msgId))) break;
          const op = deferred.get(scoped(r, r.msgId))?.shift();
          if (op !== undefined) {
            if (showSyscalls) lines.push(`${who(kernelOf(r))}-->>${peer(r.peer ?? 0)}: ${text(`${op} reply`)}`);
            break;
          }
        }
        lines.push(`${A()}->>${peer(r.peer ?? 0)}: ${text(messageLabel(r))}`);
        if (r.kind === 'cache') lines.push(`Note over ${A()}: ${text(`cached, ${r.detail ?? 'past qlimit'} (MACH_SEND_WILL_NOTIFY)`)}`);
        break;
      }
      case 'receive':
        if (r.port !== undefined) receiverOf.set(scoped(r, r.port), me);
        break;
      case 'syscall': {
        const op = r.op ?? `id ${r.msgId}`;
        if (showSyscalls && !servedSend.has(r)) lines.push(`${A()}->>${who(kernelOf(r))}: ${text(op)}`);
        if (r.msgId === undefined) break;
        const reply = scoped(r, replyId(r.msgId));
        if (r.code === undefined) push(deferred, reply, op);
        else {
          answered.set(reply, (answered.get(reply) ?? 0) + 1);
          if (showSyscalls) lines.push(`${who(kernelOf(r))}-->>${A()}: ${text(r.codeName ?? String(r.code))}`);
        }
        break;
      }
      case 'block':
        dying = null;
        if (!active.has(me)) {
          active.add(me);
          lines.push(`activate ${A()}`);
        }
        break;
      case 'wake': {
        if (active.delete(me)) lines.push(`deactivate ${A()}`);
        // A timed-out trap wakes right after its timeout record: its note already said why.
        const repeat = lastTimeout?.who === me && lastTimeout.codeName === r.codeName;
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
        const to = r.port === undefined ? undefined : receiverOf.get(scoped(r, r.port));
        if (to !== undefined) lines.push(`${A()}-x${who(to)}: ${text(`destroyed id ${r.msgId}`)}`);
        else lines.push(`Note over ${A()}: ${text(`destroyed id ${r.msgId} on port ${portName(r)}`)}`);
        break;
      }
      case 'port-death': {
        const rcv = r.port === undefined ? undefined : receiverOf.get(scoped(r, r.port));
        const over = rcv !== undefined && rcv !== kernelOf(r) ? rcv : (dying ?? kernelOf(r));
        lines.push(`Note over ${who(over)}: ${text(`port ${portName(r)} dies`)}`);
        break;
      }
      case 'notify': {
        if (r.msgId !== undefined) {
          const n = scoped(r, `${r.port}:${r.msgId}`);
          notified.set(n, (notified.get(n) ?? 0) + 1);
        }
        if (r.peer !== undefined) {
          if (r.port !== undefined) receiverOf.set(scoped(r, r.port), keyOf(h, r.peer));
          lines.push(`${who(kernelOf(r))}-)${peer(r.peer)}: ${text(r.op ?? `id ${r.msgId}`)}`);
        } else lines.push(`Note over ${who(kernelOf(r))}: ${text(`${r.op ?? `id ${r.msgId}`} to port ${portName(r)}`)}`);
        break;
      }
      case 'log':
        dying = null;
        lines.push(`Note over ${A()}: ${text(r.detail ?? '')}`);
        break;
      case 'exit':
        if (active.delete(me)) lines.push(`deactivate ${A()}`);
        lines.push(`Note over ${A()}: ${text(`exit ${r.code ?? ''} (${r.detail ?? ''})`)}`);
        dying = me;
        break;
      case 'deadlock':
        lines.push(`Note over ${span(names, who, kernelOf(r))}: ${text(`deadlock: ${r.detail ?? ''}`, DEADLOCK_MAX)}`);
        break;
      case 'error':
        lines.push(`Note over ${A()}: ${text(`kernel bug: ${r.detail ?? ''}`)}`);
        break;
      case 'state':
        if (r.op === 'running') dying = null;
        if (showStates) lines.push(`Note over ${A()}: ${text(`${r.from ?? '?'} -> ${r.op ?? '?'}`)}`);
        break;
      case 'switch':
      case 'quantum':
        if (showStates) lines.push(`Note over ${A()}: ${text(`${r.kind} ${r.detail ?? ''}`)}`);
        break;
      case 'trap':
      case 'spawn':
        dying = null;
        break;
      case 'xstate':
        break;
      default:
        if (r.kind === 'packet' && hosts !== null && r.src !== undefined && r.dst !== undefined) {
          lines.push(packetLine(r, hostIndex, (i) => who(netServer.get(i) ?? keyOf(i, 0))));
          break;
        }
        // A kind this renderer does not know yet (or a packet in a one-host trace): show it rather than hide it.
        lines.push(`Note over ${A()}: ${text([r.kind, r.op, r.detail].filter(Boolean).join(' '))}`);
    }
    lastTimeout = r.kind === 'timeout' ? { who: me, codeName: r.codeName } : null;
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
  for (const k of used) {
    if (names.has(k) || k.endsWith('kernel')) continue;
    // A participant only ever named as a peer: its pid is after the last P.
    const at = k.lastIndexOf('P');
    const h = k.startsWith('H') ? Number(k.slice(1, at)) : 0;
    order.push(k);
    info.set(k, { pid: Number(k.slice(at + 1)), host: h });
  }
  const count = new Map<string, number>();
  for (const [k, name] of names) {
    const c = `${info.get(k)!.host}|${name}`;
    count.set(c, (count.get(c) ?? 0) + 1);
  }
  /** The declared participants, in order (the legend and the deadlock note span them). */
  const declared: string[] = [];
  const declare = (k: string, indent: string): void => {
    const { pid, host } = info.get(k)!;
    const name = names.get(k) || `task ${pid}`;
    // Tasks of one host that share a name (a forked child keeps its parent's) are told apart by pid.
    out.push(`${indent}participant ${k} as ${text((count.get(`${host}|${name}`) ?? 0) > 1 ? `${name}(${pid})` : name)}`);
    declared.push(k);
  };
  if (hosts === null) {
    for (const k of order) declare(k, '    ');
    if (used.has('kernel')) {
      out.push('    participant kernel');
      declared.push('kernel');
    }
  } else {
    hosts.list.forEach((addr, h) => {
      const mine = order.filter((k) => info.get(k)!.host === h);
      const kernel = keyOf(h, 0);
      if (mine.length === 0 && !used.has(kernel)) return;
      out.push(`    box host ${text(addr)}`);
      for (const k of mine) declare(k, '        ');
      if (used.has(kernel)) {
        out.push(`        participant ${kernel} as kernel`);
        declared.push(kernel);
      }
      out.push('    end');
    });
  }
  // A note over every participant: from the first declared to the last.
  const first = declared[0];
  const last = declared[declared.length - 1];
  const over = first === undefined ? null : first === last ? first : `${first},${last}`;
  if (legend && bars && over) out.push(`    Note over ${over}: ${MERMAID_LEGEND}`);
  for (const l of body) out.push(`    ${l}`);
  if (more > 0 && over) out.push(`    Note over ${over}: … ${more} more events`);
  return out.join('\n');
}

/** A packet between hosts: an arrow between their network servers (`--x` when it did not arrive). */
function packetLine(r: TraceRecord, hostIndex: ReadonlyMap<string, number>, endpoint: (host: number) => string): string {
  const from = hostIndex.get(r.src!);
  const to = hostIndex.get(r.dst!);
  const prefix = `${r.src} → ${r.dst}`;
  const label = r.detail?.startsWith(prefix) ? r.detail.slice(prefix.length).trim() : '';
  const what = `packet ${r.ref ?? '?'}: ${r.size ?? 0} B${label ? ` ${label}` : ''}`;
  if (from === undefined || to === undefined) {
    const at = from !== undefined ? endpoint(from) : endpoint(0);
    return `Note over ${at}: ${text(`${what} ${r.src} → ${r.dst} (${r.op ?? '?'})`)}`;
  }
  const fate = r.op ?? 'delivered';
  const lost = fate === 'lost' || fate === 'partitioned' || fate === 'no-route';
  return `${endpoint(from)}${lost ? '--x' : '--)'}${endpoint(to)}: ${text(fate === 'delivered' ? what : `${what} (${fate})`)}`;
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

/** `P<first>,P<last>` (or the one participant) over which a note spans every task: the first and last task met (or the kernel). */
function span(names: ReadonlyMap<string, string>, who: (k: string) => string, kernel: string): string {
  let first: string | undefined;
  let last: string | undefined;
  for (const k of names.keys()) {
    first ??= k;
    last = k;
  }
  if (first === undefined || last === undefined) return who(kernel);
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
