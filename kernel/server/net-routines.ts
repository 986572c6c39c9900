/**
 * The NET subsystem's handlers (see `NET` in defs.ts): a host's network device, for the
 * host's network server task.
 */
import { KERN_INVALID_ARGUMENT } from '../../ports/codes.ts';
import type { NET } from './defs.ts';
import { err, ok, type Handlers } from './mig.ts';

export const netRoutines: Handlers<typeof NET> = {
  /** Gives the caller the receive right of its host's device port and the host's address: `{ code, name, address }`; KERN_NO_ACCESS when already attached. */
  net_attach: (k, task) => {
    const r = k.netAttach(task);
    return typeof r === 'number' ? err(r) : ok({ name: r.name, address: k.address });
  },
  /** Hands `bytes` (a Uint8Array) to the wire for `dst` (an IPv4 address): `{ code, fate }`; KERN_INVALID_ARGUMENT for bad arguments. */
  net_transmit: (k, _task, req) => {
    if (typeof req.dst !== 'string' || !(req.bytes instanceof Uint8Array)) return err(KERN_INVALID_ARGUMENT);
    return ok({ fate: k.netTransmit(req.dst, req.bytes, req.meta) });
  },
};
