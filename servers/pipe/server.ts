/**
 * The pipe server: a task (`pipes` in ps, checked in as `pipe`) that serves
 * ordinary pipes, FIFO objects (named pipes, whose names the file server
 * keeps), Windows-style duplex named pipes and the console, built only from
 * system calls.
 *
 * Every pipe end is a port whose receive right the server holds, in one port
 * set it receives on; a descriptor is a send right to one of them. The server
 * learns that an end was closed when its last send right goes away, wherever it
 * was (closed, dropped by exit, never handed to a forked child): it asks for a
 * no-senders notification on the end's own port (as the Hurd's libports does),
 * so the notification arrives on that port and names the end. A stale one (a
 * FIFO's end opened again after the kernel sent it) is told by the port's send
 * rights (`port_get_attributes`), and the request renewed. A reply that could not
 * go (its client died first) made no send right: the request, made after the
 * reply, then fires at once and the end closes.
 *
 * A read that cannot be answered yet (an empty pipe) keeps its send-once reply
 * right; the server answers it when bytes come or the last writer goes (end of
 * file). Writes that wait for room, and FIFO opens that wait for the other side,
 * are kept the same way.
 *
 * @example
 * const k = boot({ seed: 1 });
 * const pipes = startPipes(k, { stdin: 'hello\n' });
 * // … spawn tasks that use posix(sys) …
 * await k.run();
 * pipes.console.text(); // what the tasks wrote to fds 1 and 2
 */
import type { RightToSend } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { EBADF, EBUSY, EINVAL, ENXIO, O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, PIPE_CAPACITY } from '../posix/errno.ts';
import { answerLater, DEFER, fail, ok, serveSet, type Answer, type Request } from '../posix/mig.ts';
import { Channel, type Done } from './channel.ts';
import { IO, PIPE } from './defs.ts';
import { Console, type Duplex, type Fifo, type Pipe, type Stream, type Who } from './objects.ts';

/** The largest capacity a pipe may ask for (16 MiB). */
export const MAX_CAPACITY = 1 << 24;

/** Options of the pipe server. */
export interface PipeServerOptions {
  /** The name it checks in with the name service (default 'pipe'). */
  netname?: string;
  /** The capacity of `pipe()` when none is asked for (default 65,536, Linux's; xv6 has 512). */
  capacity?: number;
  /** What fd 0 (the console's input) reads, then end of file. Default: nothing (end of file at once). */
  stdin?: string | Uint8Array;
}

const EMPTY = new Uint8Array(0);
type Result = Answer | typeof DEFER | undefined;

/** The server's program and its tables; `startPipes` runs it as a daemon task. */
export class PipeServer {
  readonly console = new Console();
  readonly netname: string;
  private readonly capacity: number;
  private readonly stdin: Uint8Array;
  private readonly streams = new Map<number, Stream>();
  private readonly fifos = new Map<number, Fifo>();
  private readonly objects = new Map<number, Pipe | Duplex>();
  private sys!: Sys;
  private set = 0;
  private service = 0;
  private consoleStreams: Stream[] = [];
  private nextId = 1;

  constructor(opts: PipeServerOptions = {}) {
    this.netname = opts.netname ?? 'pipe';
    this.capacity = opts.capacity ?? PIPE_CAPACITY;
    if (!validCapacity(this.capacity)) throw new RangeError(`startPipes: capacity must be a whole number from 1 to ${MAX_CAPACITY}, got ${opts.capacity}`);
    this.stdin = typeof opts.stdin === 'string' ? new TextEncoder().encode(opts.stdin) : (opts.stdin ?? EMPTY);
  }

  /** The task's program: set up the service port and the console, check in, serve forever. */
  async run(sys: Sys): Promise<number> {
    this.sys = sys;
    this.set = (await sys.port_allocate('port-set', 'pipe server set')).name!;
    this.service = await this.newPort('pipe server');
    const input = new Channel<Who>(Math.max(1, this.stdin.length));
    if (this.stdin.length > 0) input.write({ reply: 0, id: 0, pid: 0 }, this.stdin, true);
    input.writeOpen = false;
    this.consoleStreams = [
      await this.newStream('console in', 'console-in', input, null, null),
      await this.newStream('console out', 'console-out', null, null, null),
      await this.newStream('console err', 'console-err', null, null, null),
    ];
    await sys.netname_check_in(this.netname, this.service);
    return serveSet(sys, this.set, (req) => this.handle(req));
  }

