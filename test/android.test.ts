import { describe, expect, it } from 'vitest';
import { boot, codeName, simulate, type Sys } from '../index.ts';

type Cls = 'foreground' | 'visible' | 'service' | 'background' | 'empty';
const app = (mb: number) => async (sys: Sys) => {
  if ((await sys.mem_alloc(mb)) !== 0) return 1;
  await sys.sleep(1000);
};

describe("Android's low-memory killer", () => {
  it('kills the least important first, within a class the largest, and says why', async () => {
    const sim = await simulate(boot({ seed: 1, memory: { total: 1000 } }), (k) => {
      for (const [name, mb, importance] of [['home', 200, 'foreground'], ['mail', 150, 'service'], ['news', 250, 'background'], ['game', 100, 'background']] as const) {
        k.spawn(name, app(mb), { importance });
      }
      k.spawn('camera', async (sys) => {
        await sys.sleep(10);
        sys.log(codeName(await sys.mem_alloc(300)));
      });
    });
    // 1000 − 700 = 300 free; the camera's 300 leaves 0 < 200 (background): news, the larger background app, goes; 250 free is enough.
    expect(sim.records.filter((r) => r.kind === 'lmk').map((r) => `t=${r.t} ${r.task}`)).toEqual(['t=10 news']);
    expect(sim.exit('news')).toMatchObject({ code: 137, reason: 'killed' });
    expect(sim.records.find((r) => r.kind === 'lmk')!.detail).toBe('low memory: 0 MB free < 200 MB for background; news (background, 250 MB) is the least important');
    expect(sim.logs('camera')).toEqual(['SUCCESS']);
  });

  it('with pick lru, the least recently active of a class goes first', async () => {
    const sim = await simulate(boot({ seed: 1, memory: { total: 600, pick: 'lru' } }), (k) => {
      k.spawn('old', app(100), { importance: 'background' });
      k.spawn('newer', async (sys) => { await sys.sleep(5); await sys.mem_alloc(300); await sys.sleep(1000); }, { importance: 'background' });
      k.spawn('big', async (sys) => { await sys.sleep(10); await sys.mem_alloc(150); await sys.sleep(1); }, { importance: 'foreground' });
    });
    // 50 MB free < 200: the least recently active background app first (old, t=0), then newer (t=5).
    expect(sim.records.filter((r) => r.kind === 'lmk').map((r) => `t=${r.t} ${r.task}`)).toEqual(['t=10 old', 't=10 newer']);
  });

  it('a service bound by a foreground app is raised with it; an allocation that cannot be met fails', async () => {
    const out: string[] = [];
    await simulate(boot({ seed: 1, memory: { total: 500 } }), (k) => {
      k.spawn('player', async (sys) => {
        const { handle } = await sys.fork(app(200), { name: 'playback', daemon: true });
        await sys.set_importance(handle, 'background');
        await sys.bind_service(handle!);
        await sys.sleep(5);
        out.push(codeName(await sys.mem_alloc(200))); // 100 left < 200 (background), but playback counts as foreground
        out.push(codeName(await sys.mem_alloc(600))); // even with playback killed, 600 cannot fit: refused
        out.push(JSON.stringify((await sys.mem_info()).free));
      });
    });
    expect(out).toEqual(['SUCCESS', 'KERN_RESOURCE_SHORTAGE', '300']);
  });

  it('bad sizes and classes get clear codes', async () => {
    const out: string[] = [];
    await simulate(boot({ seed: 1, memory: { total: 100 } }), (k) => {
      k.spawn('t', async (sys) => {
        out.push(codeName(await sys.mem_alloc(-1)), codeName(await sys.mem_free(5)), codeName(await sys.set_importance(undefined, 'vip' as Cls)));
      });
    });
    expect(out).toEqual(['KERN_INVALID_VALUE', 'KERN_INVALID_VALUE', 'KERN_INVALID_VALUE']);
  });
});
