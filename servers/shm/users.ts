/**
 * Who a request comes from, as the file server decides it (servers/fs/server.ts):
 * the sender's pid comes from the kernel (the message's audit trailer), so it
 * cannot be forged, and the user a pid acts as is the process its session
 * started from: walking up the parents (`ps`) to the last process below the
 * kernel (or below init, when pid 1 is init). A task spawned with `k.spawn` is
 * its own user; its forked children act as it, as Unix children keep their
 * parent's uid. Each pid's user is found once and kept.
 */
import type { Sys } from '../../syscalls/sys.ts';

/** The users of the pids a server has seen. */
export class SessionUsers {
  private readonly users = new Map<number, number>();

  /**
   * The user pid acts as (one `ps` call the first time a pid or its ancestors are seen).
   *
   * @example
   * const users = new SessionUsers();
   * await users.of(sys, msg.sender); // 4: the pid of the process its session started from
   */
  async of(sys: Sys, pid: number): Promise<number> {
    const known = this.users.get(pid);
    if (known !== undefined) return known;
    const procs = (await sys.ps()).procs ?? [];
    const parent = new Map(procs.map((p) => [p.pid, p.ppid]));
    // init (pid 1, named init, a child of the kernel) adopts orphans: it is nobody's session.
    const init = procs.find((p) => p.pid === 1 && p.ppid === 0 && p.name === 'init') ? 1 : 0;
    const chain: number[] = [];
    let p = pid;
    let user = pid;
    for (;;) {
      const cached = this.users.get(p);
      if (cached !== undefined) {
        user = cached;
        break;
      }
      chain.push(p);
      const pp = parent.get(p);
      if (pp === undefined || pp === 0 || pp === init) {
        user = p;
        break;
      }
      p = pp;
    }
    for (const c of chain) this.users.set(c, user);
    return user;
  }
}
