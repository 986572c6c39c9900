import { audit, boot, type Sys } from '../../index.ts';

/**
 * Random worlds with everything at once: messages with rights, port sets,
 * ports destroyed under waiters, forks, kills, waits, threads, exits, on
 * random scheduler settings. After every step of every task the kernel's
 * books must balance, and at the end every task has ended or is named in a
 * deadlock report — whatever the programs did.
 */
export async function chaos(seed: number, tasks: number, steps: number, cpus: number, policy: 'fcfs' | 'rr' | 'priority') {
  const k = boot({ seed, sched: { cpus, policy, quantum: 3 }, process: { init: true, cascade: seed % 2 === 0 } });
  const problems: string[] = [];
  const check = (who: string) => {
    for (const p of audit(k).problems) problems.push(`${who}: ${p}`);
  };
  const body = async (sys: Sys, depth: number): Promise<number> => {
    let { name: mine } = await sys.port_allocate('receive', `p${sys.pid}`);
    const set = (await sys.port_allocate('port-set')).name!;
    await sys.netname_check_in(`p${sys.pid % tasks}`, mine!);
    const handles: number[] = [];
    for (let step = 0; step < steps; step++) {
      const dice = Math.floor(sys.random() * 12);
      const peer = (await sys.netname_look_up(`p${Math.floor(sys.random() * tasks)}`)).port ?? 0;
      switch (dice) {
        case 0:
        case 1:
          if (peer) await sys.msg_send(peer, { body: step, rights: sys.random() < 0.5 ? [{ name: mine!, disposition: 'make-send' }] : [] }, { timeout: 2 });
          break;
        case 2:
          if (peer) await sys.msg_send(peer, { body: step }, { policy: 'cache' });
          break;
        case 3: {
          const r = await sys.msg_receive(sys.random() < 0.5 ? mine! : set, { timeout: Math.floor(sys.random() * 4) });
          if (r.ok) for (const right of r.msg.rights) if (sys.random() < 0.7) await sys.port_deallocate(right.name);
          break;
        }
        case 4:
          await sys.port_move_member(mine!, sys.random() < 0.5 ? set : 0);
          break;
        case 5:
          // Destroy my port (senders and receivers see it die) and make a new one.
          await sys.port_destroy(mine!);
          mine = (await sys.port_allocate('receive', `p${sys.pid}`)).name;
          await sys.netname_check_in(`p${sys.pid % tasks}`, mine!);
          break;
        case 6:
          if (depth < 2) {
            const f = await sys.fork((child: Sys) => body(child, depth + 1), { share: sys.random() < 0.5 ? 'all' : 'none' });
            if (f.handle) handles.push(f.handle);
          }
          break;
        case 7:
          if (handles.length) await sys.kill(handles[Math.floor(sys.random() * handles.length)]!, sys.random() < 0.5 ? 'kill' : 'term');
          break;
        case 8:
          await sys.wait(-1, { nohang: true });
          break;
        case 9:
          if (depth < 2) await sys.thread_create(async (t: Sys) => { await t.compute(1); await t.msg_receive(mine!, { timeout: 3 }); });
          break;
        case 10:
          await sys.compute(1 + Math.floor(sys.random() * 3));
          break;
        default:
          await sys.sleep(Math.floor(sys.random() * 3));
      }
      check(`${sys.name}(${sys.pid}) step ${step}`);
    }
    return 0;
  };
  for (let i = 0; i < tasks; i++) k.spawn(`t${i}`, (sys) => body(sys, 0), { priority: i % 3 });
  const report = await k.run({ until: 10_000 });
  check('end');
  return { k, report, problems };
}