  /** One line per pipe, FIFO and duplex pipe: what it holds, which ends are open, who is blocked. */
  status(): string[] {
    const out: string[] = [];
    for (const o of this.objects.values()) {
      if (o.kind === 'pipe') {
        const b = o.ch.blocked;
        out.push(`${o.label}: ${o.ch.buffered} of ${o.ch.capacity} bytes; read end ${o.read.open ? 'open' : 'closed'}, write end ${o.write.open ? 'open' : 'closed'}` +
          `${blockedText('reading', b.readers)}${blockedText('writing', b.writers)}${o.fifo ? waitingText(o.fifo) : ''}`);
      } else {
        out.push(`${o.label}: side 0 ${o.sides[0].open ? 'open' : 'closed'}, side 1 ${o.sides[1].open ? 'open' : 'closed'}; ${o.ab.buffered} + ${o.ba.buffered} bytes${waitingText(o.fifo)}`);
      }
    }
    return out;
  }

  private handle(req: Request): Result | Promise<Result> {
    const s = this.streams.get(req.port);
    if (s) {
      if (req.notification) return this.streamClosed(s, req).then(() => DEFER);
      if (req.id === IO.io_write.id) return this.write(s, req);
      if (req.id === IO.io_read.id) return this.read(s, req);
      if (req.id === IO.io_stat.id) return this.stat(s);
      return undefined;
    }
    const f = this.fifos.get(req.port);
    if (f) {
      if (req.notification) return this.fifoForgotten(f, req).then(() => DEFER);
      return req.id === PIPE.fifo_open.id ? this.fifoOpen(f, req) : undefined;
    }
    if (req.port !== this.service || req.notification) return DEFER;
    if (req.id === PIPE.pipe_create.id) return this.pipeCreate(req);
    if (req.id === PIPE.fifo_create.id) return this.fifoCreate(req);
    if (req.id === PIPE.console_open.id) return this.consoleOpen();
    return undefined;
  }

  // --- io: read, write, stat -------------------------------------------------------
  private async read(s: Stream, req: Request): Promise<Result> {
    if (!s.rd) return fail(EBADF);
    const n = req.body.n;
    if (!Number.isInteger(n) || (n as number) < 0) return fail(EINVAL);
    if (n === 0) return ok({ data: EMPTY });
    const r = s.rd.read(who(req), Math.min(n as number, MAX_CAPACITY), req.body.nonblock === true);
    await this.answer(s.rd.drain()); // the room a read made lets blocked writers go on
    return r === null ? DEFER : { body: r };
  }

  private async write(s: Stream, req: Request): Promise<Result> {
    const data = req.body.data;
    if (!(data instanceof Uint8Array)) return fail(EINVAL);
    if (s.kind === 'console-out' || s.kind === 'console-err') {
      this.console.records.push({ t: this.sys.now(), pid: req.sender, fd: s.kind === 'console-out' ? 1 : 2, text: new TextDecoder().decode(data) });
      return ok({ n: data.length });
    }
    if (!s.wr) return fail(EBADF);
    if (data.length === 0) return ok({ n: 0 });
    const r = s.wr.write(who(req), data, req.body.nonblock === true);
    await this.answer(s.wr.drain()); // the bytes a write put in (even a blocked one's first piece) go to blocked readers
    return r === null ? DEFER : { body: r };
  }

  private stat(s: Stream): Answer {
    const ch = s.rd ?? s.wr;
    return ok({ kind: s.kind, id: s.owner?.id ?? 0, label: s.label, buffered: ch?.buffered ?? 0, capacity: ch?.capacity ?? 0, pipeBuf: ch?.pipeBuf ?? 0 });
  }

  // --- making pipes ----------------------------------------------------------------
  private async pipeCreate(req: Request): Promise<Answer> {
    const capacity = req.body.capacity ?? this.capacity;
    if (!validCapacity(capacity)) return fail(EINVAL);
    const id = this.nextId++;
    const ch = new Channel<Who>(capacity);
    const pipe = { kind: 'pipe', id, label: `pipe ${id}`, ch, fifo: null } as Pipe;
    pipe.read = await this.newStream(`pipe ${id} read end`, 'read', ch, null, pipe);
    pipe.write = await this.newStream(`pipe ${id} write end`, 'write', null, ch, pipe);
    this.objects.set(id, pipe);
    const rights = [this.makeSend(pipe.read), this.makeSend(pipe.write)];
    return ok({ id, pipeBuf: ch.pipeBuf, capacity }, rights, async () => {
      await this.arm(pipe.read);
      await this.arm(pipe.write);
    });
  }

