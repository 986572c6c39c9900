/**
 * The name service as a server task, as it was in Mach (Mach 2.5's netmsgserver served
 * netname; Mach 3's bootstrap server held the bootstrap port), rather than kernel-served.
 *
 * Decisions (see also README, "The name service"):
 * - Opt-in: a host booted with `boot({ nameService: 'task' })` does not serve its bootstrap
 *   port; the kernel keeps the receive right unserved and requests queue on it until a task
 *   takes it with `bootstrap_claim`. `nameServer()` is that task. The default
 *   (`nameService: 'kernel'`) is unchanged, so traces of programs that do not opt in do not move.
 * - The client is unchanged: `sys.netname_check_in / _look_up / _check_out` send the same
 *   requests (ids 400–402, the same bodies) to `sys.bootstrapPort`; this server answers with
 *   the same codes as kernel/server/netname.ts, in the same order of checks: MIG_BAD_ID,
 *   MIG_BAD_ARGUMENTS, NETNAME_INVALID_PORT, NETNAME_NOT_YOURS, NETNAME_NOT_CHECKED_IN.
 *   Ownership is the sender's pid (a thread's own pid), as the kernel's.
 * - Registered send rights live in this task's space. A dead-name notification is requested
 *   on each; when it comes, the registrations on that name are forgotten (the kernel forgets
 *   them lazily; the answers are the same, because the notification, queued when the port
 *   died, is taken before any later request: the notify port and the bootstrap port are in
 *   one port set, served in arrival order).
 * - `{ wait: true }` look-ups of a name not checked in keep their reply right here and are
 *   answered by the check-in.
 * - The server checks itself in under `NAME_SERVER_NAME` ('netname'), a port of its own that
 *   serves the same routines. A task that wants to know when the name server dies asks for a
 *   dead-name notification on it (see client.ts, `keepCheckedIn`).
 * - Death: the kernel takes the bootstrap port's receive right back, with the requests still
 *   queued (they wait for the next server; nobody's bootstrap right turns dead). What died with
 *   the server: its registrations (servers must check in again, as with a restarted launchd
 *   or netmsgserver), and the requests it had taken but not answered, such as look-ups it was
 *   keeping waiting (their reply rights are destroyed: those callers read MIG_SERVER_DIED).
 *   A restarted `nameServer()` claims the port and goes on.
 *
 * @example
 * const k = boot({ nameService: 'task' });
 * k.spawn('netname', nameServer(), { daemon: true });
 * k.spawn('echo', async (sys) => { const { name } = await sys.port_allocate(); await sys.netname_check_in('echo', name!); });
 */
import {
  KERN_SUCCESS,
  MIG_BAD_ARGUMENTS,
  NETNAME_INVALID_PORT,
  NETNAME_NOT_CHECKED_IN,
  NETNAME_NOT_YOURS,
  codeName,
} from '../../ports/codes.ts';
import type { Disposition, ReceivedRight } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { DEFER, answerLater, fail, ok, serveSet, subsystem, type Answer, type Request } from '../posix/mig.ts';

/**
 * The name service's interface: the ids of kernel/server/defs.ts's `NETNAME` (a server may not
 * import the kernel; a test checks they are equal).
 */
export const NETNAME_IDS = subsystem(400, {
  netname_check_in: { n: 0, args: [['name', 'string'], ['port', 'name']] },
  netname_look_up: { n: 1, args: [['name', 'string'], ['opts', 'object']] },
  netname_check_out: { n: 2, args: [['name', 'string']] },
});

/** The name the name server checks its own port in under: a dead-name notification on it tells of its death. */
export const NAME_SERVER_NAME = 'netname';

/** Longest name the service takes (Mach's `char[80]`). */
const NAME_MAX = 80;

/** Options of `nameServer`. */
export interface NameServerOptions {
  /** The name its own port is checked in under (default `NAME_SERVER_NAME`); null: none. */
  selfName?: string | null;
}

/** One registration: the send right (its name in the server's space), who checked it in, how to copy it. */
interface Registration {
  right: number;
  owner: number;
  /** 'copy-send' for a checked-in right; 'make-send' for the server's own port (it holds the receive right). */
  give: Disposition;
}

/**
 * Program: the name server. Claims its host's bootstrap port (`bootstrap_claim`), logs how many
 * requests were waiting for it, then serves netname_check_in / _look_up / _check_out forever. Ends with 1 (and a log line saying why)
 * when it cannot claim the port: the host's kernel serves the name service (KERN_FAILURE) or
 * another task holds the port (KERN_NO_ACCESS).
 */
