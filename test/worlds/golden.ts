import { boot, renderJsonLines, type Sys, type TraceRecord } from '../../index.ts';
import { chaos } from './chaos.ts';

/**
 * The worlds whose traces are kept in `test/golden/`: a change that must not
 * change behaviour (a move, a refactor) keeps them byte for byte. Regenerate on
 * purpose only, when a change of behaviour is meant:
 *
 *   npx tsx test/worlds/golden.ts --write
 */
export const GOLDEN_WORLDS: Record<string, () => Promise<readonly TraceRecord[]>> = {
  'chaos-7-fcfs': async () => (await chaos(7, 4, 12, 1, 'fcfs')).k.trace.records,
  'chaos-42-rr': async () => (await chaos(42, 3, 12, 2, 'rr')).k.trace.records,
  'chaos-1234-priority': async () => (await chaos(1234, 4, 10, 1, 'priority')).k.trace.records,
  'echo-rpc': async () => {
    const k = boot({ seed: 1 });
    k.spawn('echo', async (sys) => {
      const { name: port } = await sys.port_allocate('receive', 'echo');
      await sys.netname_check_in('echo', port!);
      for (;;) {
        const r = await sys.msg_receive<string>(port!);
        if (!r.ok) return 1;
        await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: r.msg.body.toUpperCase() });
      }
    }, { daemon: true });
    k.spawn('client', async (sys) => {
      const { port } = await sys.netname_look_up('echo', { wait: true });
      for (let i = 0; i < 3; i++) await sys.msg_rpc<string>(port!, { id: 1, body: `hello ${i}` });
    });
    await k.run();
    return k.trace.records;
  },
  'processes-rr': async () => {
    const k = boot({ seed: 3, sched: { policy: 'rr', quantum: 4, switchCost: 1, registerSets: 1 }, process: { init: true } });
    k.install('/bin/date', async (sys: Sys) => sys.log(`t=${sys.now()}`));
    k.spawn('compiler', async (sys) => { await sys.compute(24); }, { at: 0, priority: 3 });
    k.spawn('shell', async (sys) => {
      const { pid } = await sys.fork(async (child) => child.exec('/bin/date'));
      await sys.wait(pid);
      await sys.fork(async (child) => {
        await child.fork(async (g) => { await g.sleep(20); });
        await child.compute(3);
      });
      await sys.compute(6);
    }, { at: 5 });
    await k.run();
    return k.trace.records;
  },
};

if (process.argv.includes('--write')) {
  const { writeFileSync } = await import('node:fs');
  for (const [name, world] of Object.entries(GOLDEN_WORLDS)) {
    const text = renderJsonLines(await world());
    writeFileSync(new URL(`../golden/${name}.jsonl`, import.meta.url), text + '\n');
    console.log(`${name}: ${text.split('\n').length} records`);
  }
}
