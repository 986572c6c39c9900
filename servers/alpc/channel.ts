/**
 * One side of an ALPC connection: the communication port it receives on,
 * a send right to the other side's, and the section its large messages go
 * through. Both the server's and the client's side are a `Channel`.
 *
 * A message of up to `ALPC_INLINE_LIMIT` (256) bytes is copied through the
 * port's queue (the kernel copies the body). A larger one is written into
 * the sender's section — a kernel memory region (`region_create`), mapped by
 * both sides — and only its length travels, plus, the first time, a send
 * right to the region (the section handle), which the receiver maps once.
 * The receiver's data is then a view into the section, with no copy: valid
 * until the sender's next large message on this connection (slice it to keep
 * it), as an ALPC view is until it is released.
 */
import type { InMessage, OutMessage, RightToSend } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { STATUS_NO_MEMORY, STATUS_PORT_MESSAGE_TOO_LONG, STATUS_SUCCESS } from './status.ts';

/** The largest message copied through the port's queue; larger ones go through a section. */
export const ALPC_INLINE_LIMIT = 256;
/** The largest message (a section is a region: at most 64 MiB). */
export const ALPC_MAX_MESSAGE = 64 * 1024 * 1024;
/** Mach msgh_id of a connection request (the answer: + 100). */
export const ALPC_CONNECT_ID = 7000;
/** Mach msgh_id of every message on a connection. */
export const ALPC_MESSAGE_ID = 7001;

/** A message's body on the wire. */
export interface Wire {
  kind: 'request' | 'reply' | 'datagram' | 'disconnect';
  /** The message id (a reply carries its request's). */
  id: number;
  /** A request the server makes while the client waits (a callback). */
  callback?: boolean;
  /** The data, when copied through the queue. */
  data?: Uint8Array;
  /** The data's length, when it is in the sender's section. */
  length?: number;
}

/** A message as ALPC hands it to a program. */
export interface AlpcMessage {
  kind: 'request' | 'reply' | 'datagram';
  id: number;
  /** The data: a copy (through the queue), or a view into the sender's section. */
  data: Uint8Array;
  via: 'queue' | 'section';
  callback: boolean;
}

/** What one side did, for comparisons. */
export interface AlpcStats {
  /** Messages sent. */
  sent: number;
  /** Bytes of data copied through port queues (by the kernel). */
  inlineBytes: number;
  /** Bytes of data written into sections (by the sender, once; read in place). */
  sectionBytes: number;
  /** Sections (regions) made. */
  sectionsCreated: number;
  /** Ports made for connections. */
  portsCreated: number;
  /** Callbacks made (server) or answered (client). */
  callbacks: number;
}

/** All figures at zero. */
export const emptyStats = (): AlpcStats => ({ sent: 0, inlineBytes: 0, sectionBytes: 0, sectionsCreated: 0, portsCreated: 0, callbacks: 0 });

const SECTION_MIN = 4096;

/**
 * One side of a connection. Made by the server's accept and the client's
 * connect; not made by programs.
 */
export class Channel {
  /** The sender's section: the region's name, its view, and whether the peer has its handle yet. */
  private section = 0;
  private view: Uint8Array | null = null;
  private handed = false;
  /** The peer's section as mapped here, and its handle. */
  private peerView: Uint8Array | null = null;
  private peerSection = 0;
  private nextId = 1;
  open = true;

  constructor(
    readonly sys: Sys,
    /** A send right to the other side's communication port. */
    readonly peer: number,
    /** The receive right of this side's communication port. */
    readonly own: number,
    readonly stats: AlpcStats,
    readonly inlineLimit = ALPC_INLINE_LIMIT,
  ) {}

  /** A fresh message id. */
  newId(): number {
    return this.nextId++;
  }

  /**
   * The Mach message carrying `data`: inline up to the limit, else through
   * this side's section (made, or grown, on demand). Resolves to a status
   * and the message: STATUS_NO_MEMORY (no region), STATUS_PORT_MESSAGE_TOO_LONG.
   */
  async pack(kind: Wire['kind'], id: number, data: Uint8Array, callback = false): Promise<{ status: number; msg?: OutMessage }> {
    const wire: Wire = { kind, id };
    if (callback) wire.callback = true;
    const msg: OutMessage = { id: ALPC_MESSAGE_ID, body: wire };
    if (data.length <= this.inlineLimit) {
      wire.data = data;
      this.stats.inlineBytes += data.length;
    } else {
      if (data.length > ALPC_MAX_MESSAGE) return { status: STATUS_PORT_MESSAGE_TOO_LONG };
      const status = await this.room(data.length);
      if (status !== STATUS_SUCCESS) return { status };
      this.view!.set(data);
      wire.length = data.length;
      this.stats.sectionBytes += data.length;
      if (!this.handed) {
        msg.rights = [{ name: this.section, disposition: 'copy-send' } satisfies RightToSend];
        this.handed = true;
      }
    }
    this.stats.sent++;
    return { status: STATUS_SUCCESS, msg };
  }

  /** Makes the section, or grows it, to hold n bytes. */
  private async room(n: number): Promise<number> {
    if (this.section === 0) {
      const r = await this.sys.region_create(Math.max(n, SECTION_MIN), true, 'alpc.section');
      if (r.code !== 0 || !r.region) return STATUS_NO_MEMORY;
      const m = await this.sys.region_map(r.region);
      if (m.code !== 0 || !m.view) return STATUS_NO_MEMORY;
      this.section = r.region;
      this.view = m.view;
      this.stats.sectionsCreated++;
    } else if (this.view!.length < n) {
      if ((await this.sys.region_resize(this.section, n)) !== 0) return STATUS_NO_MEMORY;
    }
    return STATUS_SUCCESS;
  }

  /**
   * The message a received Mach message carries, mapping the peer's section
   * the first time its handle comes; `disconnect` when the peer closed;
   * null for something that is not an ALPC message (ignored).
   */
  async unpack(m: InMessage): Promise<AlpcMessage | 'disconnect' | null> {
    const w = m.body as Wire | null;
    if (m.id !== ALPC_MESSAGE_ID || typeof w !== 'object' || w === null || typeof w.id !== 'number') return null;
    if (w.kind === 'disconnect') return 'disconnect';
    if (w.kind !== 'request' && w.kind !== 'reply' && w.kind !== 'datagram') return null;
    const base = { kind: w.kind, id: w.id, callback: w.callback === true };
    if (w.data instanceof Uint8Array) return { ...base, data: w.data, via: 'queue' };
    if (typeof w.length !== 'number') return null;
    const handle = m.rights.find((r) => r.right === 'send');
    if (handle && !this.peerView) {
      const mapped = await this.sys.region_map(handle.name, false);
      if (mapped.code === 0 && mapped.view) {
        this.peerView = mapped.view;
        this.peerSection = handle.name;
      }
    }
    if (!this.peerView || this.peerView.length < w.length) return null;
    return { ...base, data: this.peerView.subarray(0, w.length), via: 'section' };
  }

  /** Sends a disconnect to the peer (unless `quiet`) and releases this side's ports and section. */
  async close(quiet = false): Promise<void> {
    if (!this.open) return;
    this.open = false;
    if (!quiet) await this.sys.msg_send(this.peer, { id: ALPC_MESSAGE_ID, body: { kind: 'disconnect', id: 0 } satisfies Wire }, { policy: 'return' });
    await this.sys.port_deallocate(this.peer);
    await this.sys.port_destroy(this.own);
    for (const region of [this.section, this.peerSection]) {
      if (region === 0) continue;
      await this.sys.region_unmap(region);
      await this.sys.port_deallocate(region);
    }
  }
}
