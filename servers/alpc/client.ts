/**
 * ALPC's client side: open the server's connection port by name, send a
 * connection request, and get — if the server accepts — a communication
 * port of one's own (its receive right) and a send right to the server's
 * communication port for this connection. Then requests that wait for their
 * reply (answering the server's callbacks meanwhile), datagrams, and
 * disconnection.
 *
 * ALPC works between processes on one host: `alpcConnect` refuses another
 * host (the `host` option, or a `\\server\…` name) with STATUS_NOT_SUPPORTED
 * before sending anything. xmach has no hosts yet; when the network issue
 * brings them, this stays the rule, and RPC over the network is the way
 * across hosts.
 */
import { MACH_RCV_TIMED_OUT } from '../../ports/codes.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { ALPC_CONNECT_ID, ALPC_INLINE_LIMIT, Channel, emptyStats, type AlpcMessage, type AlpcStats } from './channel.ts';
import {
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_PORT_CONNECTION_REFUSED,
  STATUS_PORT_DISCONNECTED,
  STATUS_SUCCESS,
  STATUS_TIMEOUT,
} from './status.ts';

/** Host names that mean this host. */
export const LOCAL_HOSTS: readonly string[] = ['localhost', '.', '127.0.0.1', '::1'];

/** Options of `alpcConnect`. */
export interface AlpcConnectOptions {
  /** The server's host: only this one (absent, or one of LOCAL_HOSTS). */
  host?: string;
  /** Data sent with the connection request (at most 256 bytes). */
  data?: Uint8Array;
  /** Answers the server's callbacks (default: an empty reply). */
  onCallback?: (message: AlpcMessage) => Uint8Array | Promise<Uint8Array>;
  /** The largest message copied through the queue (default 256). */
  inlineLimit?: number;
  /** Wait for the name to be checked in (default false: STATUS_OBJECT_NAME_NOT_FOUND at once). */
  wait?: boolean;
  /** ms to wait for the server's answer to the connection request (default: forever). */
  timeout?: number;
}

/** What `alpcConnect` resolves to. */
export interface AlpcConnectResult {
  status: number;
  /** The client's communication port, when accepted. */
  port?: AlpcClientPort;
  /** The server's data with its answer. */
  data?: Uint8Array;
  /** Why, in words, when refused. */
  detail?: string;
}

const OPEN_TIMEOUT = 'the server did not answer the connection request in time';

/**
 * Connects to the server connection port `name`. Resolves to `{ status,
 * port, data }`: STATUS_SUCCESS; STATUS_NOT_SUPPORTED for another host (ALPC
 * is local only; `detail` says so); STATUS_OBJECT_NAME_NOT_FOUND;
 * STATUS_PORT_CONNECTION_REFUSED (the server said no); STATUS_TIMEOUT;
 * STATUS_INVALID_PARAMETER (a bad name or data).
 *
 * @example
 * const c = await alpcConnect(sys, '\\RPC Control\\Bank', { onCallback: (m) => confirm(m.data) });
 * if (c.status === STATUS_SUCCESS) {
 *   const r = await c.port!.sendWaitReceive(new TextEncoder().encode('balance ada'));
 * }
 * await alpcConnect(sys, '\\RPC Control\\Bank', { host: 'fileserver' }); // { status: STATUS_NOT_SUPPORTED, detail: … }
 */
export async function alpcConnect(sys: Sys, name: string, opts: AlpcConnectOptions = {}): Promise<AlpcConnectResult> {
  if (typeof name !== 'string' || !name.startsWith('\\')) return { status: STATUS_INVALID_PARAMETER, detail: 'a port name starts with \\' };
  const unc = name.startsWith('\\\\') ? name.slice(2).split('\\')[0]! : null;
  const host = opts.host ?? unc;
  if (host !== null && host !== undefined && !LOCAL_HOSTS.includes(host.toLowerCase())) {
    return { status: STATUS_NOT_SUPPORTED, detail: `ALPC connects processes on one host only: ${JSON.stringify(host)} is not this host` };
  }
  if (unc !== null) name = `\\${name.slice(2 + unc.length + 1)}`;
  const data = opts.data ?? new Uint8Array(0);
  if (!(data instanceof Uint8Array) || data.length > ALPC_INLINE_LIMIT) return { status: STATUS_INVALID_PARAMETER, detail: 'connection data: a Uint8Array of at most 256 bytes' };
  const found = await sys.netname_look_up(name, { wait: opts.wait === true });
  if (found.code !== 0 || !found.port) return { status: STATUS_OBJECT_NAME_NOT_FOUND, detail: `no ALPC port is named ${name}` };
  const r = await sys.msg_rpc(found.port, { id: ALPC_CONNECT_ID, body: { data } }, opts.timeout === undefined ? {} : { rcvTimeout: opts.timeout });
  await sys.port_deallocate(found.port);
  if (!r.ok) return r.code === MACH_RCV_TIMED_OUT ? { status: STATUS_TIMEOUT, detail: OPEN_TIMEOUT } : { status: STATUS_PORT_DISCONNECTED };
  const body = r.msg.body as { status?: number; data?: Uint8Array } | null;
  const answer = body?.data instanceof Uint8Array ? body.data : new Uint8Array(0);
  const own = r.msg.rights.find((x) => x.right === 'receive');
  const peer = r.msg.rights.find((x) => x.right === 'send');
  if (body?.status !== STATUS_SUCCESS || !own || !peer) {
    return { status: body?.status ?? STATUS_PORT_CONNECTION_REFUSED, data: answer, detail: 'the server refused the connection' };
  }
  await sys.port_set_qlimit(own.name, 64);
  return { status: STATUS_SUCCESS, data: answer, port: new AlpcClientPort(sys, new Channel(sys, peer.name, own.name, emptyStats(), opts.inlineLimit), opts) };
}

