/**
 * The port mapper's extension program beside PMAP v2: servers report how loaded they are (for
 * the `least-loaded` balance), and anyone may read the loads. ONC RPC program 0x20000111
 * (the user-defined range), version 1:
 *
 *   struct load_report { mapping map; unsigned load; };
 *   struct load_entry { mapping map; unsigned reported; unsigned given; unsigned handed_out; };
 *   program PMAPLOAD_PROG { version PMAPLOAD_VERS {
 *     bool REPORT(load_report) = 1;      load_entry LOADS(void)<> = 2;
 *   } = 1; } = 0x20000111;
 *
 * REPORT answers false when the mapping (prog, vers, prot, port) is not registered.
 */
import { defineProgram } from '../rpc/interface.ts';
import { mapping } from '../rpc/portmap-defs.ts';
import { xdr, type Value } from '../rpc/xdr.ts';

/** The port mapper's well-known UDP port. */
export { PMAP_PORT } from '../rpc/portmap-defs.ts';

export const loadReport = xdr.struct([['map', mapping], ['load', xdr.unsigned]]);
export const loadEntry = xdr.struct([['map', mapping], ['reported', xdr.unsigned], ['given', xdr.unsigned], ['handed_out', xdr.unsigned]]);
export type LoadEntry = Value<typeof loadEntry>;

/** The load program, served by the port mapper beside PMAP. */
export const PMAPLOAD = defineProgram({
  name: 'PMAPLOAD',
  program: 0x2000_0111,
  version: 1,
  procedures: {
    report: { proc: 1, args: loadReport, result: xdr.bool },
    loads: { proc: 2, args: xdr.void, result: xdr.varArray(loadEntry) },
  },
});
