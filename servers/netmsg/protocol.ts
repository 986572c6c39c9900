/**
 * What NetMsgServers say to each other over UDP, and how it becomes bytes.
 *
 * A **network port** names a port across hosts: `{ at, key }`, the host that holds its
 * receive right now (where messages for it go) and a key unique in the simulation
 * (`'161.25.19.8#3'`: the host that minted it and a number). A right in a message crosses
 * as a `WireRight`: a send right or a send-once right to a network port, a receive right
 * (the port moves to the receiving host, under the key given), or a dead name.
 *
 * Encoding (xmach's choice): a whole frame, message body included, is encoded with V8's
 * serializer, the structured-clone algorithm's own wire format (`node:v8` `serialize`), so
 * any body a message may carry (structured-clone-able: objects, arrays, Maps, Sets, Dates,
 * typed arrays, cycles) arrives equal on the other host, and the packet's size is the true
 * byte count. Same value, same bytes: traces stay deterministic.
 */
import { deserialize, serialize } from 'node:v8';
import type { Frame } from './channel.ts';

/** The UDP port every NetMsgServer binds (above 1024: it needs no privilege; xmach's choice). */
export const NETMSG_UDP_PORT = 2453;

/** Mach 2.5's netname codes the local name service does not give (MM `netname_defs.h`). */
export const NETNAME_NO_SUCH_HOST = 1002;
export const NETNAME_HOST_NOT_FOUND = 1003;

/** A port as hosts name it: where its receive right is, and its key. */
export interface NetPort {
  at: string;
  key: string;
}

/** A right crossing hosts: 'send', 'once' (send-once), 'recv' (the port moves), 'dead'. */
export type WireRight = { r: 'send' | 'once' | 'recv'; np: NetPort } | { r: 'dead' };

/** What one NetMsgServer tells another (the payload of a data frame). */
export type Payload =
  /** A Mach message for the port `to` (its key), with its reply right and carried rights. */
  | { t: 'msg'; to: NetPort; id: number; body: unknown; reply: WireRight | null; rights: WireRight[] }
  /** Look `name` up in your name service (waiting for its check-in); answer with `found`, query q. */
  | { t: 'lookup'; q: number; name: string }
  | { t: 'found'; q: number; np: NetPort }
  /** The port (yours to know as np) has died: its proxies die too. */
  | { t: 'dead'; np: NetPort }
  /** The send-once right you exported as key was destroyed unused here. */
  | { t: 'once-dead'; key: string }
  /** A keepalive (acknowledged like any data frame). */
  | { t: 'ping' };

/** A frame as bytes (a plain Uint8Array, as the socket server wants). */
export function encodeFrame(f: Frame<Payload>): Uint8Array {
  return new Uint8Array(serialize(f));
}

/** Bytes back to a frame; null for bytes that are not one (a stray datagram on the port). */
export function decodeFrame(bytes: Uint8Array): Frame<Payload> | null {
  try {
    const f = deserialize(bytes) as Frame<Payload>;
    return f && (f.k === 'd' || f.k === 'a') && typeof f.e === 'number' && typeof f.s === 'number' ? f : null;
  } catch {
    return null;
  }
}

/** A short text for a payload, for the server's log lines: `msg 1 → B#1 (reply once A#2)`. */
export function describe(p: Payload): string {
  const right = (w: WireRight) => (w.r === 'dead' ? 'dead' : `${w.r} ${w.np.key}`);
  switch (p.t) {
    case 'msg':
      return `msg ${p.id} → ${p.to.key}${p.reply ? ` (reply ${right(p.reply)})` : ''}${p.rights.length ? ` [${p.rights.map(right).join(', ')}]` : ''}`;
    case 'lookup':
      return `lookup '${p.name}'`;
    case 'found':
      return `found ${p.np.key}`;
    case 'dead':
      return `dead ${p.np.key}`;
    case 'once-dead':
      return `once-dead ${p.key}`;
    case 'ping':
      return 'ping';
  }
}
