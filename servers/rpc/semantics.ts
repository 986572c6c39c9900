/**
 * The three failure semantics a client may choose, and what each costs and
 * promises when the network loses or duplicates messages:
 *
 * | semantics       | client                                   | server                         | a call executes |
 * |---|---|---|---|
 * | `at-least-once` | retransmits on time-out (default 5 tries) | anonymous (AUTH_NONE): every copy runs | ≥ 1 time when a reply came; maybe twice or more |
 * | `at-most-once`  | sends once (default 1 try), may give up   | history of (client, xid) → reply answers duplicates | 0 or 1 time |
 * | `exactly-once`  | retransmits until a reply (default 50 tries), then acknowledges it | history, entry dropped on the ack | 1 time when a reply came |
 *
 * The guarantee of the last two holds while every copy of a call reaches the
 * server before its history entry expires (`tries × timeout` plus the
 * network's delay, below the server's `historyTtl`, 1000 ms by default).
 */

/** Which failure semantics a client asks for. */
export type Semantics = 'at-least-once' | 'at-most-once' | 'exactly-once';

export const SEMANTICS: readonly Semantics[] = ['at-least-once', 'at-most-once', 'exactly-once'];

/** Default tries per call (the first transmission included), by semantics. */
export const DEFAULT_TRIES: Readonly<Record<Semantics, number>> = { 'at-least-once': 5, 'at-most-once': 1, 'exactly-once': 50 };

/** Default time a client waits for a reply before it counts a try as lost, ms of virtual time. */
export const DEFAULT_TIMEOUT = 10;

/** Default life of a server's history entry, ms. */
export const DEFAULT_HISTORY_TTL = 1000;

/**
 * The acknowledgement program (exactly-once): a batched call (no reply, RFC
 * 5531 §7.4.1) to program `RPC_ACK_PROG` (in the transient range
 * 0x40000000–0x5fffffff), version 1, procedure `RPC_ACK_PROC`, whose
 * argument is the xid acknowledged, with the caller's credential. Every
 * xmach RPC server understands it, whatever programs it serves.
 */
export const RPC_ACK_PROG = 0x4000_0000;
export const RPC_ACK_VERS = 1;
export const RPC_ACK_PROC = 1;
