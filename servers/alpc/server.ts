/**
 * ALPC's server side (Windows' advanced local procedure call), built from
 * Mach ports: a named server connection port, checked in with the name
 * service; connection requests arrive there; accepting one creates two
 * private communication ports — the server's (it receives the client's
 * messages) and the client's (its receive right moves to the client) — so
 * each connection is a private pair, as in ALPC. The server receives on one
 * port set holding the connection port and every server communication port
 * (ALPC queues a connection's messages to its connection port the same way),
 * and learns of a client's end by a dead-name notification (ALPC's
 * LPC_CLIENT_DIED).
 */
import { MACH_RCV_TIMED_OUT } from '../../ports/codes.ts';
import type { InMessage } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { ALPC_CONNECT_ID, ALPC_INLINE_LIMIT, Channel, emptyStats, type AlpcMessage, type AlpcStats } from './channel.ts';
import {
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_PORT_CONNECTION_REFUSED,
  STATUS_PORT_DISCONNECTED,
  STATUS_SUCCESS,
  STATUS_TIMEOUT,
} from './status.ts';

/** A client's connection request, as the server receives it. */
export interface ConnectionRequest {
  /** The client's pid. */
  clientPid: number;
  /** What the client sent with its request (a copy). */
  data: Uint8Array;
  /** The client's reply right (internal). */
  readonly reply: number;
}

/** What `receive` gives the server. */
export type AlpcEvent =
  | { kind: 'connect'; status: 0; request: ConnectionRequest }
  | { kind: 'request' | 'datagram'; status: 0; conn: AlpcConnection; message: AlpcMessage }
  | { kind: 'disconnect'; status: 0; conn: AlpcConnection; why: 'closed' | 'client ended' }
  | { kind: 'failed'; status: number };

/** Options of the server connection port. */
export interface AlpcPortOptions {
  /** The largest message copied through the queue (default 256); larger ones go through a section. */
  inlineLimit?: number;
  /** Log connections, callbacks and disconnections. */
  log?: boolean;
}

/**
 * Creates a server connection port named `name` (`\RPC Control\…`, checked
 * in with the name service under that name). Resolves to `{ status, port }`:
 * STATUS_SUCCESS, STATUS_OBJECT_NAME_COLLISION (the name is taken),
 * STATUS_INVALID_PARAMETER (a name that does not start with one `\`).
 *
 * @example
 * const { status, port } = await alpcCreatePort(sys, '\\RPC Control\\Bank');
 * for (;;) {
 *   const ev = await port!.receive();
 *   if (ev.kind === 'connect') await port!.accept(ev.request);
 *   else if (ev.kind === 'request') await ev.conn.reply(ev.message, answer(ev.message.data));
 * }
 */
export async function alpcCreatePort(sys: Sys, name: string, opts: AlpcPortOptions = {}): Promise<{ status: number; port?: AlpcServerPort }> {
  if (typeof name !== 'string' || !name.startsWith('\\') || name.startsWith('\\\\') || name.length < 2) return { status: STATUS_INVALID_PARAMETER };
  const conn = (await sys.port_allocate('receive', `alpc:${name}`)).name!;
  const deaths = (await sys.port_allocate('receive', 'alpc.deaths')).name!;
  const set = (await sys.port_allocate('port-set', 'alpc.in')).name!;
  await sys.port_set_qlimit(conn, 64);
  await sys.port_move_member(conn, set);
  await sys.port_move_member(deaths, set);
  if ((await sys.netname_check_in(name, conn)) !== 0) {
    await sys.port_destroy(set);
    await sys.port_destroy(conn);
    await sys.port_destroy(deaths);
    return { status: STATUS_OBJECT_NAME_COLLISION };
  }
  return { status: STATUS_SUCCESS, port: new AlpcServerPort(sys, name, conn, set, deaths, opts) };
}

/** A server connection port and the connections accepted on it. */
export class AlpcServerPort {
  readonly stats: AlpcStats = emptyStats();
  /** Messages taken off the set while waiting for a callback's reply: handed out first. */
  private readonly backlog: InMessage[] = [];
  /** Connections by the name of their server communication port, and by their send right to the client's. */
  private readonly byOwn = new Map<number, AlpcConnection>();
  private readonly byPeer = new Map<number, AlpcConnection>();
  private closed = false;

  constructor(
    readonly sys: Sys,
    readonly name: string,
    private readonly connPort: number,
    private readonly set: number,
    private readonly deaths: number,
    private readonly opts: AlpcPortOptions,
  ) {}