  private async fifoCreate(req: Request): Promise<Answer> {
    const capacity = req.body.capacity ?? this.capacity;
    if (!validCapacity(capacity)) return fail(EINVAL);
    const id = this.nextId++;
    const label = `fifo ${typeof req.body.label === 'string' ? req.body.label : id}`;
    const port = await this.newPort(label);
    let under: Pipe | Duplex;
    if (req.body.duplex === true) {
      const ab = new Channel<Who>(capacity, 'message', false, false);
      const ba = new Channel<Who>(capacity, 'message', false, false);
      const d = { kind: 'duplex', id, label, ab, ba } as Duplex;
      d.sides = [await this.newStream(`${label} side 0`, 'side', ba, ab, d, false), await this.newStream(`${label} side 1`, 'side', ab, ba, d, false)];
      under = d;
    } else {
      const ch = new Channel<Who>(capacity, 'byte', false, false);
      const p = { kind: 'pipe', id, label, ch } as Pipe;
      p.read = await this.newStream(`${label} read end`, 'read', ch, null, p, false);
      p.write = await this.newStream(`${label} write end`, 'write', null, ch, p, false);
      under = p;
    }
    const fifo: Fifo = { id, label, port, linked: true, armed: false, under, waiting: [] };
    under.fifo = fifo;
    this.fifos.set(port, fifo);
    this.objects.set(id, under);
    return ok({ id }, [{ name: port, disposition: 'make-send' }], async () => {
      await this.sys.port_request_notification(port, 'no-senders', port);
      fifo.armed = true;
    });
  }

  private consoleOpen(): Answer {
    return ok({}, this.consoleStreams.map((s) => this.makeSend(s)));
  }

  // --- opening FIFOs ---------------------------------------------------------------
  /** open(2) of a FIFO: blocks until the other side is there (see the file's comment); a duplex pipe gives a side. */
  private async fifoOpen(f: Fifo, req: Request): Promise<Result> {
    const flags = req.body.flags;
    if (!Number.isInteger(flags)) return fail(EINVAL);
    const acc = (flags as number) & O_ACCMODE;
    const nonblock = ((flags as number) & O_NONBLOCK) !== 0;
    const me = who(req);
    const u = f.under;
    if (u.kind === 'duplex') {
      if (acc !== O_RDWR) return fail(EINVAL);
      const taken = (i: number) => u.sides[i]!.open || f.waiting.some((w) => w.access === 'side' && w.side === i);
      if (taken(0) && taken(1)) return fail(EBUSY);
      const mine = taken(0) ? 1 : 0;
      const other = f.waiting.findIndex((w) => w.access === 'side');
      if (other < 0 && !u.sides[1 - mine].open && !nonblock) {
        f.waiting.push({ who: me, access: 'side', side: mine });
        return DEFER;
      }
      if (other >= 0) await this.connect(f.waiting.splice(other, 1)[0]!.who, u.sides[1 - mine]);
      return this.opened(u.sides[mine], 'read-write');
    }
    if (acc !== O_RDONLY && acc !== O_WRONLY) return fail(EINVAL);
    const reading = acc === O_RDONLY;
    const counterpart = reading ? 'write' : 'read';
    const present = (reading ? u.write.open : u.read.open) || f.waiting.some((w) => w.access === counterpart);
    if (!present) {
      if (nonblock && !reading) return fail(ENXIO);
      if (!nonblock) {
        f.waiting.push({ who: me, access: reading ? 'read' : 'write' });
        return DEFER;
      }
    }
    for (const w of f.waiting.filter((x) => x.access === counterpart)) await this.connect(w.who, reading ? u.write : u.read);
    f.waiting = f.waiting.filter((x) => x.access !== counterpart);
    return this.opened(reading ? u.read : u.write, reading ? 'read' : 'write');
  }

  /** Answers a waiting open now (its stream is opened). */
  private async connect(w: Who, s: Stream): Promise<void> {
    const a = this.opened(s, s.kind === 'side' ? 'read-write' : s.kind);
    await answerLater(this.sys, w.reply, w.id, a);
    await a.after?.();
  }

