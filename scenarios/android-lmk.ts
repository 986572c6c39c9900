/**
 * Android's process importance and the low-memory killer, on a phone with
 * 1,000 MB. The system starts the apps (so it holds a handle to each, as
 * Android's activity manager does) and plays the user: opening an app makes
 * it foreground and sends the previous one to the background; the music
 * player's playback service is bound by the player, so it counts as visible
 * while the player is. When free memory falls below a class's threshold the
 * killer ends the least important process first (within a class the largest,
 * or with `--pick lru` the least recently used). Same seed, same kills.
 *
 *   npx tsx scenarios/android-lmk.ts [--seed N] [--only summary|table]
 */
import type { Sys } from '../index.ts';
import { parseArgs } from './args.ts';

const args = parseArgs(`Android's low-memory killer on a 1,000 MB phone: apps opened and sent to the background
over three minutes; a chart of free memory and each app's class, and who was killed when and why.`);
const show = (part: 'summary' | 'table') => args.only === null || args.only === part || (part === 'table' && args.only === 'mermaid');
const k = args.boot({ memory: { total: 1000 } });

type Cls = 'foreground' | 'visible' | 'service' | 'background' | 'empty';
interface App { name: string; mb: number; growth: number }
const APPS: App[] = [
  { name: 'launcher', mb: 120, growth: 0 },
  { name: 'player', mb: 90, growth: 0 },
  { name: 'playback', mb: 60, growth: 0 },
  { name: 'browser', mb: 260, growth: 20 },
  { name: 'maps', mb: 300, growth: 10 },
  { name: 'camera', mb: 340, growth: 0 },
];
/** The user's day: at second t, open this app (the previous foreground app goes to the background). */
const SCRIPT: [number, string][] = [[0, 'launcher'], [20, 'player'], [40, 'browser'], [70, 'maps'], [110, 'launcher'], [130, 'camera'], [160, 'browser']];
const samples: { t: number; free: number; classes: Record<string, Cls | 'killed' | undefined> }[] = [];

k.spawn('system', async (sys: Sys) => {
  const handle: Record<string, number> = {};
  const cls: Record<string, Cls | 'killed'> = {};
  const alive = async (name: string) => handle[name] !== undefined && (await sys.task_info(handle[name])).pcb?.state !== 'terminated';
  /** Starts an app (a cold start): it allocates its memory, then grows a little every 10 s while it lives. */
  const start = async (app: App, as: Cls): Promise<void> => {
    const { handle: h } = await sys.fork(async (a) => {
      if ((await a.mem_alloc(app.mb)) !== 0) return 1;
      for (;;) {
        await a.sleep(10_000);
        if (app.growth) await a.mem_alloc(app.growth);
      }
    }, { name: app.name, daemon: true, share: 'none' });
    handle[app.name] = h!;
    await sys.set_importance(h, (cls[app.name] = as));
  };
  const byName = (name: string) => APPS.find((x) => x.name === name)!;
  let fg = '';
  let step = 0;
  for (let t = 0; t < 180_000; t += 5_000) {
    while (step < SCRIPT.length && SCRIPT[step]![0] * 1000 <= t) {
      const next = SCRIPT[step++]![1];
      if (fg && (await alive(fg))) await sys.set_importance(handle[fg], (cls[fg] = 'background'));
      if (await alive(next)) await sys.set_importance(handle[next], (cls[next] = 'foreground'));
      else await start(byName(next), 'foreground');
      fg = next;
      if (next === 'player' && !(await alive('playback'))) {
        // The player starts its playback service and binds it: the service is raised with it.
        await start(byName('playback'), 'service');
        await sys.bind_service(handle.playback!);
      }
    }
    await sys.sleep(5_000);
    for (const app of APPS) if (handle[app.name] !== undefined && !(await alive(app.name))) cls[app.name] = 'killed';
    samples.push({ t: sys.now() / 1000, free: (await sys.mem_info()).free!, classes: { ...cls } });
  }
  for (const app of APPS) if (await alive(app.name)) await sys.kill(handle[app.name]!);
});

await k.run();
const kills = k.trace.records.filter((r) => r.kind === 'lmk');
if (show('summary')) {
  console.log(`Android's low-memory killer — 1000 MB, seed ${args.seed}\n`);
  console.log('free memory (MB) over time, and each app\'s class (F foreground, S service, B background, x killed, . not started):\n');
  const letter = (c: string | undefined) => (c === undefined ? '.' : c === 'killed' ? 'x' : c[0]!.toUpperCase());
  console.log(`   t  free  ${'chart (each # is 25 MB)'.padEnd(40)} ${APPS.map((a) => a.name.slice(0, 8).padEnd(9)).join('')}`);
  for (const s of samples.filter((_, i) => i % 2 === 1)) {
    const bar = '#'.repeat(Math.max(0, Math.round(s.free / 25)));
    console.log(`${String(s.t).padStart(4)}  ${String(s.free).padStart(4)}  ${bar.padEnd(40)} ${APPS.map((a) => letter(s.classes[a.name]).padEnd(9)).join('')}`);
  }
}
if (show('table')) {
  console.log('\nkills:');
  for (const r of kills) console.log(`  t=${(r.t / 1000).toFixed(0)} s  ${r.task}: ${r.detail}`);
  if (kills.length === 0) console.log('  none');
}