  private numbered = 0;
  /** The next connection's number (1, 2, …). */
  numberNext(): number {
    return ++this.numbered;
  }

  /** Open connections. */
  get connections(): number {
    return this.byOwn.size;
  }

  /**
   * Waits for the next event: a connection request, a request or datagram
   * on a connection, or a disconnection (the client closed, or ended). With
   * `timeout` (ms) resolves to `{ kind: 'failed', status: STATUS_TIMEOUT }`
   * when nothing came; STATUS_INVALID_HANDLE once the port is closed.
   */
  async receive(opts: { timeout?: number } = {}): Promise<AlpcEvent> {
    for (;;) {
      const m = await this.next(opts.timeout);
      if (typeof m === 'number') return { kind: 'failed', status: m };
      const ev = await this.event(m);
      if (ev) return ev;
    }
  }

  /** The next Mach message: the backlog first, then the port set. A number: a status. */
  async next(timeout?: number): Promise<InMessage | number> {
    if (this.closed) return STATUS_INVALID_HANDLE;
    const queued = this.backlog.shift();
    if (queued) return queued;
    const r = await this.sys.msg_receive(this.set, timeout === undefined ? {} : { timeout });
    if (r.ok) return r.msg;
    return r.code === MACH_RCV_TIMED_OUT ? STATUS_TIMEOUT : STATUS_INVALID_HANDLE;
  }

  /** Puts a message aside for `receive` (it came while a callback waited). */
  defer(m: InMessage): void {
    this.backlog.push(m);
  }

  /** The event a message is, or null for one to ignore. */
  private async event(m: InMessage): Promise<AlpcEvent | null> {
    if (m.notification === 'dead-name') {
      const conn = this.byPeer.get((m.body as { name: number }).name);
      if (!conn) return null;
      await this.forget(conn, true);
      return { kind: 'disconnect', status: 0, conn, why: 'client ended' };
    }
    if (m.notification !== null) return null;
    if (m.port === this.connPort) {
      if (m.id !== ALPC_CONNECT_ID || m.reply === 0) return null;
      const body = m.body as { data?: unknown } | null;
      const data = body?.data instanceof Uint8Array ? body.data : new Uint8Array(0);
      return { kind: 'connect', status: 0, request: { clientPid: m.sender, data, reply: m.reply } };
    }
    const conn = this.byOwn.get(m.port);
    if (!conn) return null;
    const msg = await conn.channel.unpack(m);
    if (msg === 'disconnect') {
      await this.forget(conn, true);
      return { kind: 'disconnect', status: 0, conn, why: 'closed' };
    }
    if (!msg || msg.kind === 'reply') return null; // a late callback reply: nobody waits for it
    return { kind: msg.kind, status: 0, conn, message: msg };
  }

  /**
   * Answers a connection request. Accepting creates the two communication
   * ports and moves the client's to it; refusing answers
   * STATUS_PORT_CONNECTION_REFUSED. `data` goes back to the client either
   * way. Resolves to `{ status, conn }` (the server's side of the new connection).
   */
  async accept(req: ConnectionRequest, opts: { accept?: boolean; data?: Uint8Array } = {}): Promise<{ status: number; conn?: AlpcConnection }> {
    const { sys } = this;
    const data = opts.data ?? new Uint8Array(0);
    if (!(data instanceof Uint8Array) || data.length > ALPC_INLINE_LIMIT) return { status: STATUS_INVALID_PARAMETER };
    if (opts.accept === false) {
      await sys.msg_send(req.reply, { id: ALPC_CONNECT_ID + 100, body: { status: STATUS_PORT_CONNECTION_REFUSED, data } }, { policy: 'return' });
      if (this.opts.log) sys.log(`${this.name}: connection from pid ${req.clientPid} refused`);
      return { status: STATUS_SUCCESS };
    }
    const own = (await sys.port_allocate('receive', 'alpc.server-comm')).name!;
    const peer = (await sys.port_allocate('receive', 'alpc.client-comm')).name!;
    this.stats.portsCreated += 2;
    // A send right of our own to the client's port, made from its receive right before that moves to the client.
    await sys.msg_send(peer, { id: 0, rights: [{ name: peer, disposition: 'make-send' }] });
    await sys.msg_receive(peer);
    await sys.port_set_qlimit(own, 64);
    await sys.port_move_member(own, this.set);
    await sys.port_request_notification(peer, 'dead-name', this.deaths);
    const code = await sys.msg_send(req.reply, {
      id: ALPC_CONNECT_ID + 100,
      body: { status: STATUS_SUCCESS, data },
      rights: [
        { name: peer, disposition: 'move-receive' },
        { name: own, disposition: 'make-send' },
      ],
    });
    const conn = new AlpcConnection(this, new Channel(sys, peer, own, this.stats, this.opts.inlineLimit), req.clientPid);
    if (code !== 0) {
      await conn.channel.close(true);
      return { status: STATUS_PORT_DISCONNECTED };
    }
    this.byOwn.set(own, conn);
    this.byPeer.set(peer, conn);
    if (this.opts.log) sys.log(`${this.name}: connection ${conn.id} from pid ${req.clientPid} accepted`);
    return { status: STATUS_SUCCESS, conn };
  }