  /** Opens a FIFO's stream for one more holder: the answer carries a new send right. */
  private opened(s: Stream, access: string): Answer {
    s.open = true;
    if (s.rd) s.rd.readOpen = true;
    if (s.wr) s.wr.writeOpen = true;
    return ok({ id: s.owner!.id, label: s.label, access }, [this.makeSend(s)], s.armed ? undefined : () => this.arm(s));
  }

  // --- closing: no-senders -----------------------------------------------------------
  /** The last send right to a stream went away (or, if stale, a new one was made since: ask again). */
  private async streamClosed(s: Stream, req: Request): Promise<void> {
    if (req.notification !== 'no-senders') return;
    s.armed = false;
    // Stale: a send right was made after the kernel sent it (a FIFO opened again). Ask again.
    if (((await this.sys.port_get_attributes(s.port)).srights ?? 0) > 0) return this.arm(s);
    s.open = false;
    const done: Done<Who>[] = [];
    if (s.rd && s.kind !== 'console-in') done.push(...s.rd.setReadOpen(false));
    if (s.wr) done.push(...s.wr.setWriteOpen(false));
    await this.answer(done);
    if (s.owner) await this.maybeFree(s.owner);
  }

  /** Nobody holds the FIFO object any more (unlinked, and no opener holds a copy). */
  private async fifoForgotten(f: Fifo, req: Request): Promise<void> {
    if (req.notification !== 'no-senders') return;
    f.linked = false;
    f.armed = false;
    await this.maybeFree(f.under);
  }

  /** A pipe with every end closed is freed; a FIFO's loses its bytes, and is freed once unlinked too. */
  private async maybeFree(o: Pipe | Duplex): Promise<void> {
    const streams = o.kind === 'pipe' ? [o.read, o.write] : o.sides;
    if (streams.some((s) => s.open)) return;
    if (o.kind === 'pipe') o.ch.reset();
    else (o.ab.reset(), o.ba.reset());
    if (o.fifo && (o.fifo.linked || o.fifo.waiting.length > 0)) return;
    for (const s of streams) {
      this.streams.delete(s.port);
      await this.sys.port_destroy(s.port);
    }
    if (o.fifo) {
      this.fifos.delete(o.fifo.port);
      await this.sys.port_destroy(o.fifo.port);
    }
    this.objects.delete(o.id);
  }

  // --- helpers ----------------------------------------------------------------------
  private async newPort(label: string): Promise<number> {
    const port = (await this.sys.port_allocate('receive', label)).name!;
    await this.sys.port_move_member(port, this.set);
    return port;
  }

  /** A stream's port, in the set; `open` for an ordinary pipe's ends (a FIFO's open when someone opens them). */
  private async newStream(label: string, kind: Stream['kind'], rd: Channel<Who> | null, wr: Channel<Who> | null, owner: Pipe | Duplex | null, open = true): Promise<Stream> {
    const s: Stream = { port: await this.newPort(label), label, kind, rd, wr, armed: false, open, owner };
    this.streams.set(s.port, s);
    return s;
  }

  private makeSend(s: Stream): RightToSend {
    return { name: s.port, disposition: 'make-send' };
  }

  /** Asks for a no-senders notification on the stream's own port. */
  private async arm(s: Stream): Promise<void> {
    if (!this.streams.has(s.port)) return;
    s.armed = true;
    await this.sys.port_request_notification(s.port, 'no-senders', s.port);
  }

  /** Sends the answers of blocked calls that can go on now. */
  private async answer(done: Done<Who>[]): Promise<void> {
    for (const d of done) await answerLater(this.sys, d.who.reply, d.who.id, { body: d.body });
  }
}

function who(req: Request): Who {
  return { reply: req.reply, id: req.id, pid: req.sender };
}

function validCapacity(c: unknown): c is number {
  return Number.isInteger(c) && (c as number) >= 1 && (c as number) <= MAX_CAPACITY;
}

function blockedText(what: string, who: Who[]): string {
  return who.length === 0 ? '' : `; ${who.length} blocked ${what} (pid ${who.map((w) => w.pid).join(', ')})`;
}

function waitingText(f: Fifo): string {
  return f.waiting.length === 0 ? '' : `; ${f.waiting.length} waiting in open (pid ${f.waiting.map((w) => w.who.pid).join(', ')})`;
}