/** The client's side of a connection. */
export class AlpcClientPort {
  /** Datagrams that came while a request waited: `receive` hands them out first. */
  private readonly backlog: AlpcMessage[] = [];

  constructor(
    readonly sys: Sys,
    readonly channel: Channel,
    private readonly opts: AlpcConnectOptions,
  ) {}

  get stats(): AlpcStats {
    return this.channel.stats;
  }

  /**
   * Sends a request and waits for its reply, answering the server's
   * callbacks (with `onCallback`) while it waits. Resolves to `{ status,
   * message }`: STATUS_SUCCESS; STATUS_PORT_DISCONNECTED (the server closed
   * the connection or ended); STATUS_TIMEOUT (with `timeout`, ms, per wait);
   * STATUS_INVALID_PARAMETER (data that is not a Uint8Array);
   * STATUS_INVALID_HANDLE after `disconnect`.
   */
  async sendWaitReceive(data: Uint8Array, opts: { timeout?: number } = {}): Promise<{ status: number; message?: AlpcMessage }> {
    const { sys, channel } = this;
    if (!channel.open) return { status: STATUS_INVALID_HANDLE };
    if (!(data instanceof Uint8Array)) return { status: STATUS_INVALID_PARAMETER };
    const rcv = opts.timeout === undefined ? {} : { rcvTimeout: opts.timeout };
    const id = channel.newId();
    const packed = await channel.pack('request', id, data);
    if (packed.status !== STATUS_SUCCESS) return { status: packed.status };
    let r = await sys.msg_send_receive(channel.peer, packed.msg!, channel.own, rcv);
    for (;;) {
      if (!r.ok) {
        if (r.code === MACH_RCV_TIMED_OUT) return { status: STATUS_TIMEOUT };
        await channel.close(true);
        return { status: STATUS_PORT_DISCONNECTED };
      }
      const m = await channel.unpack(r.msg);
      if (m === 'disconnect') {
        await channel.close(true);
        return { status: STATUS_PORT_DISCONNECTED };
      }
      if (m?.kind === 'reply' && m.id === id) return { status: STATUS_SUCCESS, message: m };
      if (m?.kind === 'request') {
        // The server calls back while we wait: answer, and go on waiting for our own reply.
        channel.stats.callbacks++;
        const answer = this.opts.onCallback ? await this.opts.onCallback(m) : new Uint8Array(0);
        const back = await channel.pack('reply', m.id, answer instanceof Uint8Array ? answer : new Uint8Array(0));
        if (back.status !== STATUS_SUCCESS) return { status: back.status };
        r = await sys.msg_send_receive(channel.peer, back.msg!, channel.own, rcv);
        continue;
      }
      if (m?.kind === 'datagram') this.backlog.push(m);
      r = await sys.msg_receive(channel.own, opts.timeout === undefined ? {} : { timeout: opts.timeout });
    }
  }

  /** Sends `data` as a datagram (no reply). Statuses: STATUS_SUCCESS, STATUS_PORT_DISCONNECTED, STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER. */
  async send(data: Uint8Array): Promise<number> {
    const { channel } = this;
    if (!channel.open) return STATUS_INVALID_HANDLE;
    if (!(data instanceof Uint8Array)) return STATUS_INVALID_PARAMETER;
    const packed = await channel.pack('datagram', channel.newId(), data);
    if (packed.status !== STATUS_SUCCESS) return packed.status;
    return (await this.sys.msg_send(channel.peer, packed.msg!)) === 0 ? STATUS_SUCCESS : STATUS_PORT_DISCONNECTED;
  }

  /** Waits for a datagram from the server (those that came during a request first). STATUS_TIMEOUT with `timeout`. */
  async receive(opts: { timeout?: number } = {}): Promise<{ status: number; message?: AlpcMessage }> {
    const queued = this.backlog.shift();
    if (queued) return { status: STATUS_SUCCESS, message: queued };
    const { channel } = this;
    for (;;) {
      if (!channel.open) return { status: STATUS_INVALID_HANDLE };
      const r = await this.sys.msg_receive(channel.own, opts.timeout === undefined ? {} : { timeout: opts.timeout });
      if (!r.ok) return { status: r.code === MACH_RCV_TIMED_OUT ? STATUS_TIMEOUT : STATUS_PORT_DISCONNECTED };
      const m = await channel.unpack(r.msg);
      if (m === 'disconnect') {
        await channel.close(true);
        return { status: STATUS_PORT_DISCONNECTED };
      }
      if (m?.kind === 'datagram') return { status: STATUS_SUCCESS, message: m };
    }
  }

  /** Closes the connection: the server gets a disconnect event; the ports and sections go. */
  disconnect(): Promise<void> {
    return this.channel.close(false);
  }
}