  /** Forgets a connection and releases its ports. */
  async forget(conn: AlpcConnection, peerGone: boolean): Promise<void> {
    this.byOwn.delete(conn.channel.own);
    this.byPeer.delete(conn.channel.peer);
    if (this.opts.log) this.sys.log(`${this.name}: connection ${conn.id} ${peerGone ? 'closed by the client' : 'closed'}`);
    await conn.channel.close(peerGone);
  }

  /** Closes every connection and the connection port; the name goes with it. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const conn of [...this.byOwn.values()]) await this.forget(conn, false);
    this.closed = true;
    await this.sys.netname_check_out(this.name);
    await this.sys.port_destroy(this.set);
    await this.sys.port_destroy(this.connPort);
    await this.sys.port_destroy(this.deaths);
  }
}

/** The server's side of one connection: reply to its requests, send it datagrams, call it back. */
export class AlpcConnection {
  /** The connection's number on its server port (1, 2, …). */
  readonly id: number;

  constructor(
    private readonly server: AlpcServerPort,
    readonly channel: Channel,
    /** The client's pid. */
    readonly clientPid: number,
  ) {
    this.id = server.numberNext();
  }

  /** Replies to request `to` with `data`. Statuses: STATUS_SUCCESS, STATUS_PORT_DISCONNECTED, STATUS_INVALID_PARAMETER, those of a section. */
  async reply(to: AlpcMessage, data: Uint8Array): Promise<number> {
    return this.post('reply', to.id, data);
  }

  /** Sends `data` as a datagram (no reply expected). */
  async send(data: Uint8Array): Promise<number> {
    return this.post('datagram', this.channel.newId(), data);
  }

  /**
   * Calls the client back: sends a request to the client's communication port
   * and waits for its reply (the client answers while it waits on its own
   * request). Other messages that come meanwhile wait for `receive`.
   * Resolves to `{ status, message }`; STATUS_PORT_DISCONNECTED when the
   * client went away first.
   */
  async callback(data: Uint8Array): Promise<{ status: number; message?: AlpcMessage }> {
    const id = this.channel.newId();
    const status = await this.post('request', id, data, true);
    if (status !== STATUS_SUCCESS) return { status };
    this.server.stats.callbacks++;
    for (;;) {
      const m = await this.server.next();
      if (typeof m === 'number') return { status: m };
      if (m.port === this.channel.own) {
        const msg = await this.channel.unpack(m);
        if (msg === 'disconnect') {
          await this.server.forget(this, true);
          return { status: STATUS_PORT_DISCONNECTED };
        }
        if (msg?.kind === 'reply' && msg.id === id) return { status: STATUS_SUCCESS, message: msg };
      }
      if (m.notification === 'dead-name' && (m.body as { name: number }).name === this.channel.peer) {
        this.server.defer(m);
        return { status: STATUS_PORT_DISCONNECTED };
      }
      this.server.defer(m);
    }
  }

  private async post(kind: 'request' | 'reply' | 'datagram', id: number, data: Uint8Array, callback = false): Promise<number> {
    if (!this.channel.open) return STATUS_PORT_DISCONNECTED;
    if (!(data instanceof Uint8Array)) return STATUS_INVALID_PARAMETER;
    const { status, msg } = await this.channel.pack(kind, id, data, callback);
    if (status !== STATUS_SUCCESS) return status;
    const code = await this.server.sys.msg_send(this.channel.peer, msg!);
    return code === 0 ? STATUS_SUCCESS : STATUS_PORT_DISCONNECTED;
  }

  /** Closes the connection from the server's side (the client's next call gets STATUS_PORT_DISCONNECTED). */
  close(): Promise<void> {
    return this.server.forget(this, false);
  }
}