export function nameServer(options: NameServerOptions = {}): (sys: Sys) => Promise<number> {
  const selfName = options.selfName === undefined ? NAME_SERVER_NAME : options.selfName;
  return async (sys: Sys) => {
    const claim = await sys.bootstrap_claim();
    if (claim.code !== KERN_SUCCESS) {
      sys.log(`netname: cannot serve the bootstrap port: ${codeName(claim.code)}`);
      return 1;
    }
    const waiting = await sys.port_get_attributes(claim.name!);
    sys.log(`serving the bootstrap port (${waiting.msgcount ?? 0} requests were waiting for a name server)`);
    const names = new Map<string, Registration>();
    const waiters = new Map<string, { reply: number; id: number }[]>();
    const { name: set } = await sys.port_allocate('port-set', 'netname');
    await sys.port_move_member(sys.notifyPort, set!);
    await sys.port_move_member(claim.name!, set!);
    if (selfName !== null) {
      const { name: own } = await sys.port_allocate('receive', 'netname');
      await sys.port_move_member(own!, set!);
      names.set(selfName, { right: own!, owner: sys.pid, give: 'make-send' });
    }

    /** Lets go of a right a request carried and the routine did not keep (as the kernel destroys them). */
    const drop = async (r: ReceivedRight): Promise<void> => {
      if (r.right === 'receive') {
        // The port dies (as when the kernel destroys a receive right in transit); whatever we had under that name goes too.
        for (const [n, reg] of names) if (reg.right === r.name && reg.give === 'copy-send') names.delete(n);
        await sys.port_destroy(r.name);
      } else if (r.name !== 0) await sys.port_deallocate(r.name);
    };
    const dropAll = async (req: Request, keep?: ReceivedRight): Promise<void> => {
      for (const r of req.rights) if (r !== keep) await drop(r);
    };
    const answerOf = (reg: Registration): Answer => ok({}, [{ name: reg.right, disposition: reg.give }]);

    const checkIn = async (req: Request): Promise<Answer> => {
      const name = req.body.name;
      if (typeof name !== 'string' || name.length === 0 || name.length > NAME_MAX) return dropAll(req).then(() => fail(MIG_BAD_ARGUMENTS));
      const right = req.rights[0];
      if (!right || right.right !== 'send') return dropAll(req).then(() => fail(NETNAME_INVALID_PORT));
      const had = names.get(name);
      if (had && had.owner !== req.sender) return dropAll(req).then(() => fail(NETNAME_NOT_YOURS));
      await dropAll(req, right);
      const reg: Registration = { right: right.name, owner: req.sender, give: 'copy-send' };
      names.set(name, reg);
      if (had && had.give === 'copy-send') await sys.port_deallocate(had.right);
      // When its port dies, the registration is forgotten (Mach's dead-name notification; a second request is a no-op).
      await sys.port_request_notification(right.name, 'dead-name', sys.notifyPort);
      const waiting = waiters.get(name);
      waiters.delete(name);
      for (const w of waiting ?? []) {
        // A waiter that died meanwhile: its send-once right is a dead name now; let it go.
        if ((await answerLater(sys, w.reply, w.id, answerOf(reg))) !== KERN_SUCCESS) await sys.port_deallocate(w.reply);
      }
      return ok();
    };

    const lookUp = async (req: Request): Promise<Answer | typeof DEFER> => {
      await dropAll(req);
      const name = req.body.name;
      if (typeof name !== 'string') return fail(MIG_BAD_ARGUMENTS);
      const reg = names.get(name);
      if (reg) return answerOf(reg);
      if (!req.body.wait) return fail(NETNAME_NOT_CHECKED_IN);
      if (req.reply === 0) return DEFER;
      const list = waiters.get(name) ?? [];
      list.push({ reply: req.reply, id: req.id });
      waiters.set(name, list);
      return DEFER;
    };

    const checkOut = async (req: Request): Promise<Answer> => {
      await dropAll(req);
      const name = req.body.name;
      if (typeof name !== 'string') return fail(MIG_BAD_ARGUMENTS);
      const had = names.get(name);
      if (!had) return fail(NETNAME_NOT_CHECKED_IN);
      if (had.owner !== req.sender) return fail(NETNAME_NOT_YOURS);
      names.delete(name);
      if (had.give === 'copy-send') await sys.port_deallocate(had.right);
      return ok();
    };

    /** A dead-name notification: every registration of that right is forgotten, and the dead name released. */
    const deadName = async (req: Request): Promise<undefined> => {
      const dead = (req.body as { name?: unknown }).name;
      if (typeof dead !== 'number') return undefined;
      for (const [n, reg] of names) if (reg.right === dead && reg.give === 'copy-send') names.delete(n);
      await sys.port_destroy(dead);
      return undefined;
    };

    const code = await serveSet(sys, set!, async (req) => {
      if (req.notification) return req.notification === 'dead-name' ? deadName(req) : undefined;
      const routine = req.id === NETNAME_IDS.netname_check_in.id ? checkIn : req.id === NETNAME_IDS.netname_look_up.id ? lookUp : req.id === NETNAME_IDS.netname_check_out.id ? checkOut : null;
      if (!routine) {
        await dropAll(req);
        return undefined; // MIG_BAD_ID
      }
      if (typeof req.body !== 'object' || req.body === null) return dropAll(req).then(() => fail(MIG_BAD_ARGUMENTS));
      return routine(req);
    });
    sys.log(`netname: stopped serving: ${codeName(code)}`);
    return 1;
  };
}
