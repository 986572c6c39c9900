/**
 * The shared-memory server: a task that serves the names of shared memory
 * (POSIX `/name`s and System V keys) and their permissions, the microkernel
 * way; the memory itself is kernel regions, which clients map with
 * `region_map` and then use with no message and no copy.
 */
import type { Sys } from '../../syscalls/sys.ts';
import { EINVAL } from '../posix/errno.ts';
import { fail, serveSet, type Request } from '../posix/mig.ts';
import { SHM, SHM_SERVICE } from './defs.ts';
import { releaseIfUnused, ROUTINES } from './routines.ts';
import { Segments, type Cred } from './segments.ts';
import { SessionUsers } from './users.ts';

const BY_ID = new Map(Object.values(SHM).map((def) => [def.id, def.name as keyof typeof SHM]));

/**
 * The server's program: checks its port in as `shm`, then answers requests
 * forever (spawn it as a daemon). Each client's first request carries a send
 * right to the client's notify port (its token): the server asks for a
 * dead-name notification on it, so when a client ends, its opens and
 * mappings are dropped, and a removed segment it held goes. A reply's code is
 * 0 or an errno code; an unknown request id is answered MIG_BAD_ID, a body
 * that is not an object EINVAL. Who asks is the user the sender's pid acts as
 * (`users.ts`: the file server's rule), never what the request says.
 *
 * @example
 * k.spawn('shm', shmServer, { daemon: true });
 * k.spawn('writer', async (sys) => {
 *   const shm = shmClient(sys);
 *   const o = await shm.shm_open('/counter', O_CREAT | O_RDWR, 0o600);
 * });
 */
export async function shmServer(sys: Sys): Promise<number> {
  const service = (await sys.port_allocate('receive', 'shm')).name!;
  const deaths = (await sys.port_allocate('receive', 'shm.deaths')).name!;
  const set = (await sys.port_allocate('port-set', 'shm.requests')).name!;
  await sys.port_move_member(service, set);
  await sys.port_move_member(deaths, set);
  await sys.port_set_qlimit(service, 64);
  await sys.netname_check_in(SHM_SERVICE, service);
  const table = new Segments();
  const users = new SessionUsers();
  /** Each client's token (a send right to its notify port), by pid, and the pid a token stands for. */
  const tokenOf = new Map<number, number>();
  const pidOf = new Map<number, number>();

  /** A client ended: its token goes, and so do its opens and mappings (and a removed segment nobody holds now). */
  const clientDied = async (pid: number): Promise<void> => {
    const token = tokenOf.get(pid)!;
    tokenOf.delete(pid);
    pidOf.delete(token);
    await sys.port_destroy(token);
    for (const seg of table.forget(pid)) await releaseIfUnused(sys, table, seg);
  };
  /** The token a client's request carries: kept (with a dead-name request) the first time, given back after. */
  const introduce = async (m: Request): Promise<void> => {
    const token = m.rights[0];
    if (token?.right !== 'send') return;
    if (tokenOf.has(m.sender)) await sys.port_deallocate(token.name);
    else if ((await sys.port_request_notification(token.name, 'dead-name', deaths)) === 0) {
      tokenOf.set(m.sender, token.name);
      pidOf.set(token.name, m.sender);
    } else await sys.port_deallocate(token.name); // it died on the way
  };

  return serveSet(sys, set, async (m) => {
    if (m.notification === 'dead-name') {
      const pid = pidOf.get((m.body as { name: number }).name);
      if (pid !== undefined) await clientDied(pid);
      return undefined;
    }
    if (m.notification !== null) return undefined;
    await introduce(m);
    const name = BY_ID.get(m.id);
    if (!name) return undefined; // MIG_BAD_ID
    if (typeof m.body !== 'object' || m.body === null) return fail(EINVAL);
    const cred: Cred = { pid: m.sender, user: await users.of(sys, m.sender) };
    return ROUTINES[name](sys, table, m.body, cred);
  });
}
