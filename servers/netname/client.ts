/**
 * What a server needs when its host's name service is a task that may die and be
 * restarted (servers/netname/server.ts): its registrations die with the name server, so
 * it checks its names in again when the next one is up. The calls themselves are the
 * ordinary stubs (`sys.netname_check_in`, …); nothing here is needed with the kernel's
 * name service.
 *
 * @example
 * const { name: port } = await sys.port_allocate('receive', 'echo');
 * await keepCheckedIn(sys, [['echo', port!]]);   // checks in now, and after every restart
 */
import { KERN_SUCCESS, NETNAME_NOT_CHECKED_IN } from '../../ports/codes.ts';
import { MACH_NOTIFY_DEAD_NAME } from '../../ports/notify.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { NAME_SERVER_NAME } from './server.ts';

/**
 * A send right to the host's name server's own port (checked in as `NAME_SERVER_NAME`),
 * with a dead-name notification requested on it to `notify` (a port the caller receives
 * on). Resolves to the right's name, or 0 when the host's name service is the kernel's
 * (nothing is checked in under that name; the kernel's name service does not die).
 * With `wait`, waits until a name server answers (after a restart).
 */
export async function watchNameServer(sys: Sys, notify: number, opts: { wait?: boolean } = {}): Promise<number> {
  const r = await sys.netname_look_up(NAME_SERVER_NAME, { wait: opts.wait ?? false });
  if (r.code !== KERN_SUCCESS || !r.port) return 0;
  await sys.port_request_notification(r.port, 'dead-name', notify);
  return r.port;
}

/**
 * Checks each `[name, port]` in now, and starts a thread of the caller's task that checks
 * them in again each time the host's name server dies and a new one is up (it learns of the
 * death by a dead-name notification on the name server's own port, then waits with a
 * `{ wait: true }` look-up until the next server answers). The registrations are the
 * thread's (the owner is the checking-in task's pid, a thread's own pid). Resolves to the
 * first check-in's codes, in order. With the kernel's name service it only checks in.
 * `log: true`: the thread writes a log line for each check-in again.
 * The thread waits for ever: use it in a daemon server (a non-daemon task would never end).
 */
export async function keepCheckedIn(sys: Sys, entries: readonly (readonly [string, number])[], opts: { log?: boolean } = {}): Promise<number[]> {
  const codes: number[] = [];
  for (const [name, port] of entries) codes.push(await sys.netname_check_in(name, port));
  const probe = await sys.netname_look_up(NAME_SERVER_NAME);
  if (probe.code === NETNAME_NOT_CHECKED_IN || !probe.port) return codes;
  await sys.port_deallocate(probe.port);
  await sys.thread_create(async (t: Sys) => {
    const { name: notify } = await t.port_allocate('receive', 'netname watch');
    let server = await watchNameServer(t, notify!);
    while (server) {
      const n = await t.msg_receive(notify!);
      if (!n.ok) return;
      if (n.msg.id !== MACH_NOTIFY_DEAD_NAME) continue;
      await t.port_destroy(server); // the dead name, with the notification's reference
      server = await watchNameServer(t, notify!, { wait: true });
      for (const [name, port] of entries) {
        const code = await t.netname_check_in(name, port);
        if (opts.log) t.log(`the name server was restarted: checked '${name}' in again: ${code === KERN_SUCCESS ? 'SUCCESS' : code}`);
      }
    }
  });
  return codes;
}
