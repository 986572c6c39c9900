/**
 * The matchmaker's interface: the port mapper, ONC RPC program 100000
 * version 2 (RFC 1833 §3), as data. `PMAPPROC_CALLIT` (5, indirect calls
 * through the mapper) is not served: asking for it gets PROC_UNAVAIL.
 *
 *   struct mapping { unsigned prog; unsigned vers; unsigned prot; unsigned port; };
 *   struct *pmaplist { mapping map; pmaplist next; };
 *   program PMAP_PROG { version PMAP_VERS {
 *     bool PMAPPROC_SET(mapping) = 1;   bool PMAPPROC_UNSET(mapping) = 2;
 *     unsigned PMAPPROC_GETPORT(mapping) = 3;   pmaplist PMAPPROC_DUMP(void) = 4;
 *   } = 2; } = 100000;
 *
 * How it is reached on one host: the daemon checks its port in with the name
 * service as `portmap` (`PORTMAP_NAME`), standing in for UDP and TCP port 111
 * (`PMAP_PORT`); across hosts, servers/portmap's `portmapper` serves the same
 * program on UDP 111 and checks the same name in. Mappings of the Mach transport have protocol
 * `IPPROTO_MACH`; their `port` is a number the mapper assigns (from 1024,
 * standing in for the UDP port a server would bind), and the capability
 * itself, a send right, travels beside the bytes: with SET (the server's
 * port) and with GETPORT's reply (a copy for the client).
 */
import { defineProgram } from './interface.ts';
import { xdr, type Value, type XdrType } from './xdr.ts';

/** The name the matchmaker's port is checked in under: the stand-in for port 111. */
export const PORTMAP_NAME = 'portmap';
/** The port mapper's well-known port on a network (for when sockets land). */
export const PMAP_PORT = 111;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
/** The Mach transport's protocol number in mappings (not an IANA number; rpcbind v3 would call it netid "local"). */
export const IPPROTO_MACH = 1000;
/** The first port number the matchmaker assigns when a server asks for any (port 0). */
export const FIRST_ASSIGNED_PORT = 1024;

/** `struct mapping`. */
export const mapping = xdr.struct([['prog', xdr.unsigned], ['vers', xdr.unsigned], ['prot', xdr.unsigned], ['port', xdr.unsigned]]);
export type Mapping = Value<typeof mapping>;

/** One cell of `pmaplist`, the linked list DUMP answers. */
export interface PmapEntry {
  map: Mapping;
  next: PmapEntry | null;
}
/** `pmaplist`: an optional pointer to a cell, as XDR lays out linked lists (RFC 4506 §4.19). */
export const pmaplist: XdrType<PmapEntry | null> = xdr.optional(xdr.lazy((): XdrType<PmapEntry> => pmapEntry));
const pmapEntry: XdrType<PmapEntry> = xdr.struct([['map', mapping], ['next', pmaplist]]);

/** The port mapper, program 100000 version 2. */
export const PMAP = defineProgram({
  name: 'PMAP',
  program: 100000,
  version: 2,
  procedures: {
    set: { proc: 1, args: mapping, result: xdr.bool },
    unset: { proc: 2, args: mapping, result: xdr.bool },
    getport: { proc: 3, args: mapping, result: xdr.unsigned },
    dump: { proc: 4, args: xdr.void, result: pmaplist },
  },
});

/**
 * Flattens a `pmaplist` into an array (never throws).
 *
 * @example
 * listOf({ map: a, next: { map: b, next: null } }); // [a, b]
 */
export function listOf(list: PmapEntry | null): Mapping[] {
  const out: Mapping[] = [];
  for (let e = list; e; e = e.next) out.push(e.map);
  return out;
}

/** Makes a `pmaplist` from an array. @example listFrom([a]); // { map: a, next: null } */
export function listFrom(maps: readonly Mapping[]): PmapEntry | null {
  let list: PmapEntry | null = null;
  for (let i = maps.length - 1; i >= 0; i--) list = { map: maps[i]!, next: list };
  return list;
}
